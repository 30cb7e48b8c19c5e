"""ZNS (Zalo Notification Service): pre-approved template messages sent to a phone number.

Messages Zalo refused because the 7-day customer-service window is over
("zalo:outside_window") or the user does not follow the OA ("zalo:not_follower") go again
as a template: `fallback_for(message)` re-sends an agent's reply through the agent-reply
template ZALO_ZNS_TEMPLATE_REPLY, and `notice_fallback(message, customer)` gives a notice
(`crm.notifications`) its ZNS attempt, through ZALO_ZNS_TEMPLATE_NOTICE, before SMS.

A ZNS message is an outbound Message like any other (channel zalo, address = the phone,
meta["zns"] = template id and parameters), on the same thread, sent the way the refused
message was (the send job, or the notifications dispatcher for a notice) through the Zalo
adapter, so it is tracked, retried and never sent twice.
"""
from __future__ import annotations

from typing import Mapping

from flask import current_app
from flask_babel import gettext as _

import channels
from channels.base import ContactRef, OutboundMessage, SendResult
from channels.zalo import NOT_FOLLOWER, OUTSIDE_WINDOW
from crm.extensions import db
from crm.inbox.services import ReplyError, queue_outbound
from crm.models import (Channel, ContactKind, ContactPoint, Customer, DeliveryStatus, Direction,
                        Message, Ticket, User)

#: Refusals of a CS message that a ZNS template can get around.
FALLBACK_ERRORS = frozenset({OUTSIDE_WINDOW, NOT_FOLLOWER})
#: The agent-reply template's parameters and the longest value each may take (the
#: template must be approved with these names; longer values are cut with "…").
REPLY_PARAMS = {"customer_name": 30, "ticket_code": 30, "content": 250}


def send(phone: str, template_id: str, params: Mapping[str, str], tracking_id: str) -> SendResult:
    """Send one template now (no Message row); Zalo's refusals come back in the result."""
    zalo = channels.by_name("zalo_oa")(current_app.config["CHANNELS"])
    return zalo.send(OutboundMessage(
        to=ContactRef("phone", phone), text="", idempotency_key=tracking_id,
        meta={"zns": {"template_id": template_id, "params": dict(params)}}))


def queue_template(customer: Customer, template_id: str, params: Mapping[str, str], *,
                   body: str, ticket: Ticket | None = None, actor: User | None = None,
                   meta: Mapping | None = None) -> Message:
    """Queue a template to the customer's phone (sent after commit); raises ReplyError. Flushes.

    `body` is what the thread shows (the template's wording lives in Zalo's console).
    """
    phone = _phone_of(customer)
    if phone is None:
        raise ReplyError(_("Khách hàng chưa có số điện thoại để nhận tin ZNS."))
    zns = {"template_id": str(template_id), "params": {k: str(v) for k, v in params.items()}}
    return queue_outbound(customer, body, channel=Channel.ZALO, ticket=ticket, actor=actor,
                          address=phone, meta={**(meta or {}), "zns": zns})


def fallback_for(message: Message) -> Message | None:
    """The ZNS message re-sending a Zalo reply refused for FALLBACK_ERRORS, queued at most once.

    None when ZNS cannot help: not such a refusal, already a ZNS message, no
    ZALO_ZNS_TEMPLATE_REPLY, or no phone number (the caller then tries SMS). Flushes.
    """
    meta = dict(message.meta or {})
    if message.channel != Channel.ZALO or message.error not in FALLBACK_ERRORS \
            or meta.get("zns"):
        return None
    if meta.get("fallback_message_id"):
        return db.session.get(Message, meta["fallback_message_id"])
    template = current_app.config["CHANNELS"].get("ZALO_ZNS_TEMPLATE_REPLY")
    customer = db.session.get(Customer, message.customer_id) if message.customer_id else None
    if not template or customer is None or _phone_of(customer) is None:
        return None
    fallback = queue_template(
        customer, template, reply_params(customer, message), body=message.body,
        ticket=message.ticket, actor=message.author,
        meta={"fallback_for": message.id, "event": meta.get("event")})
    message.meta = {**meta, "fallback_message_id": fallback.id}
    return fallback


def notice_fallback(message: Message, customer: Customer) -> Message | None:
    """The ZNS message that carries a notice whose Zalo message was refused for
    FALLBACK_ERRORS: the notice's next attempt, before SMS. Flushes.

    Not queued for sending: the notifications dispatcher sends it as it sends every notice
    (its own message, so its own idempotency key). The template ZALO_ZNS_TEMPLATE_NOTICE
    takes the agent-reply template's parameters, `ticket_code` being the ticket's code or,
    for a notice without a ticket, the customer's code. None when ZNS cannot help: not such
    a refusal, already a ZNS message, no template, no phone (the dispatcher then tries SMS).
    """
    meta = dict(message.meta or {})
    if message.channel != Channel.ZALO or message.error not in FALLBACK_ERRORS \
            or meta.get("zns"):
        return None
    template = current_app.config["CHANNELS"].get("ZALO_ZNS_TEMPLATE_NOTICE")
    phone = _phone_of(customer) if template else None
    if phone is None:
        return None
    params = reply_params(customer, message)
    if message.ticket_id is None:
        params["ticket_code"] = _cut(customer.code or "", REPLY_PARAMS["ticket_code"])
    fallback = Message(
        ticket_id=message.ticket_id, customer_id=customer.id, channel=Channel.ZALO,
        direction=Direction.OUTBOUND, address=phone, body=message.body,
        status=DeliveryStatus.QUEUED, meta={
            "event": meta.get("event"), "fallback_for": message.id,
            "zns": {"template_id": str(template), "params": params}})
    db.session.add(fallback)
    db.session.flush()
    message.meta = {**meta, "fallback_message_id": fallback.id}
    return fallback


def reply_params(customer: Customer, message: Message) -> dict[str, str]:
    """The agent-reply template's parameters, each cut to the length Zalo accepts."""
    values = {"customer_name": customer.name,
              "ticket_code": message.ticket.code if message.ticket else "",
              "content": " ".join(message.body.split())}
    return {key: _cut(values[key], limit) for key, limit in REPLY_PARAMS.items()}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _phone_of(customer: Customer) -> str | None:
    """The customer's newest phone number (E.164)."""
    contact = db.session.scalar(
        db.select(ContactPoint).where(ContactPoint.customer_id == customer.id,
                                      ContactPoint.kind == ContactKind.PHONE)
        .order_by(ContactPoint.id.desc()).limit(1))
    return contact.value if contact else None


__all__ = ["FALLBACK_ERRORS", "send", "queue_template", "fallback_for", "notice_fallback",
           "reply_params"]
