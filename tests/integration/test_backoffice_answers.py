"""Back-office answers shared by SMS keywords, the IVR and the bots: planned outages of the
customer's area, the next meter-reading date, a bill estimate; and the SMS keywords LICH,
GCS and TIENDIEN that give them (unaccented, one 160-character segment, no ticket)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from channels.base import ContactRef, InboundMessage
from crm.billing import queries as billing
from crm.bot import answers, keywords
from crm.consumption import schedule
from crm.core.timefmt import fmt_date, fmt_time
from crm.inbox.ingest import ingest
from crm.models import Direction, Message, Ticket, utcnow
from tests.support.planned_outages import at, day, outage, with_meter, world
from tests.support.tariffs import ensure_seeded

PHONE = "+84905111222"
STRANGER = "+84912000333"
_ids = count(1)


@pytest.fixture
def w(make):
    return world(make)


@pytest.fixture
def tariffs(db_session, monkeypatch):
    """The seeded price tables, with "today" on 31/10/2025 (10/05/2025 prices, VAT 8 %)."""
    ensure_seeded(db_session)
    monkeypatch.setattr(billing, "today", lambda: date(2025, 10, 31))


def sms(text, phone=PHONE):
    return InboundMessage(channel="sms", external_id=f"SMbo{next(_ids):030d}",
                          sender=ContactRef("phone", phone), received_at=utcnow(), text=text,
                          thread_hint=text)


def ask(text, phone=PHONE):
    """Send `text` by SMS; the ingest context and the one answer it got."""
    ctx = ingest(sms(text, phone))
    assert ctx.answer is not None, text
    return ctx, ctx.answer


def ticket_count(session):
    return session.scalar(sa.select(sa.func.count()).select_from(Ticket))


def is_one_gsm_segment(text):
    return len(text) <= 160 and text.isascii() and not set(text) & set("[]{}\\^~|`")


def vietnam_today():
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


# --- the shared answers ----------------------------------------------------------------

def test_planned_outages_lists_the_areas_outages_of_the_next_seven_days(make, db_session, w):
    customer = make.customer(ward=w.ward)
    with_meter(db_session, customer, feeder="471E12")
    outage(db_session, w.district, wards=[w.ward], start=at(1, 8), end=at(1, 16),
           reason="Thay cột điện")
    outage(db_session, w.other, feeders=["471E12"], start=at(3, 7), end=at(3, 11))
    outage(db_session, w.district, wards=[w.ward], start=at(9, 8), end=at(9, 16))   # too late
    outage(db_session, w.district, wards=[w.ward2], start=at(1, 8), end=at(1, 16))  # elsewhere
    outage(db_session, w.district, wards=[w.ward], start=utcnow() - timedelta(hours=3),
           end=utcnow() - timedelta(minutes=1))                                    # over
    first, second = answers.planned_outages(customer)
    assert first == (f"Lịch tạm ngừng cấp điện: 08:00–16:00 ngày {day(1):%d/%m/%Y} tại "
                     f"Phường Hải Châu, lý do: Thay cột điện.")
    assert f"07:00–11:00 ngày {day(3):%d/%m/%Y}" in second and "471E12" in second
    assert len(answers.planned_outages(customer, days=14)) == 3


def test_no_planned_outage_is_one_sentence_naming_the_ward(make, w):
    customer = make.customer(ward=w.ward)
    assert answers.planned_outages(customer) == [
        "Không có lịch tạm ngừng cấp điện tại Phường Hải Châu trong 7 ngày tới."]


def test_planned_outages_now_tells_only_an_outage_under_way(make, db_session, w):
    customer = make.customer(ward=w.ward)
    outage(db_session, w.district, wards=[w.ward], start=at(2, 8), end=at(2, 16))
    assert answers.planned_outages_now(customer) == []
    start, end = utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=2)
    outage(db_session, w.district, wards=[w.ward], start=start, end=end, reason="Đấu nối lưới")
    [sentence] = answers.planned_outages_now(customer)
    assert sentence.startswith("Khu vực của quý khách đang tạm ngừng cấp điện theo kế hoạch")
    assert fmt_time(start) in sentence and fmt_time(end) in sentence
    assert fmt_date(end) in sentence and sentence.endswith("lý do: Đấu nối lưới.")


def test_reading_date_counts_today_in_vietnam(make, db_session):
    customer = make.customer()
    today = vietnam_today()
    schedule.set_reading_day(today.day, customer=customer)
    assert answers.reading_date(customer) == \
        f"Ngày ghi chỉ số công tơ kỳ tới: {today:%d/%m/%Y}."


def test_bill_estimate_uses_the_prices_in_force_today(db_session, tariffs):
    assert answers.bill_estimate(350) == \
        "Tiền điện ước tính cho 350 kWh: 979.560 đ (gồm 72.560 đ thuế GTGT 8%)."
    assert "(2 hộ dùng chung)" in answers.bill_estimate(350, households=2)
    assert answers.bill_estimate(-1).startswith("Không tính được tiền điện")


# --- LICH ---------------------------------------------------------------------------------

def test_lich_tells_the_sender_the_planned_outage_of_their_ward(make, db_session, w):
    make.customer(phone=PHONE, ward=w.ward)
    outage(db_session, w.district, wards=[w.ward], start=at(2, 8), end=at(2, 16),
           reason="Bảo dưỡng đường dây 22kV")
    before = ticket_count(db_session)
    ctx, answer = ask("LICH")
    assert answer == (f"Lich tam ngung cap dien: 08:00-16:00 ngay {day(2):%d/%m/%Y} tai "
                      f"Phuong Hai Chau, ly do: Bao duong duong day 22kV.")
    assert is_one_gsm_segment(answer)
    assert ticket_count(db_session) == before and ctx.skipped == "keyword:planned"
    [sent] = db_session.scalars(sa.select(Message).where(
        Message.direction == Direction.OUTBOUND)).all()
    assert sent.body == answer and sent.address == PHONE and sent.ticket_id is None


@pytest.mark.parametrize("text", ["lich cat dien", "Lịch cắt điện?", "LCD", "lichcatdien"])
def test_lich_aliases(make, db_session, w, text):
    make.customer(phone=PHONE, ward=w.ward)
    _ctx, answer = ask(text)
    assert answer == "Khong co lich tam ngung cap dien tai Phuong Hai Chau trong 7 ngay toi."


def test_lich_with_a_customer_code_looks_at_that_customers_area(make, db_session, w):
    owner = make.customer(ward=w.far_ward)
    outage(db_session, w.other, wards=[w.far_ward], start=at(1, 13), end=at(1, 17))
    ctx, answer = ask(f"LICH {owner.code.lower()}", phone=STRANGER)
    assert "13:00-17:00" in answer and "Phuong Son Tra" in answer
    assert owner.name not in answer and is_one_gsm_segment(answer)
    assert ctx.customer.is_provisional and ctx.message.ticket_id is None


def test_lich_from_an_unregistered_number_asks_for_the_customer_code(db_session):
    ctx, answer = ask("LICH", phone=STRANGER)
    assert answer == ("So dien thoai nay chua dang ky voi dien luc. Vui long soan LICH <ma "
                      "khach hang>, vi du: LICH PC05AA0000001 (ma in tren hoa don).")
    assert is_one_gsm_segment(answer) and ctx.message.ticket_id is None


def test_an_unknown_customer_code_is_said_plainly(make, db_session):
    make.customer(phone=PHONE)
    _ctx, answer = ask("LICH PC05ZZ9999999")
    assert answer == ("Khong tim thay khach hang ma PC05ZZ9999999. Vui long kiem tra lai ma in "
                      "tren hoa don tien dien.")


def test_lich_with_several_outages_keeps_whole_sentences_and_counts_the_rest(make, db_session,
                                                                            w):
    make.customer(phone=PHONE, ward=w.ward)
    for offset in (1, 3, 5):
        outage(db_session, w.district, wards=[w.ward], start=at(offset, 8), end=at(offset, 16))
    _ctx, answer = ask("LICH")
    assert answer.startswith(f"Lich tam ngung cap dien: 08:00-16:00 ngay {day(1):%d/%m/%Y}")
    assert answer.endswith(" Con 2 lich khac trong 7 ngay toi.")
    assert is_one_gsm_segment(answer)


def test_a_question_in_prose_is_answered_and_still_reaches_the_agents(make, db_session, w):
    customer = make.customer(phone=PHONE, ward=w.ward)
    ctx, answer = ask("Lịch hẹn kiểm tra công tơ nhà tôi là khi nào vậy?")
    assert answer.startswith("Khong co lich tam ngung cap dien")
    assert ctx.skipped is None and ctx.ticket.type == "inquiry"
    assert ctx.ticket.customer_id == customer.id and ctx.message.ticket_id == ctx.ticket.id


# --- GCS ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["GCS", "ghi chi so", "Ghi chỉ số", "ghichiso", "NGAYGHI",
                                  "lịch ghi chỉ số"])
def test_gcs_tells_the_next_reading_date_of_the_senders_ward(make, db_session, text):
    customer = make.customer(phone=PHONE)
    tomorrow = vietnam_today() + timedelta(days=1)
    schedule.set_reading_day(tomorrow.day, ward=customer.ward)
    before = ticket_count(db_session)
    ctx, answer = ask(text)
    assert answer == f"Ngay ghi chi so cong to ky toi: {tomorrow:%d/%m/%Y}."
    assert ticket_count(db_session) == before and ctx.skipped == "keyword:reading"


def test_gcs_with_a_customer_code_from_an_unregistered_number(make, db_session):
    owner = make.customer()
    today = vietnam_today()
    schedule.set_reading_day(today.day, customer=owner)
    _ctx, answer = ask(f"GCS {owner.code}", phone=STRANGER)
    assert answer == f"Ngay ghi chi so cong to ky toi: {today:%d/%m/%Y}."
    _ctx, asked = ask("GCS", phone=STRANGER)
    assert "Vui long soan GCS <ma khach hang>" in asked and is_one_gsm_segment(asked)


# --- TIENDIEN -----------------------------------------------------------------------------

def test_tiendien_estimates_one_households_month_at_todays_prices(make, db_session, tariffs):
    make.customer(phone=PHONE)
    before = ticket_count(db_session)
    ctx, answer = ask("TIENDIEN 350")
    assert answer == ("Tien dien uoc tinh cho 350 kWh: 979.560 d (gom 72.560 d thue GTGT 8%). "
                      "Tinh cho 1 ho; nhieu ho dung chung cong to thi soan TIENDIEN 350 <so ho>.")
    assert is_one_gsm_segment(answer)
    assert ticket_count(db_session) == before and ctx.skipped == "keyword:bill"


@pytest.mark.parametrize("text, kwh, households", [
    ("TIENDIEN 350 2", "350", 2), ("Tiền điện 350 kWh 2 hộ", "350", 2), ("td 1.200", "1.200", 1),
    ("tiendien 1200kwh 3", "1.200", 3)])
def test_tiendien_reads_kwh_and_households(make, db_session, tariffs, text, kwh, households):
    make.customer(phone=PHONE)
    _ctx, answer = ask(text)
    assert answer.startswith(f"Tien dien uoc tinh cho {kwh} kWh")
    assert (f"({households} ho dung chung)" in answer) == (households > 1)
    assert is_one_gsm_segment(answer)


@pytest.mark.parametrize("text", ["TIENDIEN", "TD ?", "TIENDIEN 350,5", "TIENDIEN 350 0",
                                  "TIENDIEN 350 2 3", "TIENDIEN 5000000", "td 350 101"])
def test_tiendien_with_bad_or_missing_numbers_gets_the_usage_line(make, db_session, tariffs,
                                                                   text):
    make.customer(phone=PHONE)
    before = ticket_count(db_session)
    ctx, answer = ask(text)
    assert answer == ("Soan TIENDIEN <so kWh> <so ho neu dung chung>, vi du: TIENDIEN 350 hoac "
                      "TIENDIEN 350 2.")
    assert ticket_count(db_session) == before and ctx.message.ticket_id is None


def test_tiendien_needs_no_registered_number(db_session, tariffs):
    _ctx, answer = ask("TIENDIEN 100", phone=STRANGER)
    assert answer.startswith("Tien dien uoc tinh cho 100 kWh: ")


def test_whole_numbers_read_thousands_and_refuse_decimals():
    assert keywords.whole_numbers("1.200 kwh 2 ho") == [1200, 2]
    assert keywords.whole_numbers("1,200") == [1200]
    assert keywords.whole_numbers("350,5") is None
    assert keywords.whole_numbers("khong co so") == []
