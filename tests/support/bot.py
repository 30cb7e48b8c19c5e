"""A customer chatting with the bot through `crm.inbox.ingest.ingest`, as the adapters do.

`chat.say("...")` / `chat.tap("menu:outage")` ingest one message (a new provider id each
time, or the one given for a redelivery) and return the bot's replies to it: the outbound
Messages queued since the last call, with their text and meta buttons.
"""
from __future__ import annotations

from itertools import count

import sqlalchemy as sa

from channels.base import ContactRef, InboundMessage
from crm.inbox.ingest import IngestContext, ingest
from crm.models import (BotConversation, ContactKind, ContactPoint, Customer, Direction,
                        Message, utcnow)

_ids = count(1)


class Chat:
    def __init__(self, session, channel: str = "telegram", address: str = "700100200",
                 name: str = "Lan Nguyễn"):
        self.session, self.channel, self.address, self.name = session, channel, address, name
        self.seen = 0
        self.ctx: IngestContext | None = None
        self.customer: Customer | None = None

    def known_as(self, customer: Customer) -> "Chat":
        """The chat id belongs to this (known) customer."""
        customer.contact_points.append(ContactPoint(kind=ContactKind(self.kind),
                                                    value=self.address))
        self.session.flush()
        return self

    def send(self, text: str = "", *, kind: str = "text", meta: dict | None = None,
             external_id: str | None = None) -> list[Message]:
        self.ctx = ingest(InboundMessage(
            channel=self.channel, external_id=external_id or f"bot-test-{next(_ids)}",
            sender=ContactRef(self.kind, self.address, self.name), received_at=utcnow(),
            text=text, thread_hint=text or None, kind=kind, meta=meta or {}))
        if not self.ctx.duplicate:
            self.customer = self.ctx.customer
        return self.replies()

    @property
    def kind(self) -> str:
        return "phone" if self.channel == "sms" else self.channel

    def say(self, text: str, **kw) -> list[Message]:
        return self.send(text, **kw)

    def tap(self, data: str, label: str | None = None, **kw) -> list[Message]:
        return self.send(label or data, kind="postback", meta={"payload": data}, **kw)

    def replies(self) -> list[Message]:
        """The bot's messages to this chat queued since the last look."""
        found = self.session.scalars(
            sa.select(Message).where(Message.direction == Direction.OUTBOUND,
                                     Message.address == self.address,
                                     Message.id > self.seen).order_by(Message.id)).all()
        if found:
            self.seen = found[-1].id
        return found

    def conversation(self) -> BotConversation | None:
        return self.session.scalar(sa.select(BotConversation).where(
            BotConversation.channel == self.channel,
            BotConversation.customer_id == self.customer.id))


def data_of(message: Message) -> list[str]:
    """The data of every button of a reply, in order."""
    return [b["data"] for row in (message.meta or {}).get("buttons", []) for b in row]


def labels_of(message: Message) -> list[str]:
    return [b["text"] for row in (message.meta or {}).get("buttons", []) for b in row]
