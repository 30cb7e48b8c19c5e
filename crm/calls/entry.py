"""A call's entry on the customer's timeline and, once it has one, on its ticket's thread.

The entry is an inbound hotline message (meta `kind: call`) whose one line says what
happened (state, duration, outcome); it is rewritten as the call goes on, so the
timeline, the thread and the inbox's live refresh show calls with no code of their own.
"""
from __future__ import annotations

from flask_babel import force_locale

from crm.calls.labels import describe
from crm.core.db import insert_ignoring_conflicts
from crm.extensions import db
from crm.models import Call, Channel, DeliveryStatus, Direction, Message
from crm.tickets import services as tickets


def provider_id(call: Call) -> str:
    return f"call-{call.provider}-{call.provider_call_id}"


def sync(call: Call) -> None:
    """Create or rewrite the call's entry; a call without a customer has none. Flushes."""
    if call.customer_id is None and call.customer is None:
        return
    db.session.flush()                    # the call's id and customer id
    with force_locale("vi"):              # stored text is in Vietnamese, like customers' words
        body = describe(call)
    old_ticket_id = call.message.ticket_id if call.message is not None else None
    message = call.message or _create(call, body)
    message.body, message.created_at = body, call.started_at
    message.customer_id = call.customer_id
    if call.ticket_id != old_ticket_id:
        message.ticket_id = call.ticket_id
        if call.ticket is not None:
            tickets.touch(call.ticket)       # the call shows in the inbox's live refresh


def _create(call: Call, body: str) -> Message:
    values = {"ticket_id": call.ticket_id, "customer_id": call.customer_id,
              "channel": Channel.HOTLINE, "direction": Direction.INBOUND,
              "provider_message_id": provider_id(call), "address": call.from_number,
              "body": body, "status": DeliveryStatus.RECEIVED,
              "meta": {"kind": "call", "call_id": call.id}, "created_at": call.started_at}
    message_id = insert_ignoring_conflicts(Message, values,
                                           conflict=["channel", "provider_message_id"])
    if message_id is None:                # written by a concurrent request for this call
        message = db.session.scalar(db.select(Message).where(
            Message.channel == Channel.HOTLINE, Message.provider_message_id == provider_id(call)))
    else:
        message = db.session.get(Message, message_id)
    call.message = message
    return message
