"""The inbox's due-time order walks an index instead of sorting every open ticket.

Revision ID: 0011
Revises: 0010
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_ticket_sla_due_order", "ticket_sla", ["due_at", "ticket_id"])


def downgrade():
    op.drop_index("ix_ticket_sla_due_order", table_name="ticket_sla")
