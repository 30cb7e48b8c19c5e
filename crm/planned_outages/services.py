"""Writing the schedule: one imported row becomes (or updates) one planned outage; cancelling.

Import is idempotent: a row is found again by its `reference`, or, when the file gives none,
by a digest of its natural key (district, wards, feeders, start, end). A changed time or a
cancellation raises the outage's `revision`; when notices already went out, the change
notices job is queued for after the commit. Everything here flushes; callers commit.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from crm.core import audit, queue
from crm.core.timefmt import iso
from crm.extensions import db
from crm.models import (District, PlannedOutage, PlannedOutageFeeder, PlannedOutageStatus,
                        User, Ward, utcnow)
from crm.planned_outages.rows import OutageRow, RowError

#: How far in the past a new or moved start may be (late entry of a cut already begun).
PAST_TOLERANCE = timedelta(hours=24)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


class PlannedOutageError(ValueError):
    """A change the outage does not allow; the message says why (user's language)."""


def natural_ref(district: District, wards: list[Ward], row: OutageRow) -> str:
    """The stand-in reference of a row without one: same area and time, same outage."""
    key = "|".join([district.code, ",".join(sorted(w.code for w in wards)),
                    ",".join(sorted(row.feeders)), iso(row.starts_at), iso(row.ends_at)])
    return "auto-" + hashlib.sha256(key.encode()).hexdigest()[:40]


def save_row(row: OutageRow, district: District, wards: list[Ward], *,
             actor: User | None = None, now: datetime | None = None) -> str:
    """Create or update the outage of `row`: CREATED, UPDATED or UNCHANGED; RowError if refused."""
    now = now or utcnow()
    reference = row.reference or natural_ref(district, wards, row)
    outage = db.session.scalar(sa.select(PlannedOutage).where(
        PlannedOutage.district_id == district.id, PlannedOutage.source_ref == reference)
        .with_for_update())
    if outage is None:
        _check_start(row, now)
        _create(row, district, wards, reference, actor)
        return CREATED
    return _update(outage, row, wards, actor, now)


def _check_start(row: OutageRow, now: datetime) -> None:
    if row.starts_at < now - PAST_TOLERANCE:
        raise RowError(_("Thời gian bắt đầu đã qua quá %(hours)d giờ.",
                         hours=PAST_TOLERANCE // timedelta(hours=1)))


def _create(row: OutageRow, district: District, wards: list[Ward], reference: str,
            actor: User | None) -> PlannedOutage:
    outage = PlannedOutage(
        district=district, starts_at=row.starts_at, ends_at=row.ends_at, reason=row.reason,
        work=row.work, source_ref=reference, wards=wards, created_by=actor,
        feeders=[PlannedOutageFeeder(code=c) for c in row.feeders],
        status=PlannedOutageStatus.CANCELLED if row.cancelled else PlannedOutageStatus.SCHEDULED)
    db.session.add(outage)
    db.session.flush()
    audit.record("planned_outage", outage.id, "imported",
                 {"reference": [None, reference], "starts_at": [None, iso(row.starts_at)],
                  "ends_at": [None, iso(row.ends_at)], "line": [None, row.line]}, actor=actor)
    return outage


def _update(outage: PlannedOutage, row: OutageRow, wards: list[Ward], actor: User | None,
            now: datetime) -> str:
    moved = (outage.starts_at, outage.ends_at) != (row.starts_at, row.ends_at)
    cancelling = row.cancelled and outage.status == PlannedOutageStatus.SCHEDULED
    same_area = ({w.id for w in outage.wards} == {w.id for w in wards}
                 and set(outage.feeder_codes) == set(row.feeders))
    if not (moved or cancelling or not same_area or outage.reason != row.reason
            or (row.work and outage.work != row.work)):
        return UNCHANGED
    if outage.status != PlannedOutageStatus.SCHEDULED:
        raise RowError(_("Lịch này đã hủy hoặc đã thực hiện, không sửa được; hãy dùng mã tham "
                         "chiếu mới."))
    if moved:
        _check_start(row, now)
    changes = audit.diff(outage, starts_at=row.starts_at, ends_at=row.ends_at,
                         reason=row.reason, work=row.work or outage.work)
    if not same_area:
        outage.wards = wards
        outage.feeders = [PlannedOutageFeeder(code=c) for c in row.feeders]
        changes["area"] = [None, ";".join([w.code for w in wards] + list(row.feeders))]
    if cancelling:
        outage.status = PlannedOutageStatus.CANCELLED
        changes["status"] = [str(PlannedOutageStatus.SCHEDULED), str(outage.status)]
    if moved or cancelling:
        _announce(outage)
    db.session.flush()
    audit.record("planned_outage", outage.id, "updated", changes | {"line": [None, row.line]},
                 actor=actor)
    return UPDATED


def cancel(outage: PlannedOutage, *, actor: User | None = None) -> None:
    """Cancel a scheduled outage; customers already told are told it is off (after commit)."""
    if outage.status != PlannedOutageStatus.SCHEDULED:
        raise PlannedOutageError(_("Chỉ hủy được lịch đang chờ thực hiện."))
    outage.status = PlannedOutageStatus.CANCELLED
    _announce(outage)
    db.session.flush()
    audit.record("planned_outage", outage.id, "cancelled",
                 {"status": [str(PlannedOutageStatus.SCHEDULED), str(outage.status)]},
                 actor=actor)


def _announce(outage: PlannedOutage) -> None:
    """A new revision customers must hear of; the job tells those already told."""
    outage.revision += 1
    if outage.notices_sent_at is not None:
        queue.enqueue("crm.planned_outages.jobs.announce_changes", outage.id,
                      queue="notifications")
