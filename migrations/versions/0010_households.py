"""Sub-household register (sổ hộ dùng chung công tơ)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

ACTIVE_PAPERS = "status = 'active' AND paper_expires_on IS NOT NULL"


def upgrade():
    op.create_table('households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('head_name', sa.String(length=200), nullable=False),
    sa.Column('citizen_id', sa.String(length=12), nullable=False),
    sa.Column('citizen_id_digest', sa.String(length=64), nullable=False),
    sa.Column('paper_number', sa.String(length=50), nullable=True),
    sa.Column('paper_expires_on', sa.Date(), nullable=True),
    sa.Column('address_note', sa.String(length=300), nullable=True),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=300), nullable=True),
    sa.Column('is_main', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'active', 'ended', name='householdstatus',
                                native_enum=False, length=16), nullable=False),
    sa.Column('added_by_ticket_id', sa.Integer(), nullable=True),
    sa.Column('ending_ticket_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('until IS NULL OR until >= since',
                       name=op.f('ck_households_ends_after_start')),
    sa.CheckConstraint("status != 'ended' OR until IS NOT NULL",
                       name=op.f('ck_households_ended_has_date')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'],
                            name=op.f('fk_households_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['added_by_ticket_id'], ['tickets.id'],
                            name=op.f('fk_households_added_by_ticket_id_tickets'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ending_ticket_id'], ['tickets.id'],
                            name=op.f('fk_households_ending_ticket_id_tickets'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households'))
    )
    op.create_index('ix_households_contract_status', 'households', ['contract_id', 'status'])
    # the duplicate check and report compare digests of active households only
    op.create_index('ix_households_digest_status', 'households',
                    ['citizen_id_digest', 'status'])
    op.create_index('ix_households_paper_expiry', 'households', ['paper_expires_on'],
                    postgresql_where=sa.text(ACTIVE_PAPERS), sqlite_where=sa.text(ACTIVE_PAPERS))
    op.create_index('ix_households_added_by_ticket', 'households', ['added_by_ticket_id'])
    op.create_index('ix_households_ending_ticket', 'households', ['ending_ticket_id'])
    # at most one active holder's own household (hộ chính) per contract
    op.create_index('uq_households_one_main', 'households', ['contract_id'], unique=True,
                    postgresql_where=sa.text("is_main AND status = 'active'"),
                    sqlite_where=sa.text("is_main = 1 AND status = 'active'"))


def downgrade():
    op.drop_index('uq_households_one_main', table_name='households')
    op.drop_index('ix_households_ending_ticket', table_name='households')
    op.drop_index('ix_households_added_by_ticket', table_name='households')
    op.drop_index('ix_households_paper_expiry', table_name='households')
    op.drop_index('ix_households_digest_status', table_name='households')
    op.drop_index('ix_households_contract_status', table_name='households')
    op.drop_table('households')
