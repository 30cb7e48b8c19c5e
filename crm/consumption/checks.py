"""The import's rules as set-based SQL over the staged rows: one implementation, both databases.

Order, inside the import's one transaction (`crm.consumption.importer`):
`resolve` (customers, repeats) → `row_errors` → `decide` (what is on record, the previous
period, flag and change, for every row at once) → `write_readings` → `claim_alerts`.
Every reading is written once with its flag: new periods are inserted with it, stored
ones updated only when something differs, so a re-import writes nothing.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from crm.consumption import rules
from crm.consumption.csvfile import RowError
from crm.consumption.staging import checks, resolved, rows
from crm.core.db import dialect
from crm.extensions import db
from crm.models import ConsumptionAlert, Customer, Reading
from crm.models.base import UTCDateTime

readings = Reading.__table__
customers = Customer.__table__
alerts = ConsumptionAlert.__table__
CHECK_COLUMNS = ("line", "customer_id", "period", "kwh", "read_on", "reading_id", "is_changed",
                 "needs_update", "prev_period", "prev_kwh", "is_flagged", "change_percent")


def _insert(table):
    """INSERT … ON CONFLICT for either database, reporting how many rows it inserted."""
    module = postgresql if dialect() == "postgresql" else sqlite
    return module.insert(table).execution_options(preserve_rowcount=True)


def _bytewise(column):
    """Sort text by bytes on PostgreSQL: codes and YYYY-MM periods need no linguistic order,
    and a locale-aware sort of a million rows costs seconds."""
    return column.collate("C") if dialect() == "postgresql" else column


def _count(table, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(table).where(*where))


def resolve() -> None:
    """Find each row's customer and the first line of its customer + period (one join)."""
    first = sa.func.min(rows.c.line).over(partition_by=(_bytewise(rows.c.code),
                                                        _bytewise(rows.c.period)))
    source = (sa.select(rows.c.line, rows.c.code, customers.c.id, rows.c.period, rows.c.kwh,
                        rows.c.read_on, first)
              .select_from(rows.outerjoin(customers, customers.c.code == rows.c.code)))
    db.session.execute(resolved.insert().from_select(
        ["line", "code", "customer_id", "period", "kwh", "read_on", "first_line"], source))


def row_errors(limit: int) -> tuple[int, list[RowError]]:
    """Rows of unknown customers and repeated customer + periods: how many, the first few."""
    unknown = resolved.c.customer_id.is_(None)
    repeated = sa.and_(resolved.c.customer_id.is_not(None),
                       resolved.c.line != resolved.c.first_line)
    found = [_error(line, code, customer_id, first) for line, code, customer_id, first in
             db.session.execute(sa.select(resolved.c.line, resolved.c.code,
                                          resolved.c.customer_id, resolved.c.first_line)
                                .where(sa.or_(unknown, repeated))
                                .order_by(resolved.c.line).limit(limit))]
    return _count(resolved, sa.or_(unknown, repeated)), found


def _error(line: int, code: str, customer_id: int | None, first: int) -> RowError:
    if customer_id is None:
        return RowError(line, _("Không có khách hàng mã %(code)s.", code=code))
    return RowError(line, _("Trùng khách hàng và kỳ với dòng %(first)d.", first=first))


def decide(limit: int | float) -> int:
    """Fill `reading_checks` for the rows to keep; returns how many there are.

    The previous period is the latest earlier one on record: the file's own (a file may
    hold several months) or the database's, the file winning a tie (it replaces it).
    """
    raw = _raw_checks().subquery("raw")
    file_wins = sa.and_(raw.c.file_prev_period.is_not(None), sa.or_(
        raw.c.db_prev_period.is_(None), raw.c.file_prev_period >= raw.c.db_prev_period))
    chosen = sa.select(
        raw, sa.case((file_wins, raw.c.file_prev_period), else_=raw.c.db_prev_period)
        .label("prev_period"),
        sa.case((file_wins, raw.c.file_prev_kwh), else_=raw.c.db_prev_kwh).label("prev_kwh"),
    ).subquery("chosen")
    flagged = rules.flagged_sql(chosen.c.kwh, chosen.c.prev_kwh, limit)
    change = rules.change_sql(chosen.c.kwh, chosen.c.prev_kwh)
    changed = sa.and_(chosen.c.reading_id.is_not(None), sa.or_(
        chosen.c.old_kwh != chosen.c.kwh,
        sa.and_(chosen.c.read_on.is_not(None),
                chosen.c.old_read_on.is_distinct_from(chosen.c.read_on))))
    differs = sa.or_(chosen.c.old_checked_at.is_(None), chosen.c.old_flagged != flagged,
                     chosen.c.old_change.is_distinct_from(change))
    final = sa.select(chosen.c.line, chosen.c.customer_id, chosen.c.period, chosen.c.kwh,
                      chosen.c.read_on, chosen.c.reading_id, changed,
                      sa.and_(chosen.c.reading_id.is_not(None), sa.or_(changed, differs)),
                      chosen.c.prev_period, chosen.c.prev_kwh, flagged, change)
    db.session.execute(checks.insert().from_select(CHECK_COLUMNS, final))
    return _count(checks)


