"""What the routing pages show: wards by code (keyset pages), dated changes, the offices."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from crm.extensions import db
from crm.models import (AssignmentMode, AssignmentRule, District, Presence, Role, User, Ward,
                        WardAssignment)
from crm.routing import pools

PAGE_SIZE = 100
#: The `district` filter value of wards that no office serves today.
NO_OFFICE = "none"


def ward_page(*, district: str | None, prefix: str | None, after: str | None) -> list[Ward]:
    """Up to PAGE_SIZE + 1 wards ordered by code after `after` (keyset), with their office."""
    query = sa.select(Ward).options(joinedload(Ward.district)).order_by(Ward.code)
    if district == NO_OFFICE:
        query = query.where(Ward.district_id.is_(None))
    elif district and district.isdigit():
        query = query.where(Ward.district_id == int(district))
    if prefix:
        query = query.where(Ward.code.startswith(prefix, autoescape=True))
    if after:
        query = query.where(Ward.code > after)
    return list(db.session.scalars(query.limit(PAGE_SIZE + 1)))


def upcoming(ward_ids: list[int], today: date) -> dict[int, list[WardAssignment]]:
    """The dated changes not in force yet of these wards, soonest first: one query."""
    if not ward_ids:
        return {}
    rows = db.session.scalars(
        sa.select(WardAssignment).where(WardAssignment.ward_id.in_(ward_ids),
                                        WardAssignment.valid_from > today)
        .options(joinedload(WardAssignment.district)).order_by(WardAssignment.valid_from))
    found = defaultdict(list)
    for row in rows:
        found[row.ward_id].append(row)
    return found


@dataclass
class PoolSummary:
    """One line of the offices page: a district office, or the care centre (district None)."""

    district: District | None
    mode: AssignmentMode
    wards: int
    staff: int
    available: int
    waiting: int


def pool_summaries() -> list[PoolSummary]:
    """The care centre and every office with its rule, wards and staff: a fixed number of
    grouped queries, however many offices there are."""
    districts = db.session.scalars(sa.select(District).order_by(District.code)).all()
    modes = dict(db.session.execute(
        sa.select(AssignmentRule.district_id, AssignmentRule.mode)).all())
    wards = dict(db.session.execute(sa.select(Ward.district_id, sa.func.count())
                                    .group_by(Ward.district_id)).all())
    staff = _staff_counts()
    waiting = _waiting_counts()
    manual = AssignmentMode.MANUAL
    return [PoolSummary(d, AssignmentMode(modes.get(key, manual)),
                        wards.get(key, 0) if d else 0, *staff.get(key, (0, 0)),
                        waiting.get(key, 0))
            for d, key in [(None, None)] + [(d, d.id) for d in districts]]


def _staff_counts() -> dict[int | None, tuple[int, int]]:
    """(members, available members) per pool key: district id, None for the care centre."""
    key = sa.case((User.role == Role.AGENT, sa.null()), else_=User.district_id)
    available = sa.func.sum(sa.case((User.presence == Presence.AVAILABLE, 1), else_=0))
    rows = db.session.execute(
        sa.select(key.label("pool"), sa.func.count(), available)
        .where(User.is_active_account, sa.or_(User.role == Role.AGENT, sa.and_(
            User.role == Role.DISTRICT_STAFF, User.district_id.is_not(None))))
        .group_by("pool"))
    return {pool: (members, int(avail or 0)) for pool, members, avail in rows}


def _waiting_counts() -> dict[int | None, int]:
    """Unassigned tickets waiting for a person, per pool key: one grouped query."""
    key = pools.ticket_pool_key()
    rows = db.session.execute(sa.select(key.label("pool"), sa.func.count())
                              .where(pools.is_waiting()).group_by("pool"))
    return dict(rows.all())
