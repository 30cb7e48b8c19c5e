"""Delivery receipts written back onto outbound messages: sent → delivered, or failed.

Providers report several states per message and out of order, so a status only ever moves
forward: a late "sent" after "delivered" is ignored, and so is a "failed" after "delivered".
"""
from __future__ import annotations

import re

import sqlalchemy as sa

from channels.sms_common import DeliveryReceipt
from crm.extensions import db
from crm.models import Channel, DeliveryStatus, Direction, Message, utcnow

#: Later states win; FAILED is below DELIVERED because a handset that got it, got it.
RANK = {DeliveryStatus.QUEUED: 0, DeliveryStatus.SENT: 1, DeliveryStatus.FAILED: 2,
        DeliveryStatus.DELIVERED: 3}
_REFERENCE = re.compile(r"^message-(\d{1,18})$")


def find_outbound(channel: Channel | str, receipt: DeliveryReceipt) -> Message | None:
    """The outbound message a receipt is about, locked: by our reference, else the provider id.

    The reference (our idempotency key, echoed by the provider) finds a message whose send
    job has not stored the provider id yet; a provider id that disagrees finds nothing.
    """
    query = sa.select(Message).where(Message.channel == Channel(channel),
                                     Message.direction == Direction.OUTBOUND)
    match = _REFERENCE.match(receipt.reference or "")
    if match:
        query = query.where(Message.id == int(match.group(1)))
    elif receipt.external_id:
        query = query.where(Message.provider_message_id == receipt.external_id)
    else:
        return None
    message = db.session.scalar(query.with_for_update())
    if message is None or (receipt.external_id and message.provider_message_id
                           and message.provider_message_id != receipt.external_id):
        return None
    return message


def apply_receipt(message: Message, receipt: DeliveryReceipt) -> bool:
    """Move the message's status forward; False when the receipt changes nothing. Flushes."""
    if receipt.status is None:
        return False
    new = DeliveryStatus(receipt.status)
    if RANK.get(new, 0) <= RANK.get(message.status, 0):
        return False
    message.status = new
    if message.provider_message_id is None and receipt.external_id:
        message.provider_message_id = receipt.external_id
    if new == DeliveryStatus.FAILED:
        message.error = receipt.error_text() or "failed"
    else:
        message.error = None
        message.sent_at = message.sent_at or utcnow()
    db.session.flush()
    from crm.notifications.dispatch import on_receipt    # the notice this message carried
    on_receipt(message)
    return True
