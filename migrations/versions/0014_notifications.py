"""Notifications: the outbox, channel consent (opt-outs) and preferred channels

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
STATUS = sa.Enum('queued', 'sending', 'sent', 'delivered', 'failed', 'skipped',
                 name='notificationstatus', native_enum=False, length=16)


def upgrade():
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('context', JSON, nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('requested_channel', sa.String(length=16), nullable=True),
    sa.Column('status', STATUS, nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('tried', JSON, nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                            name=op.f('fk_notifications_customer_id_customers'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'],
                            name=op.f('fk_notifications_ticket_id_tickets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'],
                            name=op.f('fk_notifications_message_id_messages'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('key', name=op.f('uq_notifications_key'))
    )
    op.create_index('ix_notifications_due', 'notifications', ['status', 'next_attempt_at'])
    op.create_index('ix_notifications_customer', 'notifications', ['customer_id', 'id'])
    op.create_index('ix_notifications_message_id', 'notifications', ['message_id'])
    op.create_table('channel_consents',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('opted_out', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                            name=op.f('fk_channel_consents_customer_id_customers'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', 'channel', name=op.f('pk_channel_consents'))
    )
    op.create_table('notification_preferences',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                            name=op.f('fk_notification_preferences_customer_id_customers'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_notification_preferences'))
    )


def downgrade():
    op.drop_table('notification_preferences')
    op.drop_table('channel_consents')
    op.drop_index('ix_notifications_message_id', table_name='notifications')
    op.drop_index('ix_notifications_customer', table_name='notifications')
    op.drop_index('ix_notifications_due', table_name='notifications')
    op.drop_table('notifications')
