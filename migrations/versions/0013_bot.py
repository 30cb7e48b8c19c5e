"""The chat bot: conversation state per (channel, customer) and the ratings it took

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table('bot_conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('flow', sa.String(length=32), nullable=True),
    sa.Column('step', sa.String(length=32), nullable=True),
    sa.Column('data', JSON, nullable=False),
    sa.Column('misses', sa.Integer(), nullable=False),
    sa.Column('choices', JSON, nullable=False),
    sa.Column('owner', sa.Enum('bot', 'agent', name='botowner', native_enum=False, length=16),
              nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                            name=op.f('fk_bot_conversations_customer_id_customers'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'],
                            name=op.f('fk_bot_conversations_ticket_id_tickets'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bot_conversations')),
    sa.UniqueConstraint('channel', 'customer_id', name='uq_bot_conversations_channel')
    )
    op.create_index('ix_bot_conversations_customer', 'bot_conversations', ['customer_id'])
    op.create_index(op.f('ix_bot_conversations_ticket_id'), 'bot_conversations', ['ticket_id'])
    op.create_table('bot_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 10', name=op.f('ck_bot_ratings_score_range')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                            name=op.f('fk_bot_ratings_customer_id_customers'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'],
                            name=op.f('fk_bot_ratings_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bot_ratings')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_bot_ratings_ticket_id'))
    )


def downgrade():
    op.drop_table('bot_ratings')
    op.drop_index(op.f('ix_bot_conversations_ticket_id'), table_name='bot_conversations')
    op.drop_index('ix_bot_conversations_customer', table_name='bot_conversations')
    op.drop_table('bot_conversations')
