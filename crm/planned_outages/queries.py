"""What the planned-outage pages list: the schedule by day, one outage, its reach."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from crm.core.permissions import planned_outage_visible
from crm.core.text import fold
from crm.core.timefmt import local
from crm.customers.queries import exact_customers
from crm.extensions import db
from crm.models import Customer, PlannedOutage, PlannedOutageNotice, Ward
from crm.planned_outages.lookup import Area, day_start, overlapping
from crm.planned_outages.notices import affected_customers

LIMIT = 500           #: outages on one page; narrow the dates to see more
WARD_MATCHES = 50


@dataclass
class Schedule:
    """The outages found, grouped by local day, and what the search matched."""

    days: list[tuple[date, list[PlannedOutage]]] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    wards: list[Ward] = field(default_factory=list)
    truncated: bool = False


def _outages(user) -> sa.Select:
    return (sa.select(PlannedOutage).where(planned_outage_visible(user))
            .options(selectinload(PlannedOutage.wards), selectinload(PlannedOutage.feeders),
                     selectinload(PlannedOutage.district)))


def outage_or_404(user, outage_id: int) -> PlannedOutage:
    outage = db.session.scalar(_outages(user).where(PlannedOutage.id == outage_id))
    if outage is None:
        abort(404)
    return outage


def find_wards(user, text: str) -> list[Ward]:
    """Wards by exact code, else by accent-insensitive name; a district looks in its own."""
    query = sa.select(Ward).order_by(Ward.name)
    if user.is_district_scoped:
        query = query.where(Ward.district_id == user.district_id)
    exact = db.session.scalars(query.where(Ward.code == text.upper())).all()
    if exact:
        return exact
    needle = fold(text)
    return [w for w in db.session.scalars(query) if needle in fold(w.name)][:WARD_MATCHES]


def schedule(user, *, since: date, until: date, q: str = "", ward: str = "",
             district_id: int | None = None) -> Schedule:
    """Outages under way from `since` to `until` (local days, inclusive), earliest first."""
    result = Schedule()
    query = _outages(user).where(overlapping(day_start(since), day_start(until + timedelta(1))))
    if district_id:
        query = query.where(PlannedOutage.district_id == district_id)
    if q:
        result.customers = exact_customers(user, q)
        query = query.where(sa.or_(sa.false(), *(Area.of(customer=c).clause()
                                                  for c in result.customers)))
    if ward:
        result.wards = find_wards(user, ward)
        query = query.where(Area(wards=tuple(result.wards)).clause())
    rows = db.session.scalars(query.order_by(PlannedOutage.starts_at, PlannedOutage.id)
                              .limit(LIMIT + 1)).all()
    result.truncated = len(rows) > LIMIT
    result.days = by_day(rows[:LIMIT], since)
    return result


def by_day(outages: list[PlannedOutage], first: date) -> list[tuple[date, list[PlannedOutage]]]:
    """Grouped by local start day; one begun before `first` is listed on `first`."""
    days: dict[date, list[PlannedOutage]] = {}
    for outage in outages:
        days.setdefault(max(local(outage.starts_at).date(), first), []).append(outage)
    return sorted(days.items())


def reach(outage: PlannedOutage) -> dict:
    """How many customers it cuts and how many notices of each kind went out."""
    affected = db.session.scalar(sa.select(sa.func.count()).select_from(
        affected_customers(outage).subquery()))
    counts = dict(db.session.execute(
        sa.select(PlannedOutageNotice.kind, sa.func.count())
        .where(PlannedOutageNotice.outage_id == outage.id)
        .group_by(PlannedOutageNotice.kind)).all())
    return {"affected": affected, "notices": {str(k): n for k, n in counts.items()}}
