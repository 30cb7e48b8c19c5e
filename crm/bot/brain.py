"""The bot brain: one conversation engine for the chat channels (Zalo, Telegram).

It runs as two ingest steps. `run_brain`, before `open_ticket`, reads the conversation
state under a row lock (`crm.bot.state`), decides what the customer's message means and
what to answer, and whether the message joins a ticket: while the bot handles the
conversation, messages stay on the customer (no inquiry per message), except where a
flow opens a ticket (an outage, a new connection, a hand-off), whose thread they then
join. `send_replies`, after `store`, queues the answers as outbound Messages (with their
buttons in `meta`), only for a newly stored message, so a redelivered update is answered
once, and the transcript shows both sides in order.

What a message means, in this order: "talk to an agent" (the button, "nhân viên",
"agent", "0") at any step; "menu"; a menu button; the answer to the current flow step;
at the menu, an SMS keyword command (`crm.bot.keywords`, the same registry: with its
arguments it answers at once, bare it starts the flow that asks for them), a ticket code,
a phrase of a flow. Anything else is not understood: the menu again, and the second time
an agent takes over, so the bot never loops. While an agent owns the conversation the
brain does nothing; agents who open or answer a chat ticket of the customer take it over too.
"""
from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale, gettext as _

from crm.bot import answers, handoff, keywords, state
from crm.bot.flows import FLOWS, by_keyword, by_phrase
from crm.bot.turn import Turn, button, choice_of, nav_row, rows
from crm.extensions import db
from crm.inbox import ingest
from crm.inbox.ingest import IngestContext
from crm.inbox.services import queue_outbound
from crm.models import (BotConversation, BotOwner, Channel, Direction, Message, Ticket,
                        utcnow)
from crm.tickets import services as tickets

log = logging.getLogger(__name__)

BOT_CHANNELS = {"zalo", "telegram"}
#: Messages not understood in a row at the menu, and answers refused at one step, before
#: an agent takes over.
MENU_MISSES, STEP_MISSES = 2, 3
#: Folded words that ask for a person, alone or inside a message.
AGENT_WORDS = {"0", "agent", "human", "nhan vien", "gap nhan vien", "tong dai vien"}
AGENT_PHRASES = ("nhan vien", "tong dai vien", "tu van vien", "nguoi that")
#: A message sent longer ago than this (a backlog the provider delivers after our webhook
#: was down, a replay, an import) goes to the inbox unanswered: a menu hours late confuses.
STALE_AFTER = timedelta(hours=1)
MENU_WORDS = {"menu", "/start", "start", "bat dau", "quay lai", "huy", "thoat", "xin chao",
              "chao", "hello", "hi"}


def run_brain(ctx: IngestContext) -> None:
    """Ingest step: answer a chat message (queued by `send_replies`) and place it.

    A failing flow is logged and undone; the message then goes to the inbox like any other.
    """
    if ctx.inbound.channel not in BOT_CHANNELS or ctx.customer is None:
        return
    if ctx.skipped == "csat":                      # a survey answer (crm.csat.replies)
        return
    if ctx.inbound.kind == "event" and ctx.inbound.meta.get("event") != "follow":
        return
    if utcnow() - ctx.inbound.received_at > STALE_AFTER:
        return
    found = ctx.ticket
    conv = state.claim(ctx.inbound.channel, ctx.customer, ctx.inbound.sender.address,
                       ctx.inbound.received_at)
    if conv.owner == BotOwner.AGENT:
        ctx.ticket = conv.ticket if conv.ticket is not None else found
        return
    if found is not None and agents_at_work(found, conv):
        state.hand_to_agent(conv, found)
        return
    turn, skipped = Turn(ctx, conv, found), ctx.skipped
    ctx.ticket = None
    try:
        with db.session.begin_nested(), force_locale("vi"):
            handle(turn)
            finish(turn)
    except Exception:  # a bot answer is a bonus; the customer's message must not be lost
        log.exception("bot brain failed on %s", ctx.inbound.external_id)
        ctx.ticket, ctx.skipped = found, skipped
        return
    if ctx.ticket is None:
        ctx.skipped = ctx.skipped or "bot"
    ctx.bot_turn = turn


def handle(turn: Turn) -> None:
    """Understand the message and answer it (replies collect on the turn)."""
    conv = turn.conv
    if turn.kind == "event":                       # a new follower: greet with the menu
        state.restart(conv)
        show_menu(turn, _welcome(turn))
        return
    flow = FLOWS.get(conv.flow) if conv.flow else None
    turn.payload = _payload(turn, flow)
    if turn.payload == "menu:agent" or asks_for_agent(turn.folded):
        handoff.hand_off(turn, "asked")
    elif turn.payload == "menu:home" or turn.folded in MENU_WORDS or turn.folded == "/menu":
        state.go(conv, None)
        show_menu(turn, _welcome(turn) if not conv.choices else None)
    elif (picked := FLOWS.get(turn.value("menu") or "")) is not None:
        picked.start(turn)
    elif flow is not None and conv.step in flow.steps:
        understood = flow.steps[conv.step](turn)
        if not understood:
            missed(turn, STEP_MISSES)
    else:
        at_menu(turn)


