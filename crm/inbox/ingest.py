"""Inbound messages from every channel into one thread per ticket, stored exactly once.

Ingest runs inside the webhook request, in the caller's transaction, as a short chain of
steps over a context: dedupe → skip → identify the contact → find the thread → store.
Later features add their steps (auto-reply filters, the bot brain) to `STEPS`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable

import sqlalchemy as sa

from channels.base import InboundMessage
from crm.core import html, storage
from crm.core.db import insert_ignoring_conflicts
from crm.customers import services as customers
from crm.extensions import db
from crm.models import (OPEN_STATUSES, Channel, Customer, DeliveryStatus, Direction, Message,
                        Ticket, TicketParty, utcnow)
from crm.tickets import services as tickets

TICKET_CODE = re.compile(r"\bYC\d{4}-\d{6,}\b", re.IGNORECASE)
#: A new message joins the customer's open ticket on the same channel if it is this recent.
THREAD_WINDOW = timedelta(days=7)


@dataclass
class IngestContext:
    inbound: InboundMessage
    customer: Customer | None = None
    ticket: Ticket | None = None
    message: Message | None = None
    duplicate: bool = False
    skipped: str | None = None          #: why the message was not threaded (stored anyway)
    answer: str | None = None           #: a keyword's reply, sent once the message is stored
    bot_turn: Any = None                #: the chat bot's turn (crm.bot.turn.Turn): its replies
    notes: list[str] = field(default_factory=list)


def dedupe(ctx: IngestContext) -> None:
    """A provider id seen before: stop here, nothing changes."""
    existing = db.session.scalar(sa.select(Message).where(
        Message.channel == Channel(ctx.inbound.channel),
        Message.provider_message_id == ctx.inbound.external_id))
    if existing is not None:
        ctx.message, ctx.duplicate = existing, True


def identify_contact(ctx: IngestContext) -> None:
    sender = ctx.inbound.sender
    ctx.customer = customers.identify(sender.kind, sender.address, sender.display_name)


def _follow_merges(ticket: Ticket | None) -> Ticket | None:
    """A merged ticket's thread lives on where it was merged into."""
    for _hop in range(5):
        if ticket is None or ticket.merged_into_id is None:
            return ticket
        ticket = db.session.get(Ticket, ticket.merged_into_id)
    return ticket


def find_thread(ctx: IngestContext) -> None:
    """By a ticket code the customer quotes, else their recent open ticket on this channel.

    "Their" tickets include those they are a party of (a duplicate merged into another's).
    """
    # A UNION, not an OR: the OR stops PostgreSQL using the customer index (50 ms vs 2 ms).
    mine = Ticket.id.in_(sa.union_all(
        sa.select(Ticket.id).where(Ticket.customer_id == ctx.customer.id),
        sa.select(TicketParty.ticket_id).where(TicketParty.customer_id == ctx.customer.id)))
    hint = " ".join(filter(None, (ctx.inbound.thread_hint, ctx.inbound.subject)))
    if match := TICKET_CODE.search(hint):
        quoted = db.session.scalar(sa.select(Ticket).where(
            Ticket.code == match.group(0).upper(), mine))
        ctx.ticket = _follow_merges(quoted)
    if ctx.ticket is None:
        ctx.ticket = db.session.scalar(
            sa.select(Ticket)
            .where(mine, Ticket.channel == Channel(ctx.inbound.channel),
                   Ticket.status.in_(OPEN_STATUSES),
                   Ticket.updated_at >= utcnow() - THREAD_WINDOW)
            .order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(1))


def open_ticket(ctx: IngestContext) -> None:
    """No thread to join: open an inquiry ticket; routing and workflows refine it later."""
    if ctx.ticket is not None or ctx.skipped:
        return
    text = ctx.inbound.subject or ctx.inbound.text or ctx.inbound.kind
    ctx.ticket = tickets.create_ticket(
        customer=ctx.customer, type="inquiry", channel=ctx.inbound.channel,
        subject=" ".join(text.split())[:120] or "—", description=ctx.inbound.text,
        actor_label=ctx.inbound.channel)


def store(ctx: IngestContext) -> None:
    """Insert the message; a concurrent twin that committed first wins and this one is dropped."""
    inbound = ctx.inbound
    message_id = insert_ignoring_conflicts(Message, {
        "ticket_id": ctx.ticket.id if ctx.ticket else None, "customer_id": ctx.customer.id,
        "channel": Channel(inbound.channel), "direction": Direction.INBOUND,
        "provider_message_id": inbound.external_id, "address": inbound.sender.address,
        "display_name": inbound.sender.display_name, "subject": inbound.subject,
        "body": inbound.text or "", "body_html": html.sanitize(inbound.html) or None,
        "status": DeliveryStatus.RECEIVED, "meta": dict(inbound.meta),
        "created_at": inbound.received_at}, conflict=["channel", "provider_message_id"])
    if message_id is None:
        ctx.duplicate = True
        return
    ctx.message = db.session.get(Message, message_id)
    for item in inbound.attachments:
        try:
            storage.store(item.data, item.filename, item.content_type, message_id=message_id,
                          ticket_id=ctx.ticket.id if ctx.ticket else None)
        except storage.AttachmentRejected as exc:
            ctx.notes.append(f"{item.filename}: {exc}")
    if ctx.ticket is not None:
        tickets.touch(ctx.ticket)


Step = Callable[[IngestContext], None]
STEPS: list[Step] = [dedupe, identify_contact, find_thread, open_ticket, store]


def ingest(inbound: InboundMessage) -> IngestContext:
    """Store one inbound message exactly once; flushes, the caller commits.

    A duplicate (same channel and provider id, even from a concurrent request) leaves no
    trace: everything this call wrote is rolled back to a savepoint.
    """
    ctx = IngestContext(inbound)
    with db.session.begin_nested() as savepoint:
        for step in STEPS:
            step(ctx)
            if ctx.duplicate:
                savepoint.rollback()
                break
    if ctx.duplicate and ctx.message is None:
        dedupe(ctx)
    return ctx
