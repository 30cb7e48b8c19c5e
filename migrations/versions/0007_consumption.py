"""consumption check: reading flags, abnormal-consumption alerts, reading days, import runs

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    # In place on both databases (no table copy): nullable columns, or a constant default.
    op.add_column('readings', sa.Column('is_flagged', sa.Boolean(), nullable=False,
                                        server_default=sa.false()))
    op.add_column('readings', sa.Column('change_percent', sa.Numeric(precision=14, scale=1),
                                        nullable=True))
    op.add_column('readings', sa.Column('checked_at', sa.DateTime(timezone=True),
                                        nullable=True))

    op.create_table('consumption_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('kwh', sa.Integer(), nullable=False),
    sa.Column('previous_period', sa.String(length=7), nullable=False),
    sa.Column('previous_kwh', sa.Integer(), nullable=False),
    sa.Column('change_percent', sa.Numeric(precision=14, scale=1), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_consumption_alerts_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_consumption_alerts_ticket_id_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consumption_alerts')),
    sa.UniqueConstraint('customer_id', 'period', name='uq_consumption_alerts_customer_period'),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_consumption_alerts_ticket_id'))
    )
    op.create_index('ix_consumption_alerts_pending', 'consumption_alerts', ['id'],
                    postgresql_where=sa.text('ticket_id IS NULL'),
                    sqlite_where=sa.text('ticket_id IS NULL'))

    op.create_table('reading_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('ward_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.SmallInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(customer_id IS NULL) <> (ward_id IS NULL)', name=op.f('ck_reading_days_one_scope')),
    sa.CheckConstraint('day BETWEEN 1 AND 31', name=op.f('ck_reading_days_day_of_month')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_reading_days_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ward_id'], ['wards.id'], name=op.f('fk_reading_days_ward_id_wards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reading_days')),
    sa.UniqueConstraint('customer_id', name=op.f('uq_reading_days_customer_id')),
    sa.UniqueConstraint('ward_id', name=op.f('uq_reading_days_ward_id'))
    )

    op.create_table('reading_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('stored_path', sa.String(length=500), nullable=True),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('progress_bytes', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='importstatus', native_enum=False, length=16), nullable=False),
    sa.Column('summary', JSON, nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_reading_imports_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reading_imports'))
    )


def downgrade():
    op.drop_table('reading_imports')
    op.drop_table('reading_days')
    op.drop_index('ix_consumption_alerts_pending', table_name='consumption_alerts')
    op.drop_table('consumption_alerts')
    with op.batch_alter_table('readings') as batch_op:
        batch_op.drop_column('checked_at')
        batch_op.drop_column('change_percent')
        batch_op.drop_column('is_flagged')
