"""Background jobs of the inbox."""
from __future__ import annotations

import logging

from flask import current_app

import channels
from channels.base import ContactRef, NotConfigured, OutboundMessage
from crm.core import channel_state
from crm.extensions import db
from crm.inbox.mail import reply_context
from crm.inbox.services import REPLY_CONTACT, ReplyError, queue_outbound
from crm.models import Channel, Customer, DeliveryStatus, Message, utcnow

log = logging.getLogger(__name__)


class RetryableSendError(RuntimeError):
    """The provider may accept the message later; RQ retries the job."""


def send_message(message_id: int) -> None:
    """Send one queued outbound message; idempotent (a sent message is never sent again)."""
    message = db.session.get(Message, message_id, with_for_update=True)
    if message is None or message.status != DeliveryStatus.QUEUED:
        return
    try:
        adapter = channels.for_channel(str(message.channel), current_app.config["CHANNELS"])
    except NotConfigured:
        message.status, message.error = DeliveryStatus.FAILED, "channel not configured"
        return
    key = f"message-{message.id}"
    thread = reply_context(message)     # e-mail only: ticket code, In-Reply-To, References
    result = adapter.send(OutboundMessage(
        to=ContactRef(str(REPLY_CONTACT[message.channel]), message.address or ""),
        text=message.body, subject=message.subject, idempotency_key=key,
        in_reply_to=thread.pop("in_reply_to", None),
        meta={**_chat_meta(message), **_send_meta(adapter, key), **thread}))
    message.meta = {**(message.meta or {}), "adapter": adapter.name}
    if result.ok:
        message.status, message.sent_at = DeliveryStatus.SENT, utcnow()
        message.provider_message_id = result.external_id
        channel_state.record_outbound(adapter.name)
    elif result.retryable:
        # Kept for the channel page even though the job fails: RQ retries it later.
        channel_state.record_error(adapter.name, result.error)
        db.session.commit()
        raise RetryableSendError(result.error)
    else:
        message.status, message.error = DeliveryStatus.FAILED, (result.error or "")[:500]
        channel_state.record_error(adapter.name, result.error)
        _fall_back(message)


def _fall_back(message: Message) -> None:
    """A Zalo message Zalo refused because the 7-day window is over or the customer does not
    follow the OA goes again as a ZNS template by phone, else as an SMS; once."""
    from crm.zalo import zns      # the Zalo package imports this module's neighbours

    if message.error not in zns.FALLBACK_ERRORS or zns.fallback_for(message) is not None:
        return
    meta = dict(message.meta or {})
    customer = db.session.get(Customer, message.customer_id) if message.customer_id else None
    if meta.get("fallback_message_id") or meta.get("zns") or customer is None:
        return
    try:
        sms = queue_outbound(customer, message.body, channel=Channel.SMS, ticket=message.ticket,
                             actor=message.author, meta={"fallback_for": message.id})
    except ReplyError:
        return
    message.meta = {**meta, "fallback_message_id": sms.id}


#: What the chat bot puts on an outbound Message for the adapter to render (bot contract).
CHAT_META = ("buttons", "request_contact", "zns")


def _chat_meta(message: Message) -> dict:
    """The message's buttons / contact request, passed through to the adapter as stored."""
    meta = message.meta or {}
    return {name: meta[name] for name in CHAT_META if meta.get(name)}


def _send_meta(adapter, key: str) -> dict:
    """The delivery-receipt URL for adapters that take one per message (Twilio's StatusCallback).

    It carries our key, so a receipt that overtakes this job's commit still finds its message.
    """
    path = getattr(adapter, "status_callback_path", None)
    if not path:
        return {}
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return {"status_callback": f"{base}{path}?ref={key}"}
