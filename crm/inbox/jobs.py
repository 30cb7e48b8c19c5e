"""Background jobs of the inbox."""
from __future__ import annotations

import logging

from flask import current_app

import channels
from channels.base import ContactRef, NotConfigured, OutboundMessage
from crm.extensions import db
from crm.inbox.services import REPLY_CONTACT
from crm.models import DeliveryStatus, Message, utcnow

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
    result = adapter.send(OutboundMessage(
        to=ContactRef(str(REPLY_CONTACT[message.channel]), message.address or ""),
        text=message.body, subject=message.subject, idempotency_key=f"message-{message.id}"))
    if result.ok:
        message.status, message.sent_at = DeliveryStatus.SENT, utcnow()
        message.provider_message_id = result.external_id
    elif result.retryable:
        raise RetryableSendError(result.error)
    else:
        message.status, message.error = DeliveryStatus.FAILED, (result.error or "")[:500]
