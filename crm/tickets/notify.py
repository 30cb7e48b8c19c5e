"""Telling customers what happened to their ticket, on the channel that reaches them.

Every customer-facing notice of the ticket workflows goes through `notify_customer`, and
every notice that belongs to no ticket (planned outages, ...) through
`notify_customer_about`, so the notifications work (preferred channel, fallback, quiet
hours, delivery tracking) has one place to plug into.
"""
from __future__ import annotations

import sqlalchemy as sa

from crm.core import audit
from crm.extensions import db
from crm.inbox.services import ReplyError, channels_for, queue_outbound, send_to_customer
from crm.models import Channel, Customer, Message, Ticket


def notify_customer(ticket: Ticket, text: str, *, event: str,
                    customer: Customer | None = None) -> Message | None:
    """Queue `text` to the customer (sent after commit); None, audited, when unreachable."""
    try:
        return send_to_customer(ticket, text, customer=customer, event=event)
    except ReplyError:
        audit.record("ticket", ticket.id, "notice_unreachable",
                     {"event": [None, event], "customer": [None, (customer or ticket.customer).id]},
                     ticket_id=ticket.id)
        return None


def notify_customer_about(customer: Customer, text: str, *, event: str, key: str,
                          subject: str | None = None) -> Message | None:
    """Queue a notice that belongs to no ticket (sent after commit), at most once per `key`.

    The message goes to the first channel that reaches the customer (SMS first) with
    ticket_id NULL, so it shows on the customer's timeline. A second call with the same
    `key` returns the first message. Returns None, audited, when the customer cannot be
    reached. Callers that may run concurrently claim the notice in their own table first
    (e.g. `planned_outage_notices`): this check alone does not lock.
    """
    sent = db.session.scalar(sa.select(Message).where(
        Message.customer_id == customer.id, Message.ticket_id.is_(None),
        Message.meta["notice_key"].as_string() == key).limit(1))
    if sent is not None:
        return sent
    reachable = channels_for(customer)
    if reachable:
        return queue_outbound(customer, text, channel=reachable[0],
                              meta={"event": event, "notice_key": key},
                              subject=subject if reachable[0] == Channel.EMAIL else None)
    audit.record("customer", customer.id, "notice_unreachable",
                 {"event": [None, event], "key": [None, key]})
    return None
