"""The SLA clock of each ticket: the only code that writes `ticket_sla`.

Due times are computed in closed form by `workflows.sla.calendar` from the policy, the
receipt time and the pauses, which are rebuilt from the status history every time (never
a single "paused since" field that a status change can lose).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from crm.core.timefmt import local
from crm.extensions import db
from crm.models import (OPEN_STATUSES, SlaClock, SlaPolicy, Status, Ticket, TicketSla,
                        TicketStatusChange, utcnow)
from workflows.sla import calendar as workcal
from workflows.sla.policies import find_policy
from workflows.sla.store import load_calendar

#: The clock stands still while the ticket waits for the customer or is deferred.
PAUSING = frozenset({Status.PENDING_CUSTOMER, Status.DEFERRED})
#: The clock stops (and its due time is kept) once the ticket is resolved or closed.
STOPPING = frozenset({Status.RESOLVED, Status.CLOSED})


@dataclass(frozen=True)
class Deadline:
    due_at: datetime | None          #: None while a pause is open
    warn_at: datetime | None


def due_times(clock: SlaClock | str, budget: timedelta, warn_percent: int, started_at: datetime,
              pauses=(), calendar: workcal.WorkCalendar | None = None) -> Deadline:
    """When a ticket is due, and when it has used `warn_percent` of its time: the one formula."""
    warn_budget = budget * warn_percent / 100
    if SlaClock(clock) == SlaClock.CALENDAR:
        return Deadline(workcal.add_calendar_time(started_at, budget, pauses),
                        workcal.add_calendar_time(started_at, warn_budget, pauses))
    calendar = calendar or load_calendar()
    return Deadline(workcal.add_business_time(calendar, started_at, budget, pauses),
                    workcal.add_business_time(calendar, started_at, warn_budget, pauses))


def pauses_for(history: list[tuple[Status, datetime]]) -> list[tuple[datetime, datetime | None]]:
    """Pause intervals from a ticket's status history (oldest first); the last may be open."""
    pauses, since = [], None
    for status, at in history:
        if status in PAUSING and since is None:
            since = at
        elif status not in PAUSING and since is not None:
            pauses.append((since, at))
            since = None
    if since is not None:
        pauses.append((since, None))
    return pauses


def history(ticket_id: int) -> list[tuple[Status, datetime]]:
    return db.session.execute(
        sa.select(TicketStatusChange.status, TicketStatusChange.at)
        .where(TicketStatusChange.ticket_id == ticket_id)
        .order_by(TicketStatusChange.at, TicketStatusChange.id)).all()


def record_status(ticket: Ticket, at: datetime | None = None) -> None:
    """Remember that the ticket entered its current status (the SLA's pause history)."""
    db.session.add(TicketStatusChange(ticket_id=ticket.id, status=ticket.status,
                                      at=at or utcnow()))


def area_of(ticket: Ticket):
    return ticket.ward.area_type if ticket.ward else None


def received_on(ticket: Ticket) -> date:
    return local(ticket.created_at).date()


def select_policy(ticket: Ticket) -> SlaPolicy | None:
    """The policy for this ticket's type, subtype and area on the day it was received."""
    return find_policy(ticket.type, ticket.subtype, area_of(ticket), received_on(ticket))


def apply(ticket: Ticket, *, calendar: workcal.WorkCalendar | None = None,
          now: datetime | None = None) -> TicketSla | None:
    """Start or refresh the ticket's clock after any change (created, status, type, ward, policy).

    Idempotent: calling it twice gives the same row. Flushes nothing by itself.
    """
    policy = select_policy(ticket)
    sla = ticket.sla or db.session.get(TicketSla, ticket.id)
    if policy is None:
        if sla is not None:
            db.session.delete(sla)
            ticket.sla = None
        return None
    if sla is None:
        sla = TicketSla(ticket_id=ticket.id, started_at=ticket.created_at)
        db.session.add(sla)
        ticket.sla = sla
    sla.policy_id, sla.policy_key = policy.id, policy.name[:64]
    sla.clock, sla.warn_percent = policy.clock, policy.warn_percent
    sla.budget_seconds = policy.duration_minutes * 60
    _refresh(sla, ticket.status, pauses_for(history(ticket.id)), calendar, now or utcnow())
    return sla


def _refresh(sla: TicketSla, status: Status, pauses, calendar, now: datetime) -> None:
    if status in STOPPING:
        sla.stopped_at = sla.stopped_at or now
        sla.is_paused = False
        return
    sla.stopped_at = None
    deadline = due_times(sla.clock, timedelta(seconds=sla.budget_seconds), sla.warn_percent,
                         sla.started_at, pauses, calendar)
    sla.is_paused = deadline.due_at is None
    sla.due_at, sla.warn_at = deadline.due_at, deadline.warn_at
    # A deadline moved into the future (policy or calendar change) may fire again; the
    # escalation table still lets each level happen only once.
    if sla.breached_at and (sla.due_at is None or sla.due_at > now):
        sla.breached_at = None
    if sla.warned_at and (sla.warn_at is None or sla.warn_at > now):
        sla.warned_at = None


def recompute_open(batch_size: int = 2000) -> int:
    """Re-select the policy and recompute the due time of every open ticket. Flushes per batch."""
    if db.session.get_bind().dialect.name == "postgresql":   # the same rules, set-based
        from workflows.sla import recompute
        return recompute.recompute_open(batch_size=batch_size).total
    calendar, now, done, last_id = load_calendar(), utcnow(), 0, 0
    while True:
        tickets = db.session.scalars(
            sa.select(Ticket).where(Ticket.status.in_(OPEN_STATUSES), Ticket.id > last_id)
            .order_by(Ticket.id).limit(batch_size)).all()
        if not tickets:
            return done
        for ticket in tickets:
            apply(ticket, calendar=calendar, now=now)
        db.session.flush()
        done += len(tickets)
        last_id = tickets[-1].id


def state(sla: TicketSla | None, now: datetime | None = None) -> str:
    """none | paused | stopped | ok | warning | breached: what the countdown shows."""
    if sla is None:
        return "none"
    if sla.stopped_at:
        return "stopped"
    if sla.is_paused or sla.due_at is None:
        return "paused"
    now = now or utcnow()
    if sla.due_at <= now:
        return "breached"
    if sla.warn_at and sla.warn_at <= now:
        return "warning"
    return "ok"
