"""One turn of a bot conversation: the customer's message in, the bot's replies out.

A flow reads what the customer sent (`text`, `payload`, `kind`, `meta`) and answers with
`say`; the brain queues the replies as outbound Messages once the customer's message is
stored, so the transcript shows both sides in order.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from crm.core.text import fold
from crm.inbox.ingest import IngestContext
from crm.models import BotConversation, Customer, Ticket

#: Buttons per row and rows per message, as the bot contract allows them.
ROW, ROWS = 3, 8


@dataclass
class Reply:
    text: str
    buttons: list[list[dict]] = field(default_factory=list)
    request_contact: str | None = None

    def meta(self) -> dict:
        """The outbound Message's meta, read by the adapters (buttons, contact request)."""
        meta: dict = {"event": "bot"}
        if self.buttons:
            meta["buttons"] = self.buttons
        if self.request_contact:
            meta["request_contact"] = self.request_contact
        return meta


def button(text: str, data: str) -> dict:
    return {"text": str(text)[:64], "data": data}


def rows(buttons: list[dict], per_row: int = 2) -> list[list[dict]]:
    """Buttons laid out `per_row` to a row (at most ROW)."""
    per_row = min(per_row, ROW)
    return [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]


def nav_row() -> list[dict]:
    """Under every answer: back to the menu, or a person."""
    return [button(_("Menu chính"), "menu:home"), button(_("Gặp nhân viên"), "menu:agent")]


@dataclass
class Turn:
    ctx: IngestContext
    conv: BotConversation
    #: the open ticket ingest found for this channel (the bot decides if the message joins it)
    found: Ticket | None = None
    payload: str = ""                     #: a tapped button's data, or a typed choice's
    replies: list[Reply] = field(default_factory=list)

    @property
    def customer(self) -> Customer:
        return self.ctx.customer

    @property
    def channel(self) -> str:
        return self.ctx.inbound.channel

    @property
    def kind(self) -> str:
        return self.ctx.inbound.kind

    @property
    def meta(self) -> dict:
        return dict(self.ctx.inbound.meta or {})

    @property
    def text(self) -> str:
        """What the customer typed (empty for a tapped button, a photo, a sticker...)."""
        return (self.ctx.inbound.text or "").strip() if self.kind == "text" else ""

    @property
    def folded(self) -> str:
        return " ".join(fold(self.text).split())

    def value(self, prefix: str) -> str | None:
        """The rest of a payload "prefix:rest", or None."""
        head, sep, rest = self.payload.partition(":")
        return rest if sep and head == prefix else None

    def say(self, text: str, buttons: list[list[dict]] | None = None, *, nav: bool = True,
            request_contact: str | None = None) -> None:
        """Answer with `text`, the buttons given and (unless nav=False) the menu/agent row."""
        layout = [row for row in (buttons or []) if row] + ([nav_row()] if nav else [])
        self.replies.append(Reply(text, layout[:ROWS], request_contact))

    def keep_on(self, ticket: Ticket) -> None:
        """This message (and the bot's answer) belong on `ticket`'s thread."""
        self.ctx.ticket = ticket


def choice_of(conv: BotConversation, typed: str) -> str | None:
    """The data of the button the customer typed: its number ("2") or its label."""
    choices = conv.choices or []
    wanted = " ".join(fold(typed).split()).rstrip(".")
    if wanted.isdigit() and 1 <= int(wanted) <= len(choices):
        return choices[int(wanted) - 1][1]
    return next((data for label, data in choices if " ".join(fold(label).split()) == wanted),
                None) if wanted else None
