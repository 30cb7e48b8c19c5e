"""Agents' replies: stored with the thread, then sent on the customer's channel by a job."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from crm.core import audit, queue
from crm.labels import label
from crm.extensions import db
from crm.models import (Channel, ContactKind, ContactPoint, DeliveryStatus, Direction, Message,
                        Ticket, User, utcnow)
from crm.tickets import services as tickets

#: Which contact point a reply on each channel goes to.
REPLY_CONTACT = {
    Channel.SMS: ContactKind.PHONE, Channel.EMAIL: ContactKind.EMAIL,
    Channel.ZALO: ContactKind.ZALO, Channel.TELEGRAM: ContactKind.TELEGRAM,
}


class ReplyError(ValueError):
    """The reply cannot be sent that way (no address on that channel)."""


def reply_channels(ticket: Ticket) -> list[Channel]:
    """The channels a reply can take, the ticket's own first (calls and walk-ins answer by SMS)."""
    kinds = {c.kind for c in ticket.customer.contact_points}
    usable = [ch for ch, kind in REPLY_CONTACT.items() if kind in kinds]
    preferred = ticket.channel if ticket.channel in REPLY_CONTACT else Channel.SMS
    return sorted(usable, key=lambda ch: ch != preferred)


def _contact_for(ticket: Ticket, channel: Channel) -> ContactPoint:
    kind = REPLY_CONTACT.get(channel)
    contact = db.session.scalar(sa.select(ContactPoint).where(
        ContactPoint.customer_id == ticket.customer_id, ContactPoint.kind == kind)
        .order_by(ContactPoint.id.desc()).limit(1)) if kind else None
    if contact is None:
        raise ReplyError(_("Khách hàng chưa có địa chỉ liên lạc trên kênh %(channel)s.",
                           channel=label("channel", channel)))
    return contact


def reply(ticket: Ticket, body: str, *, actor: User, channel: Channel | str | None = None) -> Message:
    """Add a public reply to the thread and queue it for sending after commit; raises ReplyError."""
    channel = Channel(channel) if channel else (reply_channels(ticket) or [Channel.SMS])[0]
    contact = _contact_for(ticket, channel)
    message = Message(ticket_id=ticket.id, customer_id=ticket.customer_id, channel=channel,
                      direction=Direction.OUTBOUND, address=contact.value, body=body.strip(),
                      author=actor, status=DeliveryStatus.QUEUED,
                      subject=f"[{ticket.code}] {ticket.subject}" if channel == Channel.EMAIL
                      else None)
    db.session.add(message)
    db.session.flush()
    if ticket.first_response_at is None:
        ticket.first_response_at = utcnow()
    tickets.touch(ticket)
    audit.record("ticket", ticket.id, "replied", {"message": [None, message.id],
                                                  "channel": [None, str(channel)]},
                 ticket_id=ticket.id, actor=actor)
    queue.enqueue("crm.inbox.jobs.send_message", message.id, queue="notifications")
    return message
