"""Service suspension mode (tạm dừng dịch vụ, seed 004): some ticket types are not served
for a period. Customers are told the public notice; requests that still come in are kept
DEFERRED (clock paused) and go back to their district's queue when the suspension ends.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

import workflows
from crm.core import audit, queue
from crm.core.timefmt import iso, local
from crm.extensions import db
from crm.models import Status, Suspension, Ticket, User, utcnow

#: Outage reports are safety work: they are handled during any suspension (seed 004).
NEVER_SUSPENDED = frozenset({"outage"})
BATCH = 500


class SuspensionError(ValueError):
    """A suspension that cannot be created or changed; the message says why."""


def active_for(ticket_type: str, at: datetime) -> Suspension | None:
    """The suspension covering `ticket_type` at `at` (started, not ended, not lifted), if any."""
    rows = db.session.scalars(
        sa.select(Suspension).where(
            Suspension.starts_at <= at,
            sa.or_(Suspension.ends_at.is_(None), Suspension.ends_at > at),
            sa.or_(Suspension.lifted_at.is_(None), Suspension.lifted_at > at))
        .order_by(Suspension.starts_at.desc(), Suspension.id.desc())).all()
    # The list of types is JSON and there are only ever a handful of suspensions.
    return next((s for s in rows if ticket_type in (s.types or [])), None)


def create_suspension(types, starts_at: datetime, ends_at: datetime | None, notice: str,
                      actor: User | None) -> Suspension:
    """Suspend `types` from `starts_at` to `ends_at` (None: until lifted); SuspensionError."""
    types = list(dict.fromkeys(types or []))
    _check(types, starts_at, ends_at, (notice or "").strip())
    suspension = Suspension(types=types, starts_at=starts_at, ends_at=ends_at,
                            notice=notice.strip(), created_by=actor)
    db.session.add(suspension)
    db.session.flush()
    audit.record("suspension", suspension.id, "created",
                 {"types": [None, ", ".join(types)], "starts_at": [None, iso(starts_at)],
                  "ends_at": [None, iso(ends_at)]}, actor=actor)
    return suspension


def _check(types: list[str], starts_at, ends_at, notice: str) -> None:
    if not types:
        raise SuspensionError(_("Chọn ít nhất một loại yêu cầu cần tạm dừng."))
    unknown = [t for t in types if t not in workflows.WORKFLOWS]
    if unknown:
        raise SuspensionError(_("Loại yêu cầu không hợp lệ: %(types)s", types=", ".join(unknown)))
    if NEVER_SUSPENDED & set(types):
        raise SuspensionError(_("Không thể tạm dừng tiếp nhận báo mất điện."))
    if not notice:
        raise SuspensionError(_("Cần nhập nội dung thông báo cho khách hàng."))
    if starts_at is None or starts_at.tzinfo is None:
        raise SuspensionError(_("Cần nhập thời điểm bắt đầu."))
    if ends_at is not None and ends_at <= starts_at:
        raise SuspensionError(_("Thời điểm kết thúc phải sau thời điểm bắt đầu."))
    if ends_at is not None and ends_at <= utcnow():
        raise SuspensionError(_("Thời điểm kết thúc đã qua."))


def is_over(suspension: Suspension, at: datetime | None = None) -> bool:
    at = at or utcnow()
    return any(t is not None and t <= at for t in (suspension.lifted_at, suspension.ends_at))


def lift(suspension: Suspension, actor: User | None) -> Suspension:
    """End a suspension now; its deferred tickets resume right after commit (a job)."""
    if is_over(suspension):
        raise SuspensionError(_("Đợt tạm dừng này đã kết thúc."))
    suspension.lifted_at = utcnow()
    audit.record("suspension", suspension.id, "lifted",
                 {"lifted_at": [None, iso(suspension.lifted_at)]}, actor=actor)
    db.session.flush()
    queue.enqueue("crm.incidents.jobs.resume_suspension", suspension.id)
    return suspension


def notice_for_new_ticket(ticket: Ticket):
    """Send the suspension's public notice to the customer of a ticket it deferred; else None.

    Urgent: the customer has just asked, and learns at once why nothing will happen soon.
    """
    from crm.tickets.notify import notify_customer      # the ticket services import this module

    if ticket.suspension_id is None or ticket.status != Status.DEFERRED:
        return None
    suspension = db.session.get(Suspension, ticket.suspension_id)
    until = suspension.ends_at and local(suspension.ends_at).date()
    return notify_customer(ticket, "deferred",
                           {"ly_do": suspension.notice.strip(), "hoan_den": until},
                           urgent=True)


def resume_if_over(suspension_id: int) -> int:
    """Resume a suspension's deferred tickets once it is over; idempotent (claims `resumed_at`)."""
    now = utcnow()
    claimed = db.session.execute(
        sa.update(Suspension).where(
            Suspension.id == suspension_id, Suspension.resumed_at.is_(None),
            sa.or_(Suspension.ends_at <= now, Suspension.lifted_at <= now))
        .values(resumed_at=now).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        return 0
    suspension = db.session.get(Suspension, suspension_id, populate_existing=True)
    return resume_deferred(suspension)


def resume_deferred(suspension: Suspension) -> int:
    """Every ticket still DEFERRED by `suspension` goes back to NEW (clock resumes with the
    time left) in its district's queue, and its customer is told. Returns how many."""
    done = 0
    while batch := db.session.scalars(
            sa.select(Ticket).where(Ticket.suspension_id == suspension.id,
                                    Ticket.status == Status.DEFERRED)
            .options(joinedload(Ticket.customer), joinedload(Ticket.district))
            .order_by(Ticket.id).limit(BATCH)).unique().all():
        for ticket in batch:
            _resume(ticket)
        db.session.flush()
        done += len(batch)
    return done


def _resume(ticket: Ticket) -> None:
    from crm.tickets import assignment, services
    from crm.tickets.notify import notify_customer

    services.change_status(ticket, Status.NEW, actor=None)
    if ticket.assignee_id is None:
        assignment.auto_assign(ticket)
    notify_customer(ticket, "resumed")

