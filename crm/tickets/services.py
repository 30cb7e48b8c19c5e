"""Creating and changing tickets. Services flush, never commit: the caller owns the transaction."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

import workflows
from workflows import routing
from workflows.sla import clock
from crm.core import audit
from crm.core.db import insert_or_nothing
from crm.core.timefmt import local, month_code
from crm.extensions import db
from crm.incidents import suspensions
from crm.tickets import assignment
from crm.models import (OPEN_STATUSES, Channel, Customer, District, Note, Priority, Role,
                        Status, Ticket, TicketCounter, User, Ward, utcnow)


class TicketError(ValueError):
    """A change that the ticket's rules do not allow; the message says why, in the user's language."""


def next_code(at: datetime | None = None) -> str:
    """`YC<yymm>-<sequence>`: the sequence restarts each month; safe across workers."""
    period = month_code(at or utcnow())
    db.session.execute(insert_or_nothing(TicketCounter, {"period": period, "last_value": 0},
                                         conflict=["period"]))
    value = db.session.execute(
        sa.update(TicketCounter).where(TicketCounter.period == period)
        .values(last_value=TicketCounter.last_value + 1)
        .returning(TicketCounter.last_value)).scalar_one()
    return f"YC{period}-{value:06d}"


def create_ticket(*, customer: Customer, type: str, channel: Channel | str, subject: str,
                  subtype: str | None = None, description: str | None = None,
                  ward: Ward | None = None, district: District | None = None,
                  priority: Priority | str | None = None, details: dict | None = None,
                  actor: User | None = None, actor_label: str | None = None) -> Ticket:
    """Open a ticket routed to the ward's district (or the one given); raises TicketError."""
    try:
        workflow = workflows.get(type)
        subtype = workflow.validate_subtype(subtype)
    except (KeyError, ValueError) as exc:
        raise TicketError(_("Loại yêu cầu không hợp lệ: %(kind)s/%(subtype)s", kind=type,
                           subtype=subtype or "")) from exc
    now = utcnow()
    ward = ward or customer.ward
    district = district or routing.district_for(ward, local(now).date())
    suspension = suspensions.active_for(type, now)
    ticket = Ticket(code=next_code(), type=type, subtype=subtype, channel=Channel(channel),
                    subject=subject.strip()[:300], description=description,
                    customer=customer, ward=ward, district=district,
                    priority=Priority(priority or workflow.default_priority),
                    status=Status.DEFERRED if suspension else Status.NEW,
                    suspension_id=suspension.id if suspension else None,
                    step=workflow.first_step(), details=details or {}, created_by=actor)
    db.session.add(ticket)
    db.session.flush()
    clock.record_status(ticket, ticket.created_at)
    clock.apply(ticket)
    audit.record("ticket", ticket.id, "created",
                 {"code": [None, ticket.code], "type": [None, type],
                  "district": [None, district.code if district else None]},
                 ticket_id=ticket.id, actor=actor, actor_label=actor_label)
    workflow.on_created(ticket)
    suspensions.notice_for_new_ticket(ticket)
    assignment.auto_assign(ticket)
    return ticket


def touch(ticket: Ticket) -> None:
    """Mark new activity, so the ticket moves to the top of every inbox."""
    ticket.updated_at = utcnow()


#: Features that act on any status change (the CSAT survey) append `hook(ticket, old_status)`.
STATUS_HOOKS: list = []


def change_status(ticket: Ticket, status: Status | str, *, actor: User | None,
                  result: str | None = None) -> dict:
    """Move a ticket to another status; resolving needs a result. Returns the changes."""
    status, old_status = Status(status), ticket.status
    if ticket.merged_into_id and status in OPEN_STATUSES:
        raise TicketError(_("Phiếu đã được gộp vào phiếu khác, không mở lại được."))
    if status in (Status.RESOLVED, Status.CLOSED) and not (result or ticket.result):
        raise TicketError(_("Cần nhập kết quả khi giải quyết hoặc đóng phiếu."))
    now = utcnow()
    changes = audit.diff(ticket, status=status)
    if result:
        changes |= audit.diff(ticket, result=result)
    if status == Status.RESOLVED and ticket.resolved_at is None:
        ticket.resolved_at = now
    if status == Status.CLOSED and ticket.closed_at is None:
        ticket.closed_at = now
    if status in (Status.NEW, Status.OPEN):
        ticket.resolved_at = ticket.closed_at = None
    if changes:
        touch(ticket)
        audit.record("ticket", ticket.id, "status_changed", changes, ticket_id=ticket.id,
                     actor=actor)
    if "status" in changes:
        clock.record_status(ticket, now)
        clock.apply(ticket, now=now)
        workflows.get(ticket.type).on_status_changed(ticket, old_status)
        assignment.on_status_changed(ticket, old_status)
        for hook in STATUS_HOOKS:
            hook(ticket, old_status)
    return changes


def can_be_assigned(ticket: Ticket, user: User) -> bool:
    """District staff work only their own district's tickets; centre roles work any."""
    if not user.is_active:
        return False
    if user.role == Role.DISTRICT_STAFF:
        return ticket.district_id == user.district_id
    return True


def assign(ticket: Ticket, assignee: User | None, *, actor: User | None,
           actor_label: str | None = None) -> dict:
    """Give the ticket to a user (or nobody); raises TicketError for an ineligible user.

    `actor_label="system"` records an automatic assignment even inside a web request.
    """
    if assignee is not None and not can_be_assigned(ticket, assignee):
        raise TicketError(_("Người này không xử lý được phiếu của Điện lực này."))
    changes = audit.diff(ticket, assignee_id=assignee.id if assignee else None)
    if changes:
        ticket.assignee = assignee
        changes["assignee_id"] = [changes["assignee_id"][0], assignee.username if assignee
                                  else None]
        touch(ticket)
        audit.record("ticket", ticket.id, "assigned", changes, ticket_id=ticket.id, actor=actor,
                     actor_label=actor_label)
    return changes


def transfer(ticket: Ticket, district: District, *, actor: User | None, reason: str) -> dict:
    """Hand the ticket to another district office, keeping its history; needs a reason."""
    if not reason.strip():
        raise TicketError(_("Cần nhập lý do chuyển phiếu."))
    if ticket.district_id == district.id:
        raise TicketError(_("Phiếu đã thuộc Điện lực này."))
    old = ticket.district.code if ticket.district else None
    ticket.district, ticket.district_id = district, district.id
    if ticket.assignee and not can_be_assigned(ticket, ticket.assignee):
        ticket.assignee = None
    touch(ticket)
    changes = {"district": [old, district.code], "reason": [None, reason.strip()]}
    audit.record("ticket", ticket.id, "transferred", changes, ticket_id=ticket.id, actor=actor)
    assignment.auto_assign(ticket)        # the new district's pool may take it at once
    return changes


def add_note(ticket: Ticket, body: str, *, actor: User | None) -> Note:
    """An internal note: visible to staff only, never sent to the customer."""
    note = Note(ticket_id=ticket.id, author=actor, body=body.strip())
    db.session.add(note)
    db.session.flush()
    touch(ticket)
    audit.record("ticket", ticket.id, "note_added", {"note": [None, note.id]},
                 ticket_id=ticket.id, actor=actor)
    return note
