"""SMS keywords: matched on the folded first words, answered once, unaccented, in one segment."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import count

import pytest
import sqlalchemy as sa

from channels.base import ContactRef, InboundMessage
from crm.bot import answers, keywords
from crm.incidents import services as incidents
from crm.inbox.ingest import ingest
from crm.models import Direction, Incident, Message, Ticket, utcnow
from crm.tickets import services as ticket_services

PHONE = "+84905111222"
_ids = count(1)


def sms(text, phone=PHONE, external_id=None, channel="sms"):
    return InboundMessage(channel=channel, external_id=external_id or f"SM{next(_ids):032d}",
                          sender=ContactRef("phone", phone), received_at=utcnow(), text=text,
                          thread_hint=text)


def answers_sent(session):
    return session.scalars(sa.select(Message).where(Message.direction == Direction.OUTBOUND)
                           .order_by(Message.id)).all()


def tickets(session):
    return session.scalars(sa.select(Ticket).order_by(Ticket.id)).all()


def is_one_gsm_segment(text):
    return len(text) <= 160 and text.isascii() and not set(text) & set("[]{}\\^~|`")


@pytest.mark.parametrize("text, name, args", [
    ("TT YC2611-000123", "status", ["yc2611-000123"]),
    ("tra cứu yc2611-000123", "status", ["yc2611-000123"]),
    ("YC2611-000123", "status", ["yc2611-000123"]),
    ("  yc2611-000123. ", "status", ["yc2611-000123"]),
    ("MATDIEN PC05AA0000001", "outage", ["pc05aa0000001"]),
    ("Mất điện 12 Lê Lợi", "outage", ["12", "le", "loi"]),
    ("md", "outage", []),
    ("Báo mất điện!", "outage", []),
    ("HD", "help", []), ("Help", "help", []), ("?", "help", []), ("hướng dẫn", "help", []),
    ("LICH", "planned", []), ("Lịch cắt điện PC05AA0000001", "planned", ["pc05aa0000001"]),
    ("lcd", "planned", []), ("lichcatdien?", "planned", ["?"]),
    ("GCS", "reading", []), ("Ghi chỉ số", "reading", []), ("ngayghi", "reading", []),
    ("ghichiso pc05aa0000001", "reading", ["pc05aa0000001"]),
    ("Lịch ghi chỉ số", "reading", []),                 # the longest alias wins over LICH
    ("TIENDIEN 350", "bill", ["350"]),
    ("Tiền điện 350 kWh 2 hộ", "bill", ["350", "kwh", "2", "ho"]),
    ("td 120", "bill", ["120"]),
])
def test_commands_match_on_the_folded_first_words(text, name, args):
    cmd, found_args = keywords.match(text)
    assert cmd.name == name and found_args == args


@pytest.mark.parametrize("text", [
    "Xin chào, nhà tôi bị cúp điện", "TTT YC2611-000123", "YC2611-000123 sao chưa lắp?",
    "Hdd", "", "mất", "matdienroi"])
def test_anything_else_is_no_command(text):
    assert keywords.match(text) is None


def test_a_status_query_answers_without_opening_a_ticket(db_session, make):
    customer = make.customer(phone=PHONE)
    other = make.ticket(subject="Lắp công tơ mới")      # someone else's ticket
    before = len(tickets(db_session))
    ctx = ingest(sms(f"TT {other.code.lower()}"))
    assert len(tickets(db_session)) == before and ctx.message.ticket_id is None
    [answer] = answers_sent(db_session)
    assert answer.body == ctx.answer and answer.ticket_id is None
    assert answer.customer_id == customer.id and answer.address == PHONE
    assert other.code in answer.body and "Moi" in answer.body      # "Mới", unaccented
    assert other.customer.name not in answer.body and "Nguyen" not in answer.body
    assert is_one_gsm_segment(answer.body)


def test_an_unknown_code_or_a_missing_one_is_said_plainly(db_session, make):
    make.customer(phone=PHONE)
    ingest(sms("TT YC2611-999999"))
    ingest(sms("TT"))
    unknown, usage = answers_sent(db_session)
    assert unknown.body == "Khong tim thay yeu cau YC2611-999999. Vui long kiem tra lai ma."
    assert usage.body.startswith("Soan TT <ma yeu cau>")
    assert all(is_one_gsm_segment(m.body) for m in (unknown, usage))


def test_a_long_status_keeps_the_essentials_within_one_segment(db_session, make):
    district = make.district(name="Điện lực Quận Ngũ Hành Sơn và các xã vùng ven biển phía Nam")
    ward = make.ward(district=district)
    ticket = make.ticket(customer=make.customer(ward=ward), district=district, type="outage",
                         step="crew_dispatched", subject="Mất điện")
    ingest(sms(ticket.code))
    [answer] = answers_sent(db_session)
    assert is_one_gsm_segment(answer.body) and answer.body.startswith(f"Yeu cau {ticket.code}")


def test_matdien_reports_an_outage_for_the_sender(db_session, make):
    customer = make.customer(phone=PHONE)
    ctx = ingest(sms("MATDIEN nha toi mat dien tu 7h"))
    outage = ctx.ticket
    assert outage.type == "outage" and outage.customer_id == customer.id
    assert ctx.message.ticket_id == outage.id and "tu 7h" in outage.description
    [answer] = answers_sent(db_session)
    assert answer.ticket_id == outage.id and outage.code in answer.body
    assert answer.body.startswith(f"Da tiep nhan bao mat dien, ma {outage.code}.")
    assert is_one_gsm_segment(answer.body)


def test_matdien_tells_the_expected_restore_time_of_a_known_incident(db_session, make):
    ward = make.ward(name="Phường Hòa Cường Bắc")
    first = ticket_services.create_ticket(customer=make.customer(ward=ward), type="outage",
                                          channel="hotline", subject="Mất điện")
    restore = datetime(2026, 11, 26, 8, 30, tzinfo=timezone.utc)       # 15:30 in Vietnam
    incident = db_session.get(Incident, first.incident_id)
    incidents.set_expected_restore(incident, max(restore, utcnow() + timedelta(hours=1)), None)
    expected = incident.expected_restore_at
    make.customer(phone=PHONE, ward=ward)
    ctx = ingest(sms("Mất điện"))
    assert ctx.ticket.incident_id == incident.id
    [answer] = answers_sent(db_session)
    local = expected.astimezone(timezone(timedelta(hours=7)))
    assert f"du kien co dien lai luc {local:%H:%M} ngay {local:%d/%m/%Y}" in answer.body
    assert is_one_gsm_segment(answer.body)


def test_a_second_report_reuses_the_open_one(db_session, make):
    make.customer(phone=PHONE)
    first = ingest(sms("MD")).ticket
    again = ingest(sms("MD van chua co dien"))
    assert again.ticket.id == first.id
    assert answers_sent(db_session)[-1].body.startswith(
        f"Bao mat dien da duoc ghi nhan truoc do, ma {first.code}.")


def test_matdien_with_a_customer_code_reports_for_that_customer(db_session, make):
    owner = make.customer()
    ctx = ingest(sms(f"MATDIEN {owner.code.lower()}", phone="+84912000111"))
    assert ctx.ticket.customer_id == owner.id and ctx.ticket.type == "outage"
    [answer] = answers_sent(db_session)
    assert answer.address == "+84912000111" and answer.customer_id == ctx.customer.id
    assert owner.name not in answer.body


def test_matdien_with_an_address_places_an_unknown_sender_in_that_ward(db_session, make):
    ward = make.ward(name="Phường Thạch Thang")
    make.ward(name="Phường 1"), make.ward(name="Phường 1")
    ctx = ingest(sms("MAT DIEN 25 Quang Trung, phuong Thach Thang", phone="+84912000222"))
    assert ctx.ticket.ward_id == ward.id and ctx.customer.is_provisional
    assert "25 Quang Trung" in ctx.ticket.description
    assert answers.ward_named_in("so 3 Phuong 1") is None        # two wards share the name
    assert answers.ward_named_in("kiet 5 Thach Thang").id == ward.id


def test_help_lists_the_commands_in_one_segment(db_session, make):
    make.customer(phone=PHONE)
    before = len(tickets(db_session))
    ctx = ingest(sms("HD"))
    assert len(tickets(db_session)) == before and ctx.skipped == "keyword:help"
    [answer] = answers_sent(db_session)
    assert answer.body == ("CSKH Dien luc, soan: TT <ma YC>: tra cuu; MATDIEN <ma KH>: bao mat "
                           "dien; LICH: lich cat dien; GCS: ngay ghi chi so; TIENDIEN <kWh>: "
                           "tinh tien; HD: huong dan.")
    assert is_one_gsm_segment(answer.body)


def test_unknown_text_joins_the_inbox_and_gets_no_answer(db_session, make):
    make.customer(phone=PHONE)
    ctx = ingest(sms("Cho hỏi lịch ghi chỉ số tháng này"))
    assert ctx.answer is None and ctx.ticket.type == "inquiry"
    assert answers_sent(db_session) == []


def test_a_redelivered_command_is_answered_once(db_session, make):
    make.customer(phone=PHONE)
    first = ingest(sms("HD", external_id="SMrepeat"))
    again = ingest(sms("HD", external_id="SMrepeat"))
    assert again.duplicate and again.message.id == first.message.id
    assert len(answers_sent(db_session)) == 1


def test_a_chatty_robot_gets_a_few_answers_only(db_session, make):
    make.customer(phone=PHONE)
    for _ in range(keywords.ANSWER_BUDGET + 3):
        ingest(sms("?"))
    assert len(answers_sent(db_session)) == keywords.ANSWER_BUDGET


def test_on_chat_channels_the_bot_brain_answers_keywords_instead(db_session, make):
    """SMS keyword answers are SMS-only; on Zalo the brain takes "HD" (its menu), no ticket."""
    customer = make.customer()
    customer.contact_points[0].kind = "zalo"
    db_session.flush()
    ctx = ingest(InboundMessage(channel="zalo", external_id="z1", received_at=utcnow(),
                                sender=ContactRef("zalo", customer.contact_points[0].value),
                                text="HD"))
    assert ctx.answer is None and ctx.ticket is None
    assert ctx.bot_turn is not None and ctx.bot_turn.replies


def test_a_failing_command_loses_nothing(db_session, make, monkeypatch):
    make.customer(phone=PHONE)

    def broken(*args, **kwargs):
        ticket_services.create_ticket(customer=args[0], type="outage", channel="sms",
                                      subject="half done")
        raise RuntimeError("boom")
    monkeypatch.setattr(answers, "report_outage", broken)
    ctx = ingest(sms("MATDIEN"))
    assert ctx.message.body == "MATDIEN" and ctx.ticket.type == "inquiry"
    assert [t.subject for t in tickets(db_session)] == ["MATDIEN"]     # half-done undone
    assert answers_sent(db_session) == []


def test_sms_text_drops_diacritics_and_keeps_whole_parts():
    text = keywords.sms_text(["Đã tiếp nhận – mã “YC2611-000001”…", "x" * 200, "Cảm ơn."])
    assert text == 'Da tiep nhan - ma "YC2611-000001"... Cam on.'
    assert keywords.sms_text(["y" * 300]) == "y" * 157 + "..."
