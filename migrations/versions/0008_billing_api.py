"""Residential tariff versions and tiers, VAT rates, REST API tokens

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24

The seeded prices are the residential retail tariff (giá bán lẻ điện sinh hoạt, đồng/kWh
before VAT) of the Ministry of Industry and Trade's decisions in force since 09/11/2023;
the seeded VAT is the 8 % of the successive 2 %-relief decrees (from 01/07/2023, extended
to 31/12/2026) and the standard 10 % after that. Admins edit both in the app.
"""
from datetime import date, datetime, timezone

from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

BOUNDS = (50, 100, 200, 300, 400, None)          # 0–50, 51–100, …, 401+ kWh
TARIFFS = [
    # valid_from, valid_to, note, six prices
    (date(2023, 11, 9), date(2024, 10, 10), "Giá bán lẻ điện sinh hoạt từ 09/11/2023",
     (1806, 1866, 2167, 2729, 3050, 3151)),
    (date(2024, 10, 11), date(2025, 5, 9), "Giá bán lẻ điện sinh hoạt từ 11/10/2024",
     (1893, 1956, 2271, 2860, 3197, 3302)),
    (date(2025, 5, 10), None, "Giá bán lẻ điện sinh hoạt từ 10/05/2025",
     (1984, 2050, 2380, 2998, 3350, 3460)),
]
VAT_RATES = [
    (date(2023, 7, 1), date(2026, 12, 31), 8,
     "Thuế GTGT giảm 2 % theo các nghị định giảm thuế 2023–2026"),
    (date(2027, 1, 1), None, 10, "Thuế suất GTGT thông thường"),
]


def upgrade():
    op.create_table('tariff_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('valid_to IS NULL OR valid_to >= valid_from', name=op.f('ck_tariff_versions_valid_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff_versions')),
    sa.UniqueConstraint('valid_from', name=op.f('uq_tariff_versions_valid_from'))
    )
    op.create_table('tariff_tiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('up_to_kwh', sa.Integer(), nullable=True),
    sa.Column('price', sa.Integer(), nullable=False),
    sa.CheckConstraint('price > 0', name=op.f('ck_tariff_tiers_price_positive')),
    sa.CheckConstraint('up_to_kwh IS NULL OR up_to_kwh > 0', name=op.f('ck_tariff_tiers_bound_positive')),
    sa.ForeignKeyConstraint(['version_id'], ['tariff_versions.id'], name=op.f('fk_tariff_tiers_version_id_tariff_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff_tiers')),
    sa.UniqueConstraint('version_id', 'position', name='uq_tariff_tiers_version_position')
    )
    op.create_table('vat_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('valid_to IS NULL OR valid_to >= valid_from', name=op.f('ck_vat_rates_valid_range')),
    sa.CheckConstraint('percent >= 0 AND percent < 100', name=op.f('ck_vat_rates_percent_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vat_rates')),
    sa.UniqueConstraint('valid_from', name=op.f('uq_vat_rates_valid_from'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_api_tokens_district_id_districts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('name', name=op.f('uq_api_tokens_name')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    _seed()


def _now():
    now = datetime.now(timezone.utc)
    # stored as naive UTC on SQLite, like the app does
    return now.replace(tzinfo=None) if op.get_bind().dialect.name == 'sqlite' else now


def _seed():
    """Insert the reference rows with explicit ids (reset the sequences on PostgreSQL after)."""
    now = _now()
    versions = sa.table('tariff_versions', sa.column('id', sa.Integer()),
                        sa.column('valid_from', sa.Date()), sa.column('valid_to', sa.Date()),
                        sa.column('note', sa.String()),
                        sa.column('created_at', sa.DateTime(timezone=True)),
                        sa.column('updated_at', sa.DateTime(timezone=True)))
    tiers = sa.table('tariff_tiers', *(sa.column(c, sa.Integer()) for c in (
        'id', 'version_id', 'position', 'up_to_kwh', 'price')))
    vat = sa.table('vat_rates', sa.column('id', sa.Integer()), sa.column('valid_from', sa.Date()),
                   sa.column('valid_to', sa.Date()), sa.column('percent', sa.Integer()),
                   sa.column('note', sa.String()),
                   sa.column('created_at', sa.DateTime(timezone=True)),
                   sa.column('updated_at', sa.DateTime(timezone=True)))
    op.bulk_insert(versions, [
        dict(id=n, valid_from=start, valid_to=end, note=note, created_at=now, updated_at=now)
        for n, (start, end, note, _prices) in enumerate(TARIFFS, 1)])
    op.bulk_insert(tiers, [
        dict(id=(n - 1) * len(BOUNDS) + position, version_id=n, position=position,
             up_to_kwh=bound, price=price)
        for n, (_start, _end, _note, prices) in enumerate(TARIFFS, 1)
        for position, (bound, price) in enumerate(zip(BOUNDS, prices), 1)])
    op.bulk_insert(vat, [
        dict(id=n, valid_from=start, valid_to=end, percent=percent, note=note,
             created_at=now, updated_at=now)
        for n, (start, end, percent, note) in enumerate(VAT_RATES, 1)])
    if op.get_bind().dialect.name == 'postgresql':
        for table in ('tariff_versions', 'tariff_tiers', 'vat_rates'):
            op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                       f"(SELECT max(id) FROM {table}))")


def downgrade():
    op.drop_table('api_tokens')
    op.drop_table('vat_rates')
    op.drop_table('tariff_tiers')
    op.drop_table('tariff_versions')
