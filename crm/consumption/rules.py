"""The ±30 % rule (kiểm soát sản lượng bất thường), written once as SQL and once for display.

A reading is compared with the customer's previous period: the latest EARLIER period on
record (in the same file or already in the database), so a missing month compares with the
last one known. Its change is flagged when it is at least the threshold (the setting
`consumption_change_percent`, 30 by default) either way. The edges:

- first reading (no earlier period on record): not flagged, no change;
- exactly the threshold, up or down (+30 %, −30 %): flagged; 29.9 % is not;
- previous period 0 kWh: any consumption now is flagged (a meter that stood still, or a
  house that was empty, must be checked), with no percentage (it would be infinite);
  0 kWh after 0 kWh is not flagged.

The import decides with `flagged_sql` / `change_sql` (set-based, PostgreSQL and SQLite
alike); `is_abnormal` / `change_percent` are the same rule in Python, used only to display
readings that never went through the import (loaded by other means), and tested to agree.
The comparison is done in integers (|Δ| × 100 ≥ threshold × previous), so 30 % is exact.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from crm.core import settings

SETTING = "consumption_change_percent"
ONE_DECIMAL = Decimal("0.1")


def threshold() -> int | float:
    """The admin-set threshold in percent (an int unless an admin chose a fraction)."""
    value = float(settings.get(SETTING))
    return int(value) if value.is_integer() else value


def is_abnormal(kwh: int, previous: int | None, limit: int | float) -> bool:
    """True when `kwh` changed by at least `limit` percent against `previous` (see above)."""
    if previous is None or kwh == previous:
        return False
    return abs(kwh - previous) * 100 >= limit * previous


def change_percent(kwh: int, previous: int | None) -> Decimal | None:
    """The change in percent, one decimal, half away from zero; None without a base."""
    if not previous:
        return None
    return (Decimal(kwh - previous) * 100 / previous).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def flagged_sql(kwh, previous, limit: int | float):
    """`is_abnormal` as a SQL boolean over two integer column expressions."""
    delta = sa.func.abs(sa.cast(kwh, sa.BigInteger) - previous)
    return sa.and_(previous.is_not(None), kwh != previous,
                   delta * 100 >= sa.literal(limit) * sa.cast(previous, sa.BigInteger))


def change_sql(kwh, previous):
    """`change_percent` as SQL: numeric on PostgreSQL, real on SQLite, NULL without a base."""
    hundred = sa.literal_column("100.0")          # never integer division
    ratio = (sa.cast(kwh, sa.BigInteger) - previous) * hundred / previous
    return sa.type_coerce(sa.case((sa.or_(previous.is_(None), previous == 0), sa.null()),
                                  else_=sa.func.round(ratio, 1)), sa.Numeric(14, 1))
