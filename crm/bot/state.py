"""The bot's conversation state, read and written under a row lock.

One row per (channel, customer) in `bot_conversations`: the flow and step the customer is
at, what the flow collected so far, and who owns the conversation (the bot, or an agent
after a hand-off). Every worker reads it from the database, so a restart or a second web
worker continues where the last message left off; `claim` locks the row, so two quick
messages of one customer are handled one after the other, never both from the same step.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from crm.core import settings
from crm.core.db import insert_ignoring_conflicts
from crm.extensions import db
from crm.models import BotConversation, BotOwner, Customer, Ticket, utcnow


def claim(channel: str, customer: Customer, address: str,
          at: datetime | None = None) -> BotConversation:
    """The customer's conversation on `channel`, locked for this transaction (created if new).

    `at` is when the message being handled was sent: a new session starts no later, so its
    transcript includes that message. An idle conversation the bot owns starts again at
    the menu. Flushes.
    """
    now = utcnow()
    start = min(now, at or now)
    insert_ignoring_conflicts(BotConversation, {
        "channel": channel, "customer_id": customer.id, "address": address, "data": {},
        "choices": [], "misses": 0, "owner": BotOwner.BOT, "started_at": start,
        "updated_at": now},
        conflict=["channel", "customer_id"])
    conv = db.session.scalar(
        sa.select(BotConversation).where(BotConversation.channel == channel,
                                         BotConversation.customer_id == customer.id)
        .with_for_update().execution_options(populate_existing=True))
    conv.address = address
    if conv.owner == BotOwner.AGENT and not _agent_still_needed(conv):
        hand_back(conv, start)
    if conv.owner == BotOwner.BOT and conv.expires_at is not None and conv.expires_at < now:
        restart(conv, start)
    return conv


def _agent_still_needed(conv: BotConversation) -> bool:
    """An agent owns the conversation while its hand-off ticket is open (resolving it, or
    merging it into another, hands the conversation back to the bot)."""
    ticket = conv.ticket
    return ticket is not None and ticket.is_open and ticket.merged_into_id is None


def restart(conv: BotConversation, at: datetime | None = None) -> None:
    """Back to the menu with nothing collected; a new session (its transcript starts `at`)."""
    conv.flow = conv.step = None
    conv.data, conv.choices, conv.misses = {}, [], 0
    conv.started_at = at or utcnow()


def begin(conv: BotConversation, flow: str, step: str, **data) -> None:
    """Start `flow` at `step` with nothing collected but `data`."""
    conv.flow, conv.step, conv.data, conv.misses = flow, step, dict(data), 0


def go(conv: BotConversation, flow: str | None, step: str | None = None, **data) -> None:
    """Move to `flow`/`step`, keeping what was collected and adding `data`."""
    conv.flow, conv.step = flow, step
    conv.data = {**(conv.data or {}), **data} if flow else {}
    conv.misses = 0


def remember_choices(conv: BotConversation, buttons: list[list[dict]]) -> None:
    """The buttons just offered, so a typed number or label can pick one next time."""
    conv.choices = [[b["text"], b["data"]] for row in buttons for b in row]


def touch(conv: BotConversation) -> None:
    """The bot answered: the idle clock starts again."""
    now = utcnow()
    conv.updated_at = now
    conv.expires_at = now + timedelta(minutes=int(settings.get("bot_idle_minutes")))


def hand_to_agent(conv: BotConversation, ticket: Ticket) -> None:
    """From now on an agent answers on `ticket`; the bot stays quiet."""
    restart(conv)
    conv.owner, conv.ticket, conv.ticket_id = BotOwner.AGENT, ticket, ticket.id
    conv.updated_at, conv.expires_at = utcnow(), None


def hand_back(conv: BotConversation, at: datetime | None = None) -> None:
    """The bot answers again, from the menu; the hand-off ticket stays as the record."""
    restart(conv, at)
    conv.owner = BotOwner.BOT
    conv.updated_at, conv.expires_at = utcnow(), None


def for_ticket(ticket: Ticket) -> BotConversation | None:
    """The conversation handed off on this ticket, if any."""
    return db.session.scalar(sa.select(BotConversation)
                             .where(BotConversation.ticket_id == ticket.id).limit(1))
