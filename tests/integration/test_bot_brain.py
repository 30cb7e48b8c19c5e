"""Whole bot conversations through ingest: the menu, outages, ticket status, the look-ups,
rating, redelivery and state kept in the database."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from crm.billing import queries as billing
from crm.consumption import schedule
from crm.core.timefmt import fmt_time
from crm.extensions import db
from crm.incidents import services as incidents
from crm.models import (BotConversation, BotOwner, BotRating, Incident, Message, Status, Ticket,
                        utcnow)
from crm.tickets import services as ticket_services
from tests.support.bot import Chat, data_of, labels_of
from tests.support.planned_outages import at, day, outage, world
from tests.support.tariffs import ensure_seeded


@pytest.fixture
def chat(db_session):
    return Chat(db_session)


def tickets(session):
    return session.scalars(sa.select(Ticket).order_by(Ticket.id)).all()


def test_a_greeting_gets_the_menu_and_opens_no_ticket(chat, db_session):
    [reply] = chat.say("Xin chào")
    assert reply.body.startswith("Xin chào! Tôi là trợ lý tự động")
    assert data_of(reply) == ["menu:outage", "menu:status", "menu:connection", "menu:planned",
                              "menu:reading", "menu:bill", "menu:rate", "menu:agent"]
    assert labels_of(reply)[:2] == ["Báo mất điện", "Tra cứu yêu cầu"]
    assert all(len(row) <= 3 for row in reply.meta["buttons"]) and len(reply.meta["buttons"]) <= 8
    assert reply.ticket_id is None and reply.meta["event"] == "bot"
    assert chat.ctx.message.ticket_id is None and tickets(db_session) == []


def test_outage_with_no_known_incident_opens_an_outage_ticket(chat, db_session, make):
    customer = make.customer(name="Trần Thị Bình", address="45 Hùng Vương")
    chat.known_as(customer)
    [ask] = chat.tap("menu:outage", "Báo mất điện")
    assert "mã khách hàng" in ask.body and "outage:mine" in data_of(ask)
    assert "45 Hùng Vương" in labels_of(ask)[0]
    [answer] = chat.tap("outage:mine")
    [ticket] = tickets(db_session)
    assert ticket.type == "outage" and ticket.customer_id == customer.id
    assert ticket.channel == "telegram"
    assert answer.body.startswith(f"Đã tiếp nhận phản ánh mất điện, mã yêu cầu {ticket.code}.")
    assert answer.ticket_id == ticket.id and chat.ctx.message.ticket_id == ticket.id
    assert chat.conversation().flow is None


def test_outage_by_customer_code_tells_the_known_incident_then_records_on_request(
        chat, db_session, make):
    ward = make.ward(name="Phường Hòa Cường Bắc")
    first = ticket_services.create_ticket(customer=make.customer(ward=ward), type="outage",
                                          channel="hotline", subject="Mất điện")
    incident = db_session.get(Incident, first.incident_id)
    expected = utcnow() + timedelta(hours=2)
    incidents.set_expected_restore(incident, expected, None)
    neighbour = make.customer(ward=ward, code="PC05AA0000042")
    chat.say("Xin chào")
    chat.tap("menu:outage")
    [told] = chat.say("Mã KH PC05AA0000042")
    assert "Đã ghi nhận sự cố mất điện tại Phường Hòa Cường Bắc" in told.body
    assert fmt_time(incident.expected_restore_at) in told.body
    assert "outage:report" in data_of(told)
    assert len(tickets(db_session)) == 1 and chat.ctx.message.ticket_id is None
    [recorded] = chat.say("1")                     # the first button, typed
    report = tickets(db_session)[-1]
    assert report.customer_id == neighbour.id and report.incident_id == incident.id
    assert recorded.ticket_id == report.id and report.code in recorded.body


def test_outage_by_address_places_the_report_in_the_named_ward(chat, db_session, make):
    ward = make.ward(name="Phường Thạch Thang")
    chat.tap("menu:outage")
    chat.say("12 Lê Duẩn, phường Thạch Thang")
    [ticket] = tickets(db_session)
    assert ticket.ward_id == ward.id and "12 Lê Duẩn" in ticket.description


def test_an_unknown_customer_code_is_asked_again(chat, db_session):
    chat.tap("menu:outage")
    [again] = chat.say("PC05ZZ9999999")
    assert "Không tìm thấy khách hàng mã PC05ZZ9999999" in again.body
    assert tickets(db_session) == [] and chat.conversation().step == "where"


def test_status_by_code_typed_or_tapped(chat, db_session, make):
    customer = make.customer()
    chat.known_as(customer)
    mine = make.ticket(customer=customer, subject="Lắp công tơ")
    [ask] = chat.tap("menu:status")
    assert f"ticket:{mine.code}" in data_of(ask)
    [answer] = chat.tap(f"ticket:{mine.code}")
    assert answer.body.startswith(f"Yêu cầu {mine.code} (")
    other = make.ticket(subject="Của người khác")
    [answer] = chat.say(f"tra cứu {other.code.lower()}")     # the SMS keyword, with diacritics
    assert answer.body.startswith(f"Yêu cầu {other.code} (")
    [answer] = chat.say(other.code)                          # a bare code
    assert other.code in answer.body
    assert chat.ctx.message.ticket_id is None and len(tickets(db_session)) == 2


def test_status_of_an_unknown_code_asks_again(chat, db_session):
    chat.tap("menu:status")
    [again] = chat.say("YC2611-999999")
    assert again.body == "Không tìm thấy yêu cầu YC2611-999999. Vui lòng kiểm tra lại mã."
    assert chat.conversation().flow == "status"


def test_planned_outages_of_a_known_customers_area(chat, db_session, make):
    w = world(make)
    chat.known_as(make.customer(ward=w.ward))
    outage(db_session, w.district, wards=[w.ward], start=at(2, 8), end=at(2, 16),
           reason="Bảo dưỡng đường dây 22kV")
    [answer] = chat.tap("menu:planned")
    assert answer.body == (f"Lịch tạm ngừng cấp điện: 08:00–16:00 ngày {day(2):%d/%m/%Y} tại "
                           f"Phường Hải Châu, lý do: Bảo dưỡng đường dây 22kV.")
    assert data_of(answer) == ["menu:home", "menu:agent"]


def test_reading_date_asks_an_unknown_sender_for_the_customer_code(chat, db_session, make):
    customer = make.customer(code="PC05AA0000007")
    today = datetime.now(timezone(timedelta(hours=7))).date()
    schedule.set_reading_day(today.day, customer=customer)
    [ask] = chat.say("Ngày ghi chỉ số")
    assert "mã khách hàng" in ask.body
    [bad] = chat.say("không biết")
    assert "PC05AA0000001" in bad.body
    [answer] = chat.say("PC05AA0000007")
    assert answer.body == f"Ngày ghi chỉ số công tơ kỳ tới: {today:%d/%m/%Y}."


def test_bill_estimate_from_the_menu(chat, db_session, monkeypatch):
    ensure_seeded(db_session)
    monkeypatch.setattr(billing, "today", lambda: date(2025, 10, 31))
    chat.tap("menu:bill")
    [again] = chat.say("khoảng ba trăm")
    assert "số nguyên" in again.body
    [answer] = chat.say("350")
    assert answer.body == "Tiền điện ước tính cho 350 kWh: 979.560 đ (gồm 72.560 đ thuế GTGT 8%)."
    [answer] = chat.say("TIENDIEN 350 2")                  # the SMS keyword with its numbers
    assert "(2 hộ dùng chung)" in answer.body


def test_rating_the_last_resolved_ticket(chat, db_session, make):
    customer = make.customer()
    chat.known_as(customer)
    done = make.ticket(customer=customer, status=Status.RESOLVED, result="Đã xử lý",
                       resolved_at=utcnow() - timedelta(days=1))
    [ask] = chat.tap("menu:rate")
    assert done.code in ask.body and data_of(ask)[:10] == [f"rate:{n}" for n in range(1, 11)]
    [again] = chat.say("11")
    assert again.body == "Vui lòng chọn một điểm từ 1 đến 10."
    [thanks] = chat.say("9")
    assert thanks.body == f"Cảm ơn anh/chị đã đánh giá 9/10 cho yêu cầu {done.code}."
    rating = db_session.scalar(sa.select(BotRating))
    assert (rating.ticket_id, rating.score, rating.channel) == (done.id, 9, "telegram")
    chat.tap("menu:rate")
    chat.tap("rate:7")
    assert db_session.scalar(sa.select(BotRating.score)) == 7       # replaced, not added


def test_rating_without_a_resolved_ticket_says_so(chat):
    [answer] = chat.tap("menu:rate")
    assert answer.body == "Anh/chị chưa có yêu cầu nào đã hoàn thành để đánh giá."


def test_a_redelivered_message_is_answered_once(chat, db_session):
    chat.say("Xin chào", external_id="tg-5001")
    assert chat.say("Xin chào", external_id="tg-5001") == []
    chat.tap("menu:outage", external_id="tg-5002")
    assert chat.tap("menu:outage", external_id="tg-5002") == []
    assert chat.conversation().step == "where"
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Message)) == 4


def test_the_state_lives_in_the_database(chat, db_session):
    chat.tap("menu:connection")
    chat.say("Nguyễn Văn Minh")
    db_session.expunge_all()                       # as if another worker took the next message
    conv = db_session.scalar(sa.select(BotConversation))
    assert (conv.flow, conv.step, conv.data["name"]) == ("connection", "phone",
                                                         "Nguyễn Văn Minh")
    [ask] = chat.say("0905 123 456")
    assert ask.body.startswith("Bước 3/5")


def test_an_idle_conversation_starts_again_at_the_menu(chat, db_session):
    chat.tap("menu:status")
    conv = chat.conversation()
    conv.expires_at = utcnow() - timedelta(minutes=1)
    db_session.flush()
    [reply] = chat.say("mấy giờ có điện")
    assert reply.body.startswith("Xin chào!")              # not "that is no ticket code"
    assert chat.conversation().flow is None


def test_a_failing_flow_leaves_the_message_to_the_inbox(chat, db_session, monkeypatch):
    from crm.bot.flows import FLOWS

    def broken(turn):
        raise RuntimeError("boom")
    monkeypatch.setitem(FLOWS["status"].steps, "code", broken)
    chat.tap("menu:status")
    assert chat.say("YC2611-000001") == []
    assert chat.ctx.message.ticket.type == "inquiry"


def test_sms_keeps_its_keyword_commands_and_the_brain_stays_out(db_session, make):
    sms = Chat(db_session, channel="sms", address="+84905111999")
    [answer] = sms.say("HD")
    assert answer.body.startswith("CSKH Dien luc, soan:")
    assert db_session.scalar(sa.select(sa.func.count()).select_from(BotConversation)) == 0


def test_the_owner_is_the_bot_by_default(chat):
    chat.say("Xin chào")
    assert chat.conversation().owner == BotOwner.BOT
    assert db.session.get(BotConversation, chat.conversation().id).expires_at > utcnow()
