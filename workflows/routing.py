"""Which district office serves a ward on a given day (the utility's service-area codes).

The rule, in order:

1. The `WardAssignment` in force on the day (valid_from ≤ day ≤ valid_to, open-ended when
   valid_to is NULL) names the office.
2. When none of the ward's assignments has started yet by that day (or it has none), the
   ward's own `district_id` does: the office it had before any dated change was scheduled.
3. Otherwise the schedule has a gap or has ended: no office, and the ticket waits in the
   "needs routing" queue (district_id NULL) until someone transfers it by hand.

`Ward.district_id` is a cache of today's owner (rule 1 or 2 for today), read by permission
checks and lists. `sync_current_owners` keeps it right as dated changes take effect (run
every hour) and `crm.routing.services.assign_ward` keeps it right when a schedule is edited.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from crm.core.timefmt import local
from crm.extensions import db
from crm.models import District, Ward, WardAssignment, utcnow


def today() -> date:
    """Today in Vietnam: a change dated 15/03 takes effect at local midnight."""
    return local(utcnow()).date()


def in_force(on: date):
    """A WHERE clause on WardAssignment: the rows valid on `on`."""
    return sa.and_(WardAssignment.valid_from <= on,
                   sa.or_(WardAssignment.valid_to.is_(None), WardAssignment.valid_to >= on))


def district_for(ward: Ward | None, on: date) -> District | None:
    """The office serving `ward` on `on` by the rule above; None means "needs routing"."""
    if ward is None:
        return None
    latest = db.session.execute(
        sa.select(WardAssignment.district_id, in_force(on).label("current"))
        .where(WardAssignment.ward_id == ward.id, WardAssignment.valid_from <= on)
        .order_by(WardAssignment.valid_from.desc()).limit(1)).first()
    if latest is None:
        return ward.district
    return db.session.get(District, latest.district_id) if latest.current else None


def _owner_on(on: date):
    """Correlated scalar subquery: the district of the assignment in force on `on`."""
    return (sa.select(WardAssignment.district_id)
            .where(WardAssignment.ward_id == Ward.id, in_force(on))
            .order_by(WardAssignment.valid_from.desc()).limit(1).scalar_subquery())


def sync_current_owners(on: date | None = None) -> int:
    """Set every ward's cached `district_id` to its owner on `on` (today); one UPDATE.

    Idempotent; flushes nothing else and returns the number of wards whose owner changed.
    Wards whose schedule has not started keep their office (rule 2).
    """
    on = on or today()
    owner = _owner_on(on)
    started = sa.exists().where(WardAssignment.ward_id == Ward.id, WardAssignment.valid_from <= on)
    changed = db.session.execute(
        sa.update(Ward).where(started, Ward.district_id.is_distinct_from(owner))
        .values(district_id=owner, updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if changed:
        # The UPDATE bypassed the identity map: loaded wards must re-read their owner.
        for obj in list(db.session.identity_map.values()):
            if isinstance(obj, Ward):
                db.session.expire(obj, ["district_id", "district", "updated_at"])
    return changed
