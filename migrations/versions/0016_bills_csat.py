"""Bills and their import runs; the CSAT store (the bot's ratings move into it)

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
STATUS = sa.Enum('queued', 'running', 'done', 'failed', name='importstatus',
                 native_enum=False, length=16)
CSAT_STATUS = sa.Enum('asked', 'answered', 'expired', name='csatstatus', native_enum=False,
                      length=16)


def upgrade():
    op.create_table('bill_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('status', STATUS, nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('progress_bytes', sa.BigInteger(), nullable=False),
    sa.Column('bills_total', sa.Integer(), nullable=False),
    sa.Column('notices_queued', sa.Integer(), nullable=False),
    sa.Column('queued_through_id', sa.BigInteger(), nullable=True),
    sa.Column('summary', JSON, nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                            name=op.f('fk_bill_imports_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bill_imports'))
    )
    op.create_table('bills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('kwh', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount >= 0 AND kwh >= 0', name=op.f('ck_bills_not_negative')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                            name=op.f('fk_bills_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['import_id'], ['bill_imports.id'],
                            name=op.f('fk_bills_import_id_bill_imports'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bills')),
    sa.UniqueConstraint('customer_id', 'period', name='uq_bills_customer_period')
    )
    op.create_index('ix_bills_import_id', 'bills', ['import_id', 'id'], unique=False)
    op.create_table('csat_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', CSAT_STATUS, nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 10', name=op.f('ck_csat_scores_score_range')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                            name=op.f('fk_csat_scores_customer_id_customers'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'],
                            name=op.f('fk_csat_scores_district_id_districts'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'],
                            name=op.f('fk_csat_scores_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_csat_scores')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_csat_scores_ticket_id'))
    )
    op.create_index('ix_csat_scores_answered', 'csat_scores', ['answered_at'], unique=False)
    op.create_index('ix_csat_scores_asked', 'csat_scores', ['customer_id'], unique=False,
                    postgresql_where=sa.text("status = 'asked'"),
                    sqlite_where=sa.text("status = 'asked'"))
    # the bot's ratings are CSAT scores now: one store
    op.execute("INSERT INTO csat_scores (ticket_id, customer_id, district_id, channel, status, "
               "score, answered_at, created_at, updated_at) "
               "SELECT r.ticket_id, r.customer_id, t.district_id, r.channel, 'answered', "
               "r.score, r.updated_at, r.created_at, r.updated_at "
               "FROM bot_ratings r JOIN tickets t ON t.id = r.ticket_id")
    op.drop_table('bot_ratings')


def downgrade():
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
                            name=op.f('fk_bot_ratings_customer_id_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'],
                            name=op.f('fk_bot_ratings_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bot_ratings')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_bot_ratings_ticket_id'))
    )
    op.execute("INSERT INTO bot_ratings (ticket_id, customer_id, channel, score, created_at, "
               "updated_at) SELECT ticket_id, customer_id, channel, score, created_at, "
               "updated_at FROM csat_scores WHERE score IS NOT NULL")
    op.drop_index('ix_csat_scores_asked', table_name='csat_scores')
    op.drop_index('ix_csat_scores_answered', table_name='csat_scores')
    op.drop_table('csat_scores')
    op.drop_index('ix_bills_import_id', table_name='bills')
    op.drop_table('bills')
    op.drop_table('bill_imports')
