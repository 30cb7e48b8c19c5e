"""E-mail's own steps in the ingest chain, and the threading headers of outbound mail.

Added to `crm.inbox.ingest.STEPS` when this module is imported (by the e-mail webhook and
the poller), around the generic steps:

    dedupe → flag_automatic → attribute_bounce → identify_contact → find_thread
           → thread_by_headers → open_ticket → store → mark_bounced → fold_quoted_html

Automatic mail (auto-replies, bounces, lists) is stored, on its thread when it has one,
but `skipped` keeps it from opening a ticket, so no "ticket received" notice ever answers
a machine. A bounce of one of our mails marks that outbound message failed.
"""
from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa

from channels.base import ContactRef
from channels.email_parse import parse_message
from channels.email_quotes import html_quote_start
from crm.core import channel_state, html
from crm.extensions import db
from crm.inbox import ingest
from crm.inbox.ingest import IngestContext
from crm.models import Channel, DeliveryStatus, Direction, Message, Ticket


def _is_email(ctx: IngestContext) -> bool:
    return ctx.inbound.channel == Channel.EMAIL.value


def _bounced_message(ctx: IngestContext) -> Message | None:
    """Our outbound mail that this bounce reports on, if it names one."""
    original = (ctx.inbound.meta.get("bounce") or {}).get("original_message_id")
    if not original:
        return None
    return db.session.scalar(sa.select(Message).where(
        Message.channel == Channel.EMAIL, Message.direction == Direction.OUTBOUND,
        Message.provider_message_id == original.strip("<>")))


def flag_automatic(ctx: IngestContext) -> None:
    """Auto-replies, bounces and bulk mail never open a ticket (no mail loops)."""
    meta = ctx.inbound.meta
    if _is_email(ctx) and meta.get("automatic"):
        ctx.skipped = ctx.skipped or f"{meta['automatic']}: {meta.get('automatic_reason', '')}"


def attribute_bounce(ctx: IngestContext) -> None:
    """A bounce of our mail belongs to the customer it was sent to, not to MAILER-DAEMON."""
    if not _is_email(ctx) or (original := _bounced_message(ctx)) is None or not original.address:
        return
    sender = ctx.inbound.sender
    ctx.inbound = replace(ctx.inbound, sender=ContactRef(
        "email", original.address, sender.display_name or sender.address))


def _referenced_ids(ctx: IngestContext) -> list[str]:
    """The ids the mail answers, the most direct first (In-Reply-To, References newest first)."""
    meta = ctx.inbound.meta
    bounce = (meta.get("bounce") or {}).get("original_message_id")
    ids = [*meta.get("in_reply_to", []), *reversed(meta.get("references", [])), bounce]
    return list(dict.fromkeys(i.strip("<>") for i in ids if i))


def thread_by_headers(ctx: IngestContext) -> None:
    """In-Reply-To/References naming a stored mail to or from this customer picks its thread.

    This wins over a ticket code and over the "recent open ticket" guess: the id says
    exactly which mail was answered.
    """
    if not _is_email(ctx) or ctx.customer is None or not (ids := _referenced_ids(ctx)):
        return
    rows = db.session.execute(sa.select(Message.provider_message_id, Message.ticket_id).where(
        Message.channel == Channel.EMAIL, Message.provider_message_id.in_(ids),
        Message.customer_id == ctx.customer.id, Message.ticket_id.is_not(None))).all()
    tickets = dict(rows)
    if best := next((tickets[i] for i in ids if i in tickets), None):
        ctx.ticket = ingest._follow_merges(db.session.get(Ticket, best))


def mark_bounced(ctx: IngestContext) -> None:
    """A permanent bounce marks our outbound mail failed, with the server's reason."""
    bounce = ctx.inbound.meta.get("bounce") or {}
    if not _is_email(ctx) or ctx.message is None or not bounce.get("permanent"):
        return
    original = _bounced_message(ctx)
    if original is None or original.status == DeliveryStatus.FAILED:
        return
    original.status = DeliveryStatus.FAILED
    original.error = f"bounce: {bounce.get('reason') or '?'}"[:500]
    ctx.message.meta = {**(ctx.message.meta or {}), "bounced_message": original.id}


def fold_quoted_html(ctx: IngestContext) -> None:
    """Split the stored HTML into the new part and the quoted history (shown folded).

    Both halves are sanitised on their own, so each is balanced markup; `html_quote_at`
    in the message's meta says where the history starts.
    """
    message = ctx.message
    if not _is_email(ctx) or message is None or not message.body_html:
        return
    cut = html_quote_start(message.body_html)
    if cut is None:
        return
    new, quoted = html.sanitize(message.body_html[:cut]), html.sanitize(message.body_html[cut:])
    if new.strip() and quoted.strip():
        message.body_html = new + quoted
        message.meta = {**(message.meta or {}), "html_quote_at": len(new)}


def install(steps: list) -> None:
    """Put the e-mail steps into the ingest chain, each next to the generic step it serves."""
    if flag_automatic in steps:
        return
    steps.insert(steps.index(ingest.dedupe) + 1, flag_automatic)
    steps.insert(steps.index(ingest.identify_contact), attribute_bounce)
    steps.insert(steps.index(ingest.find_thread) + 1, thread_by_headers)
    at = steps.index(ingest.store) + 1
    steps[at:at] = [mark_bounced, fold_quoted_html]


install(ingest.STEPS)


def receive(raw: bytes) -> IngestContext:
    """Parse and ingest one raw mail; raises BadPayload. Flushes, the caller commits."""
    ctx = ingest.ingest(parse_message(raw))
    channel_state.record_inbound("email")
    return ctx


def reply_context(message: Message) -> dict:
    """For an outbound mail: the ticket code and the customer's last mail to answer.

    Other channels get nothing (their adapters do not thread by these headers).
    """
    if message.channel != Channel.EMAIL:
        return {}
    if message.ticket_id is None:
        return {"event": (message.meta or {}).get("event")}
    context = {"ticket_code": db.session.scalar(
        sa.select(Ticket.code).where(Ticket.id == message.ticket_id)),
        "event": (message.meta or {}).get("event")}
    last = db.session.scalar(sa.select(Message).where(
        Message.ticket_id == message.ticket_id, Message.channel == Channel.EMAIL,
        Message.direction == Direction.INBOUND, Message.customer_id == message.customer_id,
        Message.provider_message_id.is_not(None),
        Message.provider_message_id.not_like("sha256:%")).order_by(Message.id.desc()).limit(1))
    if last is not None:
        context["in_reply_to"] = last.provider_message_id
        context["references"] = list((last.meta or {}).get("references") or [])[-9:]
    return context
