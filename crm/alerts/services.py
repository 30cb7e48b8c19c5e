"""Reading and acknowledging a user's staff alerts. Services flush, never commit.

An alert counts only once it is visible (`visible_from` ≤ now): alerts raised at night wait
for office hours, so nobody is woken by a bell they cannot act on.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from crm.extensions import db
from crm.models import StaffAlert, utcnow

PAGE_SIZE = 50
#: The bell shows "99+" past this: an exact count of a big backlog helps nobody.
BELL_CAP = 99


@dataclass
class AlertPage:
    alerts: list[StaffAlert]
    next_before: int | None          #: the id to pass as `before` for the next (older) page


def _visible(user, now: datetime):
    return sa.and_(StaffAlert.user_id == user.id, StaffAlert.visible_from <= now)


def unread_count(user, now: datetime | None = None, cap: int = BELL_CAP) -> int:
    """Unread visible alerts of `user`, counted up to `cap + 1` at most."""
    capped = (sa.select(StaffAlert.id)
              .where(_visible(user, now or utcnow()), StaffAlert.read_at.is_(None))
              .limit(cap + 1).subquery())
    return db.session.scalar(sa.select(sa.func.count()).select_from(capped))


def alert_page(user, before: int | None = None, size: int = PAGE_SIZE,
               now: datetime | None = None) -> AlertPage:
    """The user's visible alerts, newest first, keyset-paged on id (older than `before`)."""
    query = (sa.select(StaffAlert).where(_visible(user, now or utcnow()))
             .options(joinedload(StaffAlert.ticket)))
    if before:
        query = query.where(StaffAlert.id < before)
    rows = db.session.scalars(query.order_by(StaffAlert.id.desc()).limit(size + 1)).all()
    return AlertPage(rows[:size], rows[size - 1].id if len(rows) > size else None)


def mark_read(user, alert_id: int, now: datetime | None = None) -> bool:
    """Mark one of the user's visible alerts read (idempotent); False if it is not theirs."""
    now = now or utcnow()
    alert = db.session.scalar(sa.select(StaffAlert).where(_visible(user, now),
                                                          StaffAlert.id == alert_id))
    if alert is None:
        return False
    alert.read_at = alert.read_at or now
    db.session.flush()
    return True


def mark_all_read(user, now: datetime | None = None) -> int:
    """Mark every visible unread alert of the user read; how many were."""
    now = now or utcnow()
    return db.session.execute(
        sa.update(StaffAlert).where(_visible(user, now), StaffAlert.read_at.is_(None))
        .values(read_at=now).execution_options(synchronize_session=False)).rowcount
