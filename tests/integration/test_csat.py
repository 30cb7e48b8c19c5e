"""CSAT: the survey on resolution, replies parsed and stored against the ticket, the bot's
rating in the same store, expiry of non-answers, and the report's averages."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from channels.base import ContactRef, InboundMessage
from crm.core import settings
from crm.csat import jobs, report, scores, survey
from crm.extensions import db
from crm.inbox.ingest import ingest
from crm.models import (Channel, CsatScore, CsatStatus, Direction, Message, Notification, Status,
                        utcnow)
from crm.tickets import services as tickets
from tests.support.bot import Chat

# Notices go on configured channels only: these tests expect them written.
pytestmark = pytest.mark.usefixtures("notice_channels")

PHONE = "+84905111333"


def sms(text, external_id):
    return InboundMessage(channel="sms", external_id=external_id,
                          sender=ContactRef("phone", PHONE), received_at=utcnow(), text=text,
                          thread_hint=text)


def resolve(ticket):
    tickets.change_status(ticket, Status.RESOLVED, actor=None, result="Đã xử lý xong")
    db.session.flush()


def survey_notices(session):
    return session.scalars(sa.select(Notification).where(Notification.event == "csat_survey")
                           ).all()


@pytest.fixture
def sms_ticket(make):
    customer = make.customer(phone=PHONE)
    return make.ticket(customer=customer, channel=Channel.SMS, status=Status.OPEN)


@pytest.mark.parametrize("text, score", [
    ("9", 9), ("10", 10), ("1", 1), ("9 điểm", 9), ("9 diem", 9), ("9đ", 9), ("9/10", 9),
    ("Điểm 8", 8), ("chấm 7 điểm", 7), (" 6. ", 6)])
def test_short_answers_give_a_score(text, score):
    assert scores.parse(text) == score


@pytest.mark.parametrize("text", ["0", "11", "mất điện 2 ngày", "YC2611-000123", "", "9 10",
                                  "chín"])
def test_anything_else_is_not_a_score(text):
    assert scores.parse(text) is None


def test_resolving_sends_one_survey_on_the_tickets_channel(db_session, sms_ticket):
    resolve(sms_ticket)
    [row] = db_session.scalars(sa.select(CsatScore)).all()
    assert (row.ticket_id, row.status, row.score, row.channel) == (
        sms_ticket.id, CsatStatus.ASKED, None, "sms")
    assert row.expires_at - row.asked_at == timedelta(hours=72)
    [notice] = survey_notices(db_session)
    assert (notice.ticket_id, notice.requested_channel, notice.key) == (
        sms_ticket.id, "sms", f"csat:{sms_ticket.id}")
    assert notice.context["ma_phieu"] == sms_ticket.code
    assert notice.message.body.startswith(f"Yeu cau {sms_ticket.code} da hoan thanh. Moi quy "
                                          "khach cham diem")
    assert "buttons" not in notice.message.meta                  # SMS: the reply is the answer
    tickets.change_status(sms_ticket, Status.OPEN, actor=None)     # reopened, resolved again
    resolve(sms_ticket)
    assert len(survey_notices(db_session)) == 1


def test_an_sms_reply_is_stored_against_the_ticket_and_thanked(db_session, sms_ticket):
    resolve(sms_ticket)
    ctx = ingest(sms("9 diem", "SMcsat1"))
    row = db_session.scalar(sa.select(CsatScore))
    assert (row.status, row.score, row.channel) == (CsatStatus.ANSWERED, 9, "sms")
    assert ctx.message.ticket_id == sms_ticket.id
    thanks = db_session.scalar(sa.select(Message).where(
        Message.direction == Direction.OUTBOUND, Message.meta["event"].as_string() == "csat_thanks"))
    assert thanks.body == f"Cam on anh/chi da danh gia 9/10 cho yeu cau {sms_ticket.code}."
    assert thanks.address == PHONE
    ingest(sms("9 diem", "SMcsat1"))                              # the same SMS again
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Message).where(
        Message.meta["event"].as_string() == "csat_thanks")) == 1


def test_a_message_that_is_no_score_leaves_the_survey_waiting(db_session, sms_ticket):
    resolve(sms_ticket)
    ctx = ingest(sms("Nha toi lai mat dien 2 ngay roi", "SMcsat2"))
    assert db_session.scalar(sa.select(CsatScore.status)) == CsatStatus.ASKED
    assert ctx.skipped != "csat"


def test_a_tapped_button_on_telegram_answers_and_the_bot_stays_quiet(db_session, make):
    chat = Chat(db_session)
    customer = make.customer()
    chat.known_as(customer)
    ticket = make.ticket(customer=customer, channel=Channel.TELEGRAM, status=Status.OPEN)
    resolve(ticket)
    [asked] = chat.replies()
    assert asked.meta["event"] == "csat_survey"
    assert [[b["data"] for b in row] for row in asked.meta["buttons"]] == [
        [f"csat:{n}" for n in range(1, 6)], [f"csat:{n}" for n in range(6, 11)]]
    replies = chat.tap("csat:10")
    assert [r.meta["event"] for r in replies] == ["csat_thanks"]
    assert db_session.scalar(sa.select(CsatScore.score)) == 10
    assert chat.ctx.message.ticket_id == ticket.id


def test_the_bot_rating_writes_the_same_store(db_session, make):
    chat = Chat(db_session)
    customer = make.customer()
    chat.known_as(customer)
    done = make.ticket(customer=customer, status=Status.RESOLVED, result="Đã xử lý",
                       resolved_at=utcnow() - timedelta(days=1))
    chat.tap("menu:rate")
    chat.tap("rate:8")
    [row] = db_session.scalars(sa.select(CsatScore)).all()
    assert (row.ticket_id, row.score, row.status, row.channel) == (
        done.id, 8, CsatStatus.ANSWERED, "telegram")


def test_unanswered_surveys_expire_and_a_late_answer_is_not_taken(db_session, sms_ticket):
    resolve(sms_ticket)
    row = db_session.scalar(sa.select(CsatScore))
    row.expires_at = utcnow() - timedelta(minutes=1)
    db_session.flush()
    assert jobs.expire_surveys() == 1
    db_session.refresh(row)
    assert row.status == CsatStatus.EXPIRED and row.score is None
    ctx = ingest(sms("9", "SMcsat3"))
    assert ctx.skipped != "csat" and db_session.scalar(sa.select(CsatScore.score)) is None


def test_no_survey_when_switched_off_or_for_a_merged_duplicate(db_session, make, sms_ticket):
    settings.put("csat_survey_enabled", False)
    resolve(sms_ticket)
    assert survey_notices(db_session) == []
    settings.put("csat_survey_enabled", True)
    other = make.ticket(customer=sms_ticket.customer, merged_into=sms_ticket, status=Status.OPEN)
    assert survey.ask(other) is None


def test_the_report_averages_by_district_channel_and_month(db_session, make):
    a, b = make.district(code="PC05AA"), make.district(code="PC05BB")
    for district, channel, value in [(a, "sms", 9), (a, "zalo", 7), (b, "sms", 8)]:
        ticket = make.ticket(district=district, status=Status.RESOLVED, result="xong")
        scores.record(ticket, value, channel=channel, customer_id=ticket.customer_id)
    since = utcnow() - timedelta(days=1)
    assert [(l.label, l.average, l.answers) for l in report.lines("district", since)] == [
        ("PC05AA", 8.0, 2), ("PC05BB", 8.0, 1)]
    assert [(l.label, l.average) for l in report.lines("channel", since)] == [
        ("sms", 8.5), ("zalo", 7.0)]
    [month] = report.lines("month", since)
    assert month.answers == 3 and month.average == 8.0 and len(month.label) == 7
    assert report.totals(since) == {"average": 8.0, "answered": 3, "expired": 0, "waiting": 0}


def test_a_customer_who_opted_out_everywhere_is_not_asked(db_session, sms_ticket):
    from crm.notifications import consent
    consent.set_opt_out(sms_ticket.customer_id, "sms", True, source="sms_keyword")
    resolve(sms_ticket)
    assert survey_notices(db_session) == []
    assert db_session.scalar(sa.select(sa.func.count()).select_from(CsatScore)) == 0
