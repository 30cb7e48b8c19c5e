"""`notify`: write a notice in the caller's transaction; the dispatcher sends it after commit.

Writing the notice with the change that causes it (and not sending it from the request)
means a crash, a rolled-back change or Redis being down can neither lose a notice nor send
one for nothing: the row is the record, the dispatch job only a wake-up call, and a periodic
sweep sends whatever a lost wake-up left behind.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa

from crm.core import audit, queue
from crm.core.db import insert_ignoring_conflicts
from crm.extensions import db
from crm.models import (Channel, Customer, DeliveryStatus, Direction, Message, Notification,
                        NotificationStatus, Ticket, utcnow)
from crm.notifications import choice
from crm.notifications.templates import TemplateError, edited_templates, render as render_template

log = logging.getLogger(__name__)

DRAIN_JOB = "crm.notifications.dispatch.drain_job"
#: A context key for the sending, not the template: quick-reply buttons on the chat channels
#: (rows of {"text", "data"}, as the chat bot sends them), e.g. the CSAT survey's 1–10.
BUTTONS = "_buttons"
CHAT_CHANNELS = frozenset({str(Channel.ZALO), str(Channel.TELEGRAM)})


def notify(customer: Customer, event: str, context: dict, *, ticket: Ticket | None = None,
           urgent: bool = False, key: str, channel: str | None = None) -> Notification | None:
    """Write one notice (flush only); the same `key` again returns the first one.

    Returns None, audited, when no channel can reach the customer (no address, or opted
    out of every channel they have one on).
    """
    existing = by_key(key)
    if existing is not None:
        return existing
    hint = str(ticket.channel) if ticket is not None else None
    if not choice.candidates(customer.id, requested=channel, hint=hint):
        audit.record("customer", customer.id, "notice_unreachable",
                     {"event": [None, event], "key": [None, key]},
                     ticket_id=ticket.id if ticket else None)
        return None
    now = utcnow()
    new_id = insert_ignoring_conflicts(Notification, {
        "key": key, "customer_id": customer.id, "ticket_id": ticket.id if ticket else None,
        "event": event, "context": context, "urgent": urgent,
        "requested_channel": str(channel) if channel else None,
        "status": NotificationStatus.QUEUED, "tried": [], "attempts": 0,
        "next_attempt_at": choice.not_before(now, urgent=urgent), "created_at": now},
        conflict=["key"])
    wake()
    return db.session.get(Notification, new_id) if new_id is not None else by_key(key)


def by_key(key: str) -> Notification | None:
    return db.session.scalar(sa.select(Notification).where(Notification.key == key))


def wake() -> None:
    """Ask for one dispatch run after this transaction commits (once, however many notices)."""
    pending = db.session().info.get("pending_jobs", [])
    if not any(call.path == DRAIN_JOB for call in pending):
        queue.enqueue(DRAIN_JOB, queue="notifications")


def render(notification: Notification, channel: str,
           edited: dict | None = None) -> tuple[str | None, str]:
    """(subject, body) for `channel`.

    Every notice is rendered from its event's template (`crm.notifications.templates`).
    A context with a `text` (notices written before the templates existed) is sent as
    written.
    """
    context = notification.context or {}
    if context.get("text"):
        return context.get("subject"), str(context["text"])
    rendered = render_template(notification.event, channel, context, edited)
    return rendered.subject, rendered.body


def prepare(notifications: list[Notification], facts: choice.Facts | None = None) -> None:
    """Give each notice without one the message of its next attempt, on the best channel left.

    Messages are queued, linked to their notice (`message_id`, `channel`) and flushed together;
    a notice with no channel left keeps `message_id` None (the caller decides: failed or
    skipped). Tickets of ticket notices are touched, as an agent's reply touches them.
    """
    todo = [n for n in notifications if n.message_id is None and n.status in (
        NotificationStatus.QUEUED, NotificationStatus.SENDING)]
    if not todo:
        return
    facts = facts or choice.Facts.load(n.customer_id for n in todo)
    tickets = {t.id: t for t in db.session.scalars(sa.select(Ticket).where(
        Ticket.id.in_({n.ticket_id for n in todo if n.ticket_id})))} \
        if any(n.ticket_id for n in todo) else {}
    edited = edited_templates()
    planned = []
    for notification in todo:
        ticket = tickets.get(notification.ticket_id)
        options = facts.candidates(notification.customer_id,
                                   requested=notification.requested_channel,
                                   hint=str(ticket.channel) if ticket else None,
                                   tried=notification.tried or [])
        if not options:
            continue
        channel = options[0]
        try:
            subject, body = render(notification, channel, edited)
        except TemplateError as exc:        # an edited template this context cannot fill
            give_up(notification, str(exc))
            continue
        if channel == Channel.EMAIL and subject is None and ticket is not None:
            subject = f"[{ticket.code}] {ticket.subject}"
        message = Message(ticket_id=notification.ticket_id, customer_id=notification.customer_id,
                          channel=Channel(channel), direction=Direction.OUTBOUND,
                          address=facts.addresses[(notification.customer_id, channel)],
                          body=body.strip(), status=DeliveryStatus.QUEUED,
                          subject=subject if channel == Channel.EMAIL else None,
                          meta=_meta(notification, channel))
        planned.append((notification, message, channel))
    db.session.add_all([message for _, message, _ in planned])
    db.session.flush()
    for notification, message, channel in planned:
        notification.message_id, notification.channel = message.id, channel
        notification.message = message
    if tickets:
        from crm.tickets import services as ticket_services
        for ticket in {tickets[n.ticket_id] for n, _, _ in planned if n.ticket_id in tickets}:
            ticket_services.touch(ticket)
    db.session.flush()


def give_up(notification: Notification, error: str,
            status: NotificationStatus | None = None) -> None:
    """Nothing left to try (no channel, or a template the context cannot fill: no retry
    helps): the notice is failed (or skipped), visibly, and audited."""
    notification.status = status or NotificationStatus.FAILED
    notification.last_error, notification.claimed_until = error[:500], None
    audit.record("customer", notification.customer_id, "notice_failed",
                 {"event": [None, notification.event], "key": [None, notification.key],
                  "error": [None, error[:200]]},
                 ticket_id=notification.ticket_id, actor_label="system")


def _meta(notification: Notification, channel: str) -> dict:
    meta = {"event": notification.event}
    buttons = (notification.context or {}).get(BUTTONS)
    if buttons and channel in CHAT_CHANNELS:
        meta["buttons"] = buttons
    return meta


def first_message(notification: Notification) -> Message | None:
    """Create now the message of the first attempt (what the thread shows as queued)."""
    if notification.message_id is None:
        prepare([notification])
    return notification.message if notification.message_id is not None else None


def _hint(notification: Notification) -> str | None:
    if notification.ticket_id is None:
        return None
    return str(db.session.scalar(sa.select(Ticket.channel).where(
        Ticket.id == notification.ticket_id)))


__all__ = ["notify", "by_key", "wake", "prepare", "first_message", "render", "give_up"]
