"""Planned outages (lịch tạm ngừng cấp điện), their wards, feeders and notices; meters' feeder

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, length=16)


def upgrade():
    op.create_table('planned_outages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('work', sa.Text(), nullable=True),
    sa.Column('source_ref', sa.String(length=100), nullable=False),
    sa.Column('status', _enum('plannedoutagestatus', 'scheduled', 'cancelled', 'done'),
              nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('announced_revision', sa.Integer(), nullable=False),
    sa.Column('notices_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_planned_outages_ends_after_start')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'],
                            name=op.f('fk_planned_outages_district_id_districts')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                            name=op.f('fk_planned_outages_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planned_outages')),
    sa.UniqueConstraint('district_id', 'source_ref', name='uq_planned_outages_source')
    )
    op.create_index('ix_planned_outages_time', 'planned_outages', ['starts_at', 'ends_at'])
    op.create_index('ix_planned_outages_district_time', 'planned_outages',
                    ['district_id', 'starts_at'])

    op.create_table('planned_outage_wards',
    sa.Column('outage_id', sa.Integer(), nullable=False),
    sa.Column('ward_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['outage_id'], ['planned_outages.id'],
                            name=op.f('fk_planned_outage_wards_outage_id_planned_outages'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ward_id'], ['wards.id'],
                            name=op.f('fk_planned_outage_wards_ward_id_wards')),
    sa.PrimaryKeyConstraint('outage_id', 'ward_id', name=op.f('pk_planned_outage_wards'))
    )
    op.create_index('ix_planned_outage_wards_ward_id', 'planned_outage_wards', ['ward_id'])

    op.create_table('planned_outage_feeders',
    sa.Column('outage_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['outage_id'], ['planned_outages.id'],
                            name=op.f('fk_planned_outage_feeders_outage_id_planned_outages'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('outage_id', 'code', name=op.f('pk_planned_outage_feeders'))
    )
    op.create_index('ix_planned_outage_feeders_code', 'planned_outage_feeders', ['code'])

    op.create_table('planned_outage_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outage_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('kind', _enum('noticekind', 'advance', 'changed', 'cancelled'), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['outage_id'], ['planned_outages.id'],
                            name=op.f('fk_planned_outage_notices_outage_id_planned_outages'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                            name=op.f('fk_planned_outage_notices_customer_id_customers'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'],
                            name=op.f('fk_planned_outage_notices_message_id_messages'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planned_outage_notices')),
    sa.UniqueConstraint('outage_id', 'customer_id', 'revision',
                        name='uq_planned_outage_notices_once')
    )
    op.create_index('ix_planned_outage_notices_customer_id', 'planned_outage_notices',
                    ['customer_id'])

    # Where a meter is supplied from; plain ADD COLUMN on both databases (no table copy).
    op.add_column('meters', sa.Column('feeder', sa.String(length=64), nullable=True))
    op.add_column('meters', sa.Column('station', sa.String(length=64), nullable=True))
    op.create_index('ix_meters_feeder', 'meters', ['feeder'])
    op.create_index('ix_meters_station', 'meters', ['station'])


def downgrade():
    op.drop_index('ix_meters_station', table_name='meters')
    op.drop_index('ix_meters_feeder', table_name='meters')
    with op.batch_alter_table('meters') as batch_op:
        batch_op.drop_column('station')
        batch_op.drop_column('feeder')
    op.drop_index('ix_planned_outage_notices_customer_id', table_name='planned_outage_notices')
    op.drop_table('planned_outage_notices')
    op.drop_index('ix_planned_outage_feeders_code', table_name='planned_outage_feeders')
    op.drop_table('planned_outage_feeders')
    op.drop_index('ix_planned_outage_wards_ward_id', table_name='planned_outage_wards')
    op.drop_table('planned_outage_wards')
    op.drop_index('ix_planned_outages_district_time', table_name='planned_outages')
    op.drop_index('ix_planned_outages_time', table_name='planned_outages')
    op.drop_table('planned_outages')
