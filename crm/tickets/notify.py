"""Telling customers what happened to their ticket, on the channel that reaches them.

Every customer-facing notice of the ticket workflows goes through `notify_customer`, and
every notice that belongs to no ticket (planned outages, ...) through
`notify_customer_about`. Both are thin wrappers over the notifications outbox
(`crm.notifications.outbox.notify`): the notice is written with the caller's change and the
dispatcher sends it after commit, on the preferred channel with fallback, outside quiet
hours unless urgent.

The wording is the event's template (`crm.notifications.templates`, editable by admins):
callers hand over values, not sentences. A ticket notice always carries the ticket's code,
its SLA due date and the public status link (`templates.ticket_context`).
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from crm.extensions import db
from crm.models import Customer, Incident, Message, Status, Ticket
from crm.notifications.outbox import first_message, notify
from crm.notifications.templates import EVENTS, customer_context, ticket_context

#: Notices about the power supply itself are sent at any hour.
URGENT_EVENTS = frozenset({"incident_known", "incident_restored", "planned_outage"})


def is_urgent(event: str) -> bool:
    return event in URGENT_EVENTS


def notify_customer(ticket: Ticket, event: str, values: dict | None = None, *,
                    customer: Customer | None = None, urgent: bool | None = None,
                    key: str | None = None, channel: str | None = None) -> Message | None:
    """Queue the `event` notice about `ticket` (sent after commit); None, audited, when the
    customer cannot be reached. Without a `key` every call is a new notice; `channel` is
    tried first, before the customer's preferred one.

    Returns the message of the first attempt, already on the ticket's thread.
    """
    _known(event)
    customer = customer or ticket.customer
    context = {**ticket_context(ticket, customer), **json_ready(values or {})}
    notification = notify(customer, event, context, ticket=ticket,
                          urgent=is_urgent(event) if urgent is None else urgent,
                          key=key or f"{event}:ticket-{ticket.id}:customer-{customer.id}:"
                                     f"{uuid.uuid4().hex}", channel=channel)
    return first_message(notification) if notification is not None else None


def notify_customer_about(customer: Customer, event: str, values: dict, *, key: str,
                          urgent: bool | None = None) -> Message | None:
    """Queue a notice that belongs to no ticket (sent after commit), at most once per `key`.

    A second call with the same `key` returns the first notice's message. Returns None,
    audited, when the customer cannot be reached.
    """
    _known(event)
    context = {**customer_context(customer), **json_ready(values)}
    notification = notify(customer, event, context, key=key,
                          urgent=is_urgent(event) if urgent is None else urgent)
    return first_message(notification) if notification is not None else None


def json_ready(values: dict) -> dict:
    """Times as ISO 8601, amounts as numbers: what the outbox's JSON column keeps."""
    def one(value):
        if isinstance(value, (datetime, date)):
            return value.isoformat()
        if isinstance(value, Decimal):
            return float(value)
        return value
    return {name: one(value) for name, value in values.items()}


def _known(event: str) -> None:
    if event not in EVENTS:            # a programming error, caught by the tests
        raise ValueError(f"unknown notification event {event!r}")


def received(ticket: Ticket) -> Message | None:
    """Tell the customer their request is registered: its code, due date and status link.

    For a ticket staff opened for the customer (the hotline, the counter): those who wrote
    in see the ticket in their own thread. A deferred ticket was told why by its
    suspension; an outage report on an incident with a known restore time hears that time.
    """
    if ticket.status == Status.DEFERRED:
        return None
    incident = db.session.get(Incident, ticket.incident_id) if ticket.incident_id else None
    if incident is not None and incident.expected_restore_at is not None:
        from crm.incidents.services import area      # the incidents import this module
        return notify_customer(ticket, "incident_known", {
            "khu_vuc": area(incident), "du_kien_co_dien": incident.expected_restore_at},
            key=f"received:{ticket.id}")
    return notify_customer(ticket, "ticket_received", key=f"received:{ticket.id}")
