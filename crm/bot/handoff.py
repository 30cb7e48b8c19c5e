"""Gặp nhân viên (hand-off): the conversation goes to an agent in the inbox, and comes back.

Handing off opens an inquiry ticket on the chat channel (or reuses the customer's open
ticket there), moves the session's ticketless messages onto it, so the agent reads the
whole bot transcript in the thread, and makes the agent the owner: the bot then stays
quiet and the customer's messages join that ticket. An agent's reply goes out through
the normal reply path. The bot takes over again when someone with the ticket presses
"Trả lại cho trợ lý tự động", or by itself once the ticket is resolved or closed.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale, gettext as _

from crm.bot import state
from crm.bot.turn import Reply, Turn
from crm.core import audit
from crm.extensions import db
from crm.inbox.services import queue_outbound
from crm.models import (BotConversation, Channel, Customer, Direction, Message, Ticket, User,
                        utcnow)
from crm.tickets import services as tickets
from workflows.sla import store


def hand_off(turn: Turn, reason: str) -> Ticket:
    """Give the conversation to an agent on a ticket; the customer is told. Flushes."""
    ticket = turn.found if turn.found is not None and turn.found.is_open else None
    if ticket is None:
        ticket = tickets.create_ticket(
            customer=turn.customer, type="inquiry", channel=turn.channel,
            subject=_("Khách hàng cần gặp nhân viên (trợ lý tự động)"),
            description=_latest_text(turn), actor_label="bot")
    moved = move_transcript(turn.conv, ticket)
    state.hand_to_agent(turn.conv, ticket)
    turn.keep_on(ticket)
    audit.record("ticket", ticket.id, "bot_handoff", {"reason": [None, reason],
                                                      "messages": [None, moved]},
                 ticket_id=ticket.id, actor_label="bot")
    text = _("Đã chuyển cuộc trò chuyện cho nhân viên chăm sóc khách hàng (mã %(code)s). "
             "Nhân viên sẽ trả lời anh/chị tại đây.", code=ticket.code)
    if not in_office_hours():
        text += " " + _("Hiện đang ngoài giờ làm việc (%(hours)s, các ngày làm việc); nhân "
                        "viên sẽ trả lời trong giờ làm việc tiếp theo.", hours=office_hours_text())
    turn.say(text, nav=False)
    return ticket


def move_transcript(conv: BotConversation, ticket: Ticket) -> int:
    """The session's ticketless messages on this channel join the ticket; how many moved."""
    moved = db.session.execute(
        sa.update(Message).where(Message.customer_id == conv.customer_id,
                                 Message.channel == Channel(conv.channel),
                                 Message.ticket_id.is_(None),
                                 Message.created_at >= conv.started_at)
        .values(ticket_id=ticket.id).execution_options(synchronize_session=False))
    tickets.touch(ticket)
    return moved.rowcount or 0


def give_back(conv: BotConversation, *, actor: User | None) -> Message | None:
    """The bot answers this customer again; they get the menu on the ticket's thread."""
    from crm.bot.brain import menu_buttons          # the menu lists every registered flow

    ticket = conv.ticket
    state.hand_back(conv)
    if ticket is None:
        return None
    audit.record("ticket", ticket.id, "bot_handback", {"owner": ["agent", "bot"]},
                 ticket_id=ticket.id, actor=actor)
    with force_locale("vi"):
        reply = Reply(_("Trợ lý tự động tiếp tục hỗ trợ anh/chị. Anh/chị cần gì, vui lòng "
                        "chọn bên dưới."), menu_buttons())
    message = queue_outbound(db.session.get(Customer, conv.customer_id), reply.text,
                             channel=Channel(conv.channel), ticket=ticket, address=conv.address,
                             meta=reply.meta())
    state.remember_choices(conv, reply.buttons)
    tickets.touch(ticket)
    return message


def in_office_hours(at: datetime | None = None) -> bool:
    """True during office hours of a working day (the SLA calendar's, Vietnam time)."""
    calendar = store.load_calendar()
    wall = calendar.local(at or utcnow())
    return calendar.is_working_day(wall.date()) and any(
        start <= wall.time() < end for start, end in calendar.office_hours.slots)


def office_hours_text() -> str:
    """"08:00–12:00, 13:00–17:00"."""
    return ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in store.office_hours().slots)


def _latest_text(turn: Turn) -> str | None:
    """What the customer last wrote in this session (the inquiry's description)."""
    return db.session.scalar(
        sa.select(Message.body).where(Message.customer_id == turn.customer.id,
                                      Message.channel == Channel(turn.channel),
                                      Message.direction == Direction.INBOUND,
                                      Message.created_at >= turn.conv.started_at,
                                      Message.body != "")
        .order_by(Message.id.desc()).limit(1)) or (turn.text or None)

