"""Hand-off to an agent and back: the transcript moves onto an inbox ticket, the bot keeps
quiet while an agent owns the chat, and answers again once it is handed back."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from crm.bot import handoff
from crm.inbox.services import reply
from crm.models import BotOwner, Direction, Message, Status, Ticket
from crm.tickets import services as ticket_services
from tests.support.bot import Chat, data_of


@pytest.fixture
def chat(db_session):
    return Chat(db_session)


@pytest.fixture(autouse=True)
def office_open(monkeypatch):
    monkeypatch.setattr(handoff, "in_office_hours", lambda at=None: True)


def thread(session, ticket):
    return session.scalars(sa.select(Message).where(Message.ticket_id == ticket.id)
                           .order_by(Message.id)).all()


def test_free_text_not_understood_twice_goes_to_an_agent_with_the_transcript(chat, db_session):
    chat.say("alo")                                           # hello: the menu
    [sorry] = chat.say("hôm qua tôi gửi đơn rồi")
    assert sorry.body.startswith("Xin lỗi, tôi chưa hiểu") and "menu:agent" in data_of(sorry)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0
    [told] = chat.say("sao chưa ai xử lý")
    ticket = db_session.scalar(sa.select(Ticket))
    assert ticket.type == "inquiry" and ticket.channel == "telegram"
    assert ticket.description == "hôm qua tôi gửi đơn rồi"
    assert told.body.startswith(f"Đã chuyển cuộc trò chuyện cho nhân viên chăm sóc khách hàng "
                                f"(mã {ticket.code}).")
    assert "ngoài giờ" not in told.body and not told.meta.get("buttons")
    bodies = [(m.direction, m.body[:12]) for m in thread(db_session, ticket)]
    assert bodies == [(Direction.INBOUND, "alo"), (Direction.OUTBOUND, "Xin chào! Tô"),
                      (Direction.INBOUND, "hôm qua tôi "), (Direction.OUTBOUND, "Xin lỗi, tôi"),
                      (Direction.INBOUND, "sao chưa ai "), (Direction.OUTBOUND, "Đã chuyển cu")]
    conv = chat.conversation()
    assert conv.owner == BotOwner.AGENT and conv.ticket_id == ticket.id


@pytest.mark.parametrize("words", ["Gặp nhân viên", "cho tôi gặp nhân viên", "0", "agent"])
def test_asking_for_a_person_at_any_step_hands_off(chat, db_session, words):
    chat.tap("menu:connection")
    chat.say("Lê Thị Hoa")
    [told] = chat.say(words)
    ticket = db_session.scalar(sa.select(Ticket))
    assert ticket.code in told.body and chat.conversation().owner == BotOwner.AGENT
    assert chat.conversation().flow is None


def test_the_button_hands_off_and_says_when_the_office_is_closed(chat, db_session, monkeypatch):
    monkeypatch.setattr(handoff, "in_office_hours", lambda at=None: False)
    [told] = chat.tap("menu:agent", "Gặp nhân viên")
    assert "Hiện đang ngoài giờ làm việc (08:00–12:00, 13:00–17:00" in told.body


def test_while_an_agent_owns_the_chat_the_bot_is_quiet(chat, db_session, make):
    chat.tap("menu:agent")
    ticket = db_session.scalar(sa.select(Ticket))
    assert chat.say("Mất điện rồi") == []
    assert chat.tap("menu:outage") == []
    assert chat.ctx.message.ticket_id == ticket.id
    agent = make.user()
    answer = reply(ticket, "Chào chị, em kiểm tra ngay.", actor=agent)
    assert (answer.channel, answer.address) == ("telegram", chat.address)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1


def test_handing_back_sends_the_menu_and_the_bot_answers_again(chat, db_session, make):
    chat.tap("menu:agent")
    ticket = db_session.scalar(sa.select(Ticket))
    conv = chat.conversation()
    handoff.give_back(conv, actor=make.user())
    [menu] = chat.replies()
    assert menu.ticket_id == ticket.id and "menu:outage" in data_of(menu)
    assert conv.owner == BotOwner.BOT
    [answer] = chat.say("1")                                  # "Báo mất điện", typed
    assert "mã khách hàng" in answer.body and chat.ctx.message.ticket_id is None


def test_resolving_the_ticket_gives_the_chat_back_to_the_bot(chat, db_session, make):
    chat.tap("menu:agent")
    ticket = db_session.scalar(sa.select(Ticket))
    ticket_services.change_status(ticket, Status.RESOLVED, actor=make.user(),
                                  result="Đã hướng dẫn khách hàng")
    [menu] = chat.say("cảm ơn")
    assert "menu:outage" in data_of(menu) and chat.conversation().owner == BotOwner.BOT
    assert chat.ctx.message.ticket_id is None


def test_an_agents_reply_on_the_open_chat_ticket_takes_the_conversation(chat, db_session, make):
    chat.say("Xin chào")
    customer = chat.customer
    ticket = ticket_services.create_ticket(customer=customer, type="inquiry",
                                           channel="telegram", subject="Hỏi hóa đơn")
    reply(ticket, "Chị cần hỗ trợ gì về hóa đơn ạ?", actor=make.user())
    assert chat.replies()[0].author_id is not None
    assert chat.say("Hóa đơn tháng này cao quá") == []
    assert chat.ctx.message.ticket_id == ticket.id
    assert chat.conversation().owner == BotOwner.AGENT


def test_a_chat_ticket_an_agent_opened_gets_the_customers_next_message(chat, db_session, make):
    customer = make.customer()
    chat.known_as(customer)
    ticket = ticket_services.create_ticket(customer=customer, type="meter_inspection",
                                           subtype="check", channel="telegram",
                                           subject="Kiểm tra công tơ", actor=make.user())
    assert chat.say("Khi nào điện lực đến kiểm tra ạ?") == []
    assert chat.ctx.message.ticket_id == ticket.id
    assert chat.conversation().owner == BotOwner.AGENT
