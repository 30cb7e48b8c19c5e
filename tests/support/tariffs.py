"""The tariff and VAT rows that migration 0008 seeds, put back when a committed-data test
truncated them earlier in the run (the data is read from the migration itself)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import sqlalchemy as sa

from crm.models import TariffTier, TariffVersion, VatRate

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0008_billing_api.py"


def migration():
    spec = importlib.util.spec_from_file_location("migration_0008", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ensure_seeded(session) -> None:
    """Make the tables hold exactly the seeded rows (inside the test's transaction)."""
    if session.scalar(sa.select(sa.func.count()).select_from(TariffVersion)) and \
            session.scalar(sa.select(sa.func.count()).select_from(VatRate)):
        return
    seed = migration()
    session.execute(sa.delete(TariffVersion))
    session.execute(sa.delete(VatRate))
    for start, end, note, prices in seed.TARIFFS:
        session.add(TariffVersion(valid_from=start, valid_to=end, note=note, tiers=[
            TariffTier(position=n, up_to_kwh=bound, price=price)
            for n, (bound, price) in enumerate(zip(seed.BOUNDS, prices), 1)]))
    for start, end, percent, note in seed.VAT_RATES:
        session.add(VatRate(valid_from=start, valid_to=end, percent=percent, note=note))
    session.flush()
