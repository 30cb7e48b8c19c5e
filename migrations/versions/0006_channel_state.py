"""Channel state: last inbound, last outbound and last error per channel adapter

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('channel_state',
    sa.Column('adapter', sa.String(length=50), nullable=False),
    sa.Column('last_inbound_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_outbound_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('last_error_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('adapter', name=op.f('pk_channel_state'))
    )


def downgrade():
    op.drop_table('channel_state')
