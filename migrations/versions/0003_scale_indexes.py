"""Indexes the benchmarks asked for (bench/README.md, bench/README_sla.md)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

OPEN = "status IN ('new', 'open', 'pending_customer', 'deferred')"


def upgrade():
    # a district's per-status badge counts become index-only scans
    op.create_index('ix_tickets_open_district_status', 'tickets', ['district_id', 'status'],
                    postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))
    # the customers a district may see, straight from the indexes (search, scoping)
    op.create_index('ix_tickets_district_customer', 'tickets', ['district_id', 'customer_id'])
    op.create_index('ix_customers_ward_id_id', 'customers', ['ward_id', 'id'])
    # automatic assignment: the oldest waiting (unassigned, workable) tickets first
    waiting = "assignee_id IS NULL AND status IN ('new', 'open')"
    op.create_index('ix_tickets_waiting', 'tickets', ['created_at', 'id'],
                    postgresql_where=sa.text(waiting), sqlite_where=sa.text(waiting))
    # the supervisor escalation reads breached, running clocks only
    breached = "breached_at IS NOT NULL AND stopped_at IS NULL AND escalation_level < 3"
    op.create_index('ix_ticket_sla_escalate', 'ticket_sla', ['budget_seconds', 'due_at'],
                    postgresql_where=sa.text(breached), sqlite_where=sa.text(breached))


def downgrade():
    op.drop_index('ix_ticket_sla_escalate', table_name='ticket_sla')
    op.drop_index('ix_tickets_waiting', table_name='tickets')
    op.drop_index('ix_customers_ward_id_id', table_name='customers')
    op.drop_index('ix_tickets_district_customer', table_name='tickets')
    op.drop_index('ix_tickets_open_district_status', table_name='tickets')
