"""Telling customers what happened to their ticket, on the channel that reaches them.

Every customer-facing notice of the ticket workflows goes through `notify_customer`, and
every notice that belongs to no ticket (planned outages, ...) through
`notify_customer_about`. Both are thin wrappers over the notifications outbox
(`crm.notifications.outbox.notify`): the notice is written with the caller's change and the
dispatcher sends it after commit, on the preferred channel with fallback, outside quiet
hours unless urgent. The wording the caller built travels as the context's `text`.
"""
from __future__ import annotations

import uuid

from crm.models import Customer, Message, Ticket
from crm.notifications.outbox import first_message, notify

#: Notices about the power supply itself are sent at any hour.
URGENT_PREFIXES = ("incident_", "planned_outage", "suspension_")


def is_urgent(event: str) -> bool:
    return event.startswith(URGENT_PREFIXES)


def notify_customer(ticket: Ticket, text: str, *, event: str,
                    customer: Customer | None = None) -> Message | None:
    """Queue `text` to the customer (sent after commit); None, audited, when unreachable.

    Returns the message of the first attempt, already on the ticket's thread.
    """
    customer = customer or ticket.customer
    notification = notify(customer, event, {"text": text, "ticket_code": ticket.code},
                          ticket=ticket, urgent=is_urgent(event),
                          key=f"{event}:ticket-{ticket.id}:customer-{customer.id}:"
                              f"{uuid.uuid4().hex}")
    return first_message(notification) if notification is not None else None


def notify_customer_about(customer: Customer, text: str, *, event: str, key: str,
                          subject: str | None = None) -> Message | None:
    """Queue a notice that belongs to no ticket (sent after commit), at most once per `key`.

    A second call with the same `key` returns the first notice's message. Returns None,
    audited, when the customer cannot be reached.
    """
    context = {"text": text, **({"subject": subject} if subject else {})}
    notification = notify(customer, event, context, urgent=is_urgent(event), key=key)
    return first_message(notification) if notification is not None else None
