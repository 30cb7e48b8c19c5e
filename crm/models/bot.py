"""The chat bot's memory: one conversation per (channel, customer)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Model, StrEnum, UTCDateTime, enum_column, utcnow
from crm.models.csat import CsatScore
from crm.models.tickets import JSON, Ticket


class BotOwner(StrEnum):
    BOT = "bot"          # the bot answers
    AGENT = "agent"      # handed off: the bot stays quiet until the agent hands it back


class BotConversation(Model):
    """Where the bot is with one customer on one chat channel (trợ lý tự động).

    Kept in the database, not in a worker's memory, so it survives restarts and every web
    worker sees the same state; `crm.bot.state` reads it under a row lock, and the unique
    (channel, customer) pair means two quick messages never fork it.
    """

    __tablename__ = "bot_conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(16))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"))
    #: the chat address the bot answers (Zalo user id, Telegram chat id)
    address: Mapped[str] = mapped_column(sa.String(254))
    flow: Mapped[str | None] = mapped_column(sa.String(32))      #: None: at the menu
    step: Mapped[str | None] = mapped_column(sa.String(32))
    data: Mapped[dict] = mapped_column(JSON, default=dict)       #: what the flow collected
    misses: Mapped[int] = mapped_column(default=0)               #: answers not understood in a row
    #: the buttons of the bot's last prompt as [label, data] pairs: a typed "2" or a typed
    #: label picks one (Zalo lists more than five buttons as numbered lines)
    choices: Mapped[list] = mapped_column(JSON, default=list)
    owner: Mapped[BotOwner] = enum_column(BotOwner, default=BotOwner.BOT)
    #: the ticket of the last hand-off (its thread holds the transcript)
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)   #: this session
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: idle past this, the bot starts again at the menu (not while an agent owns it)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("channel", "customer_id", name="uq_bot_conversations_channel"),
        sa.Index("ix_bot_conversations_customer", "customer_id"),
    )


#: The bot's ratings live in the one CSAT store (`crm.models.csat`); the old name stays.
BotRating = CsatScore
