"""Agents' replies: stored with the thread, then sent on the customer's channel by a job."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from crm.core import audit, queue
from crm.labels import label
from crm.extensions import db
from crm.models import (Channel, ContactKind, ContactPoint, Customer, DeliveryStatus, Direction,
                        Message, Ticket, User, utcnow)
from crm.tickets import services as tickets

#: Which contact point a reply on each channel goes to.
REPLY_CONTACT = {
    Channel.SMS: ContactKind.PHONE, Channel.EMAIL: ContactKind.EMAIL,
    Channel.ZALO: ContactKind.ZALO, Channel.TELEGRAM: ContactKind.TELEGRAM,
}


class ReplyError(ValueError):
    """The reply cannot be sent that way (no address on that channel)."""


def channels_for(customer: Customer, preferred: Channel | None = None) -> list[Channel]:
    """The channels that can reach `customer`, `preferred` first (calls and walk-ins: SMS)."""
    kinds = {c.kind for c in customer.contact_points}
    usable = [ch for ch, kind in REPLY_CONTACT.items() if kind in kinds]
    preferred = preferred if preferred in REPLY_CONTACT else Channel.SMS
    return sorted(usable, key=lambda ch: ch != preferred)


def reply_channels(ticket: Ticket) -> list[Channel]:
    """The channels a reply on this ticket can take, the ticket's own first."""
    return channels_for(ticket.customer, ticket.channel)


def _contact_for(customer_id: int, channel: Channel) -> ContactPoint:
    kind = REPLY_CONTACT.get(channel)
    contact = db.session.scalar(sa.select(ContactPoint).where(
        ContactPoint.customer_id == customer_id, ContactPoint.kind == kind)
        .order_by(ContactPoint.id.desc()).limit(1)) if kind else None
    if contact is None:
        raise ReplyError(_("Khách hàng chưa có địa chỉ liên lạc trên kênh %(channel)s.",
                           channel=label("channel", channel)))
    return contact


def send_to_customer(ticket: Ticket, body: str, *, customer: Customer | None = None,
                     channel: Channel | str | None = None, actor: User | None = None,
                     event: str | None = None) -> Message:
    """Queue an outbound message on the ticket's thread; sent by a job after commit.

    `customer` defaults to the ticket's; `actor` None means the system (a notice).
    Raises ReplyError when the customer cannot be reached on that channel.
    """
    customer = customer or ticket.customer
    channel = Channel(channel) if channel else (
        channels_for(customer, ticket.channel) or [Channel.SMS])[0]
    message = queue_outbound(customer, body, channel=channel, ticket=ticket, actor=actor,
                             meta={"event": event} if event else {},
                             subject=f"[{ticket.code}] {ticket.subject}"
                             if channel == Channel.EMAIL else None)
    tickets.touch(ticket)
    return message


def queue_outbound(customer: Customer, body: str, *, channel: Channel,
                   ticket: Ticket | None = None, actor: User | None = None,
                   meta: dict | None = None, subject: str | None = None,
                   address: str | None = None) -> Message:
    """Store an outbound message (on a ticket's thread or none) and send it by a job after commit.

    `address` (e.g. the number an SMS came from) defaults to the customer's newest contact on
    `channel`. Raises ReplyError when the customer has no address on `channel`. Flushes.
    """
    address = address or _contact_for(customer.id, channel).value
    message = Message(ticket_id=ticket.id if ticket else None, customer_id=customer.id,
                      channel=channel, direction=Direction.OUTBOUND, address=address,
                      body=body.strip(), author=actor, status=DeliveryStatus.QUEUED,
                      meta=meta or {}, subject=subject)
    db.session.add(message)
    db.session.flush()
    queue.enqueue("crm.inbox.jobs.send_message", message.id, queue="notifications")
    return message


def reply(ticket: Ticket, body: str, *, actor: User, channel: Channel | str | None = None,
          customer: Customer | None = None) -> Message:
    """Add a public reply to the thread and queue it for sending after commit; raises ReplyError.

    `customer` picks another customer of the ticket (a party of a merged duplicate).
    """
    message = send_to_customer(ticket, body, channel=channel, actor=actor, customer=customer)
    if ticket.first_response_at is None:
        ticket.first_response_at = utcnow()
    audit.record("ticket", ticket.id, "replied", {"message": [None, message.id],
                                                  "channel": [None, str(message.channel)],
                                                  "customer": [None, message.customer_id]},
                 ticket_id=ticket.id, actor=actor)
    return message