def at_menu(turn: Turn) -> None:
    """No flow going on: a keyword command, a ticket code, a flow's phrase, or the menu."""
    command = keywords.match(turn.text) if turn.text else None
    if command is not None and command[0].name == "help":
        show_menu(turn)
    elif command is not None:
        cmd, args = command
        flow = by_keyword(cmd.name)
        if args or flow is None:
            state.go(turn.conv, None)
            turn.say(" ".join(cmd.run(turn.ctx, args)))      # the SMS command's own answer
        else:
            flow.start(turn)
    elif (code := answers.find_code(turn.text)) and (status := answers.ticket_status(code)):
        state.go(turn.conv, None)
        turn.say(status.sentence())
    elif (flow := by_phrase(turn.folded)) is not None:
        flow.start(turn)
    elif not turn.conv.choices:                    # the first word of a session: hello
        show_menu(turn, _welcome(turn))
    else:
        missed(turn, MENU_MISSES, sorry=True)


def missed(turn: Turn, limit: int, *, sorry: bool = False) -> None:
    """One more answer not understood; at `limit` in a row an agent takes over."""
    turn.conv.misses = (turn.conv.misses or 0) + 1
    if turn.conv.misses >= limit:
        turn.replies.clear()
        handoff.hand_off(turn, "not_understood")
    elif sorry:
        show_menu(turn, _("Xin lỗi, tôi chưa hiểu ý anh/chị. Vui lòng chọn một mục bên dưới, "
                          "hoặc chọn \"Gặp nhân viên\" để trò chuyện với nhân viên."))


def finish(turn: Turn) -> None:
    """Remember the buttons just offered (but the menu/agent row: "menu" and "0" are typed
    as words, and a typed "11" stays a score) and restart the idle clock."""
    with_buttons = [r for r in turn.replies if r.buttons]
    offered = with_buttons[-1].buttons if with_buttons else []
    state.remember_choices(turn.conv, [row for row in offered if row != nav_row()])
    if turn.conv.owner == BotOwner.BOT:
        state.touch(turn.conv)


def show_menu(turn: Turn, text: str | None = None) -> None:
    turn.say(text or _("Anh/chị cần hỗ trợ gì? Vui lòng chọn bên dưới."), menu_buttons(),
             nav=False)


def menu_buttons() -> list[list[dict]]:
    """Every registered flow, two to a row, then "talk to an agent"."""
    entries = [button(flow.label, f"menu:{name}") for name, flow in FLOWS.items()]
    return rows(entries + [button(_("Gặp nhân viên"), "menu:agent")], per_row=2)


def asks_for_agent(folded: str) -> bool:
    return folded in AGENT_WORDS or any(f" {p} " in f" {folded} " for p in AGENT_PHRASES)


def agents_at_work(ticket: Ticket, conv: BotConversation) -> bool:
    """Agents took this open chat ticket up (opened it, or replied on it) after the bot last
    spoke on the channel: the customer is talking to them, and they take the chat over."""
    if not ticket.is_open:
        return False
    spoke = db.session.scalar(
        sa.select(sa.func.max(Message.created_at)).where(
            Message.customer_id == conv.customer_id, Message.channel == Channel(conv.channel),
            Message.direction == Direction.OUTBOUND, Message.meta["event"].as_string() == "bot"))
    if ticket.created_by_id is not None and (spoke is None or ticket.created_at > spoke):
        return True
    replied = [Message.ticket_id == ticket.id, Message.direction == Direction.OUTBOUND,
               Message.author_id.is_not(None)]
    if spoke is not None:
        replied.append(Message.created_at > spoke)
    return bool(db.session.scalar(sa.select(sa.exists().where(*replied))))


def _payload(turn: Turn, flow) -> str:
    """A tapped button's data; at the menu and at choice steps, a typed number or label too."""
    if turn.kind == "postback":
        return str(turn.meta.get("payload") or "")
    if turn.text and (flow is None or turn.conv.step in flow.choice_steps):
        return choice_of(turn.conv, turn.text) or ""
    return ""


def _welcome(turn: Turn) -> str:
    return _("Xin chào! Tôi là trợ lý tự động của Chăm sóc khách hàng Điện lực. Anh/chị cần "
             "hỗ trợ gì? Vui lòng chọn bên dưới, hoặc chọn \"Gặp nhân viên\" bất cứ lúc nào.")


def send_replies(ctx: IngestContext) -> None:
    """Ingest step after `store`: queue the bot's answers to a newly stored message."""
    turn = ctx.bot_turn
    if turn is None or not turn.replies or ctx.message is None or ctx.duplicate:
        return
    for reply in turn.replies:
        queue_outbound(ctx.customer, reply.text, channel=Channel(ctx.inbound.channel),
                       ticket=ctx.ticket, address=ctx.message.address, meta=reply.meta())
    if ctx.ticket is not None:
        tickets.touch(ctx.ticket)


def _plug_in() -> None:
    """The brain runs before `open_ticket`, its answers after `store`."""
    steps = ingest.STEPS
    if run_brain not in steps:
        steps.insert(steps.index(ingest.open_ticket), run_brain)
    if send_replies not in steps:
        steps.insert(steps.index(ingest.store) + 1, send_replies)


_plug_in()
