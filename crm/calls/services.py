"""The call log: one row per call, kept from the events of Twilio or the PBX.

`record_event` is the one entry point for provider events: it finds (or creates) the call
under a row lock, writes the event to the call's log once, learns the caller and the
agent, applies the event's fact and re-derives the state. Services flush; the webhook
commits.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from channels import calls as kinds
from channels.calls import CallEvent
from crm.calls import entry, state
from crm.core.db import insert_ignoring_conflicts
from crm.core.phones import try_normalise_phone
from crm.customers import services as customers
from crm.extensions import db
from crm.models import (Call, CallEventLog, CallOutcome, CallProvider, CallState, Ticket, User,
                        utcnow)

#: Which outcome describes a call best when it had several (the highest is kept).
OUTCOME_RANK = {None: 0, CallOutcome.STATUS_LOOKUP: 1, CallOutcome.INCIDENT_NOTICE: 2,
                CallOutcome.MESSAGE_LEFT: 3, CallOutcome.AGENT: 4}


def find_call(provider: str, call_id: str, *, for_update: bool = False) -> Call | None:
    query = sa.select(Call).where(Call.provider == CallProvider(provider),
                                  Call.provider_call_id == call_id)
    if for_update:
        query = query.with_for_update()
    return db.session.scalar(query)


def get_or_create(provider: str, call_id: str, at: datetime) -> Call:
    """The call, locked for this transaction; created on its first event (race-safe)."""
    call = find_call(provider, call_id, for_update=True)
    if call is not None:
        return call
    now = utcnow()
    insert_ignoring_conflicts(Call, {
        "provider": CallProvider(provider), "provider_call_id": call_id, "started_at": at,
        "state": CallState.RINGING, "ivr_choices": [], "created_at": now, "updated_at": now},
        conflict=["provider", "provider_call_id"])
    return find_call(provider, call_id, for_update=True)


def log_event(call: Call, event: CallEvent) -> bool:
    """Write the event to the call's log; False when this delivery was seen before."""
    logged = insert_ignoring_conflicts(CallEventLog, {
        "call_id": call.id, "kind": event.kind[:32], "key": event.key, "at": event.at,
        "data": dict(event.data), "created_at": utcnow()}, conflict=["call_id", "key"])
    return logged is not None


def record_event(event: CallEvent) -> tuple[Call, bool]:
    """Apply one provider event to its call; (call, True) when it was a repeat. Flushes.

    Idempotent and order-independent: facts keep their earliest time, the state is derived
    from them and never goes back a stage (see `crm.calls.state`).
    """
    call = get_or_create(event.provider, event.call_id, event.at)
    if not log_event(call, event):
        return call, True
    _learn_parties(call, event)
    _apply(call, event)
    state.refresh(call)
    entry.sync(call)
    db.session.flush()
    return call, False


def _earliest(call: Call, name: str, at: datetime) -> None:
    current = getattr(call, name)
    if current is None or at < current:
        setattr(call, name, at)


def _learn_parties(call: Call, event: CallEvent) -> None:
    """The numbers (E.164 when valid), the customer behind the caller's number, the start."""
    if call.from_number is None and event.caller:
        call.from_number = try_normalise_phone(event.caller)
    if call.to_number is None and event.called:
        call.to_number = try_normalise_phone(event.called) or event.called[:32]
    if call.customer_id is None and call.from_number:
        call.customer = customers.identify("phone", call.from_number)
    started = event.at
    if event.kind == kinds.ENDED and event.duration is not None:
        started = event.at - timedelta(seconds=event.duration)
    _earliest(call, "started_at", started)


def _apply(call: Call, event: CallEvent) -> None:
    """The fact this kind of event teaches; other kinds are only logged."""
    kind, at = event.kind, event.at
    if kind == kinds.RINGING:
        _earliest(call, "offered_at", at)
        if call.answered_at is None and event.extension:
            _assign(call, event.extension)
    elif kind == kinds.IVR:
        _earliest(call, "ivr_at", at)
    elif kind == kinds.QUEUED:
        _earliest(call, "offered_at", at)
    elif kind == kinds.ANSWERED:
        _earliest(call, "answered_at", at)
        if event.extension:
            _assign(call, event.extension)
        conclude(call, CallOutcome.AGENT)
    elif kind == kinds.MISSED:
        _earliest(call, "missed_at", at)
    elif kind == kinds.ENDED:
        _earliest(call, "ended_at", at)
        if call.duration is None and event.duration is not None:
            call.duration = event.duration


def _assign(call: Call, extension: str) -> None:
    """The extension ringing or answering, and the staff member whose desk it is on."""
    call.extension = extension
    call.agent = db.session.scalar(sa.select(User).where(User.phone_extension == extension))


def offer(call: Call) -> None:
    """The caller asked for an agent and is being put through: agents' screens pop."""
    _earliest(call, "offered_at", utcnow())
    state.refresh(call)
    entry.sync(call)


def choose(call: Call, choice: str) -> None:
    """Remember a choice made in the menu ("1", "3:YC2611-000123", ...)."""
    call.ivr_choices = [*(call.ivr_choices or []), choice[:40]][-20:]


def conclude(call: Call, outcome: CallOutcome, *, ticket: Ticket | None = None,
             detail: str | None = None) -> None:
    """Record what the caller got; the most telling outcome (and its ticket) is kept."""
    if OUTCOME_RANK[outcome] >= OUTCOME_RANK[call.outcome]:
        call.outcome, call.outcome_detail = outcome, detail
        if ticket is not None:
            call.ticket = ticket
    elif ticket is not None and call.ticket is None:
        call.ticket = ticket
    entry.sync(call)


def mark_voicemail(call: Call, at: datetime) -> None:
    """A message was left (a recording of a call nobody answered)."""
    if call.answered_at is None:
        _earliest(call, "voicemail_at", at)
    state.refresh(call)
    entry.sync(call)