def _raw_checks() -> sa.Select:
    """Each kept row beside its stored period, the file's and the database's previous one."""
    kept = sa.and_(resolved.c.customer_id.is_not(None), resolved.c.line == resolved.c.first_line)
    own = readings.alias("own")
    earlier = readings.alias("earlier")
    before = sa.and_(earlier.c.customer_id == resolved.c.customer_id,
                     earlier.c.period < resolved.c.period)
    in_file = {"partition_by": resolved.c.customer_id,
               "order_by": _bytewise(resolved.c.period)}
    return (sa.select(
        resolved.c.line, resolved.c.customer_id, resolved.c.period, resolved.c.kwh,
        resolved.c.read_on, own.c.id.label("reading_id"), own.c.kwh.label("old_kwh"),
        own.c.read_on.label("old_read_on"), own.c.is_flagged.label("old_flagged"),
        own.c.change_percent.label("old_change"), own.c.checked_at.label("old_checked_at"),
        sa.func.lag(resolved.c.period).over(**in_file).label("file_prev_period"),
        sa.func.lag(resolved.c.kwh).over(**in_file).label("file_prev_kwh"),
        sa.select(sa.func.max(earlier.c.period)).where(before).scalar_subquery()
        .label("db_prev_period"),
        sa.select(earlier.c.kwh).where(before).order_by(earlier.c.period.desc()).limit(1)
        .scalar_subquery().label("db_prev_kwh"))
        .select_from(resolved.outerjoin(own, sa.and_(
            own.c.customer_id == resolved.c.customer_id, own.c.period == resolved.c.period)))
        .where(kept))


def write_readings(now: datetime) -> tuple[int, int]:
    """Insert the new periods and update the stored rows that differ: (inserted, changed).

    A changed kWh replaces the stored one and is checked again (the file is the corrected
    reading, phúc tra); an absent date never erases a stored one.
    """
    at = sa.literal(now, UTCDateTime)
    fresh = (sa.select(checks.c.customer_id, checks.c.period, checks.c.kwh, checks.c.read_on,
                       checks.c.is_flagged, checks.c.change_percent, at)
             .where(checks.c.reading_id.is_(None))
             # one order for every import, so two concurrent ones wait instead of deadlocking
             .order_by(checks.c.customer_id, _bytewise(checks.c.period)))
    inserted = db.session.execute(
        _insert(readings).from_select(["customer_id", "period", "kwh", "read_on", "is_flagged",
                                       "change_percent", "checked_at"], fresh)
        .on_conflict_do_nothing(index_elements=["customer_id", "period"])).rowcount
    db.session.execute(
        readings.update().where(readings.c.id == checks.c.reading_id, checks.c.needs_update)
        .values(kwh=checks.c.kwh, read_on=sa.func.coalesce(checks.c.read_on, readings.c.read_on),
                is_flagged=checks.c.is_flagged, change_percent=checks.c.change_percent,
                checked_at=at))
    return inserted, _count(checks, checks.c.is_changed)


def flagged_count() -> int:
    return _count(checks, checks.c.is_flagged)


def claim_alerts(now: datetime) -> int:
    """One alert per flagged customer + period; an existing alert is left alone. New count."""
    source = (sa.select(checks.c.customer_id, checks.c.period, checks.c.kwh,
                        checks.c.prev_period, checks.c.prev_kwh, checks.c.change_percent,
                        sa.literal(now, UTCDateTime))
              .where(checks.c.is_flagged)
              .order_by(checks.c.customer_id, _bytewise(checks.c.period)))
    return db.session.execute(
        _insert(alerts).from_select(["customer_id", "period", "kwh", "previous_period",
                                     "previous_kwh", "change_percent", "created_at"], source)
        .on_conflict_do_nothing(index_elements=["customer_id", "period"])).rowcount
