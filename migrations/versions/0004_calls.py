"""Hotline calls (cuộc gọi tổng đài) and their event log; users' PBX extensions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, length=16)


def upgrade():
    op.create_table('calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', _enum('callprovider', 'twilio', 'pbx'), nullable=False),
    sa.Column('provider_call_id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('from_number', sa.String(length=32), nullable=True),
    sa.Column('to_number', sa.String(length=32), nullable=True),
    sa.Column('state', _enum('callstate', 'ringing', 'in_ivr', 'queued', 'answered', 'ended',
                             'missed', 'voicemail'), nullable=False),
    sa.Column('ivr_choices', JSON, nullable=False),
    sa.Column('extension', sa.String(length=32), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ivr_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('offered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('missed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voicemail_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('duration', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Enum('status_lookup', 'incident_notice', 'message_left', 'agent',
                                 name='calloutcome', native_enum=False, length=16),
              nullable=True),
    sa.Column('outcome_detail', sa.String(length=40), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                            name=op.f('fk_calls_customer_id_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_calls_agent_id_users')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'],
                            name=op.f('fk_calls_ticket_id_tickets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'],
                            name=op.f('fk_calls_message_id_messages'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calls')),
    sa.UniqueConstraint('provider', 'provider_call_id', name='uq_calls_provider_call')
    )
    op.create_index('ix_calls_customer', 'calls', ['customer_id', 'id'])
    op.create_index('ix_calls_ticket', 'calls', ['ticket_id'])
    op.create_index('ix_calls_live', 'calls', ['state', 'offered_at'])

    op.create_table('call_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', JSON, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_events_call_id_calls'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_events')),
    sa.UniqueConstraint('call_id', 'key', name='uq_call_events_call_key')
    )

    # A plain ADD COLUMN on both databases (no table copy); the index makes it unique.
    op.add_column('users', sa.Column('phone_extension', sa.String(length=32), nullable=True))
    op.create_index('ix_users_phone_extension', 'users', ['phone_extension'], unique=True)


def downgrade():
    op.drop_index('ix_users_phone_extension', table_name='users')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('phone_extension')
    op.drop_table('call_events')
    op.drop_index('ix_calls_live', table_name='calls')
    op.drop_index('ix_calls_ticket', table_name='calls')
    op.drop_index('ix_calls_customer', table_name='calls')
    op.drop_table('calls')
