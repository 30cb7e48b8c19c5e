"""Nhật ký liên hệ (contact log): the district calls the customer and books visits.

Services flush, never commit. An appointment tells the customer when to expect the visit.
"""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy.orm import joinedload

from crm.core import audit
from crm.core.timefmt import LOCAL_TZ, iso
from crm.extensions import db
from crm.models import ContactAttempt, ContactOutcome, Ticket, User, utcnow
from crm.tickets import services
from crm.tickets.notify import notify_customer
from crm.tickets.steps import StepError

#: How each outcome reads on the page (the stored value is the enum's).
OUTCOMES = {ContactOutcome.REACHED: _l("Đã liên hệ được"),
            ContactOutcome.NO_ANSWER: _l("Không nghe máy"),
            ContactOutcome.BUSY: _l("Máy bận"),
            ContactOutcome.WRONG_NUMBER: _l("Sai số điện thoại"),
            ContactOutcome.APPOINTMENT: _l("Hẹn lịch làm việc")}

MAX_NOTE = 2000


class ContactError(StepError):
    """A contact entry that cannot be recorded as given; the message says why."""


def _error(field: str, message: str) -> ContactError:
    return ContactError(message, {field: message})


def log_contact(ticket: Ticket, outcome: ContactOutcome | str, note: str | None,
                appointment_at: datetime | None, *, actor: User | None) -> ContactAttempt:
    """Record one attempt to reach the customer; an appointment (in the future) is notified.

    Raises ContactError, writing nothing, for an unknown outcome or a bad appointment time.
    """
    try:
        outcome = ContactOutcome(outcome)
    except ValueError as exc:
        raise _error("outcome", _("Kết quả liên hệ không hợp lệ.")) from exc
    appointment_at, note = _appointment(outcome, appointment_at), (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise _error("note", _("Ghi chú quá dài (tối đa %(max)s ký tự).", max=MAX_NOTE))
    attempt = ContactAttempt(ticket_id=ticket.id, user_id=actor.id if actor else None,
                             outcome=outcome, note=note,
                             appointment_at=appointment_at)
    db.session.add(attempt)
    db.session.flush()
    services.touch(ticket)
    changes = {"outcome": [None, str(outcome)]}
    if appointment_at is not None:
        changes["appointment_at"] = [None, iso(appointment_at)]
    audit.record("ticket", ticket.id, "contact_logged", changes, ticket_id=ticket.id,
                 actor=actor)
    if appointment_at is not None:
        notify_customer(ticket, "appointment", {"gio_hen": appointment_at})
    return attempt


def _appointment(outcome: ContactOutcome, at: datetime | None) -> datetime | None:
    """The appointment time as aware UTC: required, and in the future, for an appointment."""
    if outcome != ContactOutcome.APPOINTMENT:
        if at is not None:
            raise _error("appointment_at", _("Chỉ nhập thời gian hẹn khi kết quả là hẹn lịch."))
        return None
    if at is None:
        raise _error("appointment_at", _("Cần nhập thời gian hẹn."))
    at = at.replace(tzinfo=LOCAL_TZ) if at.tzinfo is None else at
    if at <= utcnow():
        raise _error("appointment_at", _("Thời gian hẹn phải ở tương lai."))
    return at.astimezone(timezone.utc)


def contacts_for(ticket: Ticket) -> list[ContactAttempt]:
    """The ticket's contact log, newest first, with who made each attempt (one query)."""
    return db.session.scalars(
        sa.select(ContactAttempt).where(ContactAttempt.ticket_id == ticket.id)
        .options(joinedload(ContactAttempt.user))
        .order_by(ContactAttempt.at.desc(), ContactAttempt.id.desc())).all()
