"""Telling customers what happened to their ticket, on the channel that reaches them.

Every customer-facing notice of the ticket workflows goes through `notify_customer`, so the
notifications work (preferred channel, fallback, quiet hours, delivery tracking) has one
place to plug into.
"""
from __future__ import annotations

from crm.core import audit
from crm.inbox.services import ReplyError, send_to_customer
from crm.models import Customer, Message, Ticket


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
