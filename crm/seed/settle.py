"""After the stories: put the wall-clock stamps of the services on the stories' moments, run
the SLA clock over the rebuilt history, then one sweep, as if the demo had really happened.

The status history (`ticket_status_changes`) and the audit trail were written at the
stories' moments (`crm.seed.clock`); everything here is derived from them.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from crm.extensions import db
from crm.models import (AuditEvent, DeliveryStatus, Direction, Incident, Message, Status, Ticket,
                        utcnow)
from workflows.sla import clock
from workflows.sla.store import load_calendar
from workflows.sla.sweep import SweepResult, sweep


def settle(tickets: list[Ticket]) -> SweepResult:
    """Rebuild the demo tickets' end times and clocks, mark their notices sent, sweep once.

    Flushes, never commits. Returns what the sweep did.
    """
    db.session.flush()
    now, calendar = utcnow(), load_calendar()
    for ticket in tickets:
        _rebuild_ends(ticket, clock.history(ticket.id))
        clock.apply(ticket, calendar=calendar, now=now)
    _incident_times()
    _notices_sent([t.id for t in tickets])
    result = sweep(now)
    _activity_times(tickets)
    db.session.flush()
    return result


def _entered(history: list[tuple[Status, datetime]], statuses) -> datetime | None:
    """When the ticket last entered one of `statuses` from another status."""
    entered, previous = None, None
    for status, at in history:
        if status in statuses and previous not in statuses:
            entered = at
        previous = status
    return entered


def _rebuild_ends(ticket: Ticket, history: list[tuple[Status, datetime]]) -> None:
    """resolved_at, closed_at and the clock's stop from the status history, not the wall clock."""
    done = ticket.status in clock.STOPPING
    ticket.resolved_at = _entered(history, {Status.RESOLVED}) if done else None
    ticket.closed_at = _entered(history, {Status.CLOSED}) \
        if ticket.status == Status.CLOSED else None
    if ticket.sla is not None:
        ticket.sla.stopped_at = _entered(history, clock.STOPPING) if done else None


def _incident_times() -> None:
    """An incident started with its first report and was last reported with its last."""
    times = db.session.execute(
        sa.select(Ticket.incident_id, sa.func.min(Ticket.created_at), sa.func.max(Ticket.created_at))
        .where(Ticket.incident_id.is_not(None)).group_by(Ticket.incident_id)).all()
    for incident_id, first, last in times:
        incident = db.session.get(Incident, incident_id)
        incident.started_at, incident.last_report_at = first, last


def _notices_sent(ticket_ids: list[int]) -> None:
    """The notices the services queued went out when they were written (the demo sends
    nothing: the send jobs find them sent and stop)."""
    queued = db.session.scalars(sa.select(Message).where(
        Message.ticket_id.in_(ticket_ids), Message.direction == Direction.OUTBOUND,
        Message.status == DeliveryStatus.QUEUED)).all()
    for message in queued:
        message.status, message.sent_at = DeliveryStatus.SENT, message.created_at + \
            timedelta(seconds=4)


def _activity_times(tickets: list[Ticket]) -> None:
    """Each ticket's last activity: its newest audit event or message."""
    latest = {}
    for model, column in ((AuditEvent, AuditEvent.at), (Message, Message.created_at)):
        rows = db.session.execute(sa.select(model.ticket_id, sa.func.max(column))
                                  .where(model.ticket_id.is_not(None))
                                  .group_by(model.ticket_id)).all()
        for ticket_id, at in rows:
            latest[ticket_id] = max(at, latest.get(ticket_id, at))
    for ticket in tickets:
        ticket.updated_at = latest.get(ticket.id, ticket.created_at)
