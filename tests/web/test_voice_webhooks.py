"""The 1900 IVR on Twilio end to end: signed webhooks in, TwiML out, the call logged, voice
messages filed on tickets with their audio fetched (Twilio stubbed at the HTTP layer)."""
from __future__ import annotations

import base64
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import responses
import sqlalchemy as sa

from crm.calls import jobs
from crm.core.timefmt import fmt_time
from crm.models import (Attachment, Call, CallEventLog, CallOutcome, CallState, Customer, Incident,
                        Message, Ticket, utcnow)
from tests.support.planned_outages import at, day, outage, world
from tests.support.voice import (ACCOUNT_SID, AGENT_DIAL, API_BASE, AUTH_TOKEN, BASE_URL,
                                 SETTINGS, call_form, said, twilio_post, twiml)

CALL_SID = "CA" + "7" * 32
REC_SID = "RE" + "8" * 32
RECORDING_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{REC_SID}"
AUDIO_URL = f"{API_BASE}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{REC_SID}.mp3"
VOICE = "/channels/twilio/voice"


@pytest.fixture
def configured(app, monkeypatch):
    monkeypatch.setitem(app.config, "CHANNELS", dict(SETTINGS))


@pytest.fixture
def no_agent_line(app, monkeypatch):
    monkeypatch.setitem(app.config, "CHANNELS", {**SETTINGS, "HOTLINE_AGENT_DIAL": None})


@pytest.fixture
def twilio_api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def count(session, model, *where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def the_call(session) -> Call:
    return session.scalar(sa.select(Call).where(Call.provider_call_id == CALL_SID))


def start(client, phone, **extra):
    """The call arrives; returns the menu's TwiML."""
    return twiml(twilio_post(client, VOICE, call_form(CALL_SID, phone, CallStatus="ringing",
                                                      **extra)))


def press(client, root, digits):
    """Answer the <Gather> of `root` with `digits` (posted to its absolute action URL)."""
    action = root.find(".//Gather").get("action")
    return twiml(twilio_post(client, action, call_form(CALL_SID, "+84900000000", Digits=digits)))


def path_of(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --- the call arrives ----------------------------------------------------------------

def test_a_known_caller_hears_the_vietnamese_menu_and_the_call_is_logged(
        client, db_session, make, configured):
    customer = make.customer(phone="+84905111222")
    root = start(client, "0905 111 222")
    says = list(root.iter("Say"))
    assert says and all(s.get("language") == "vi-VN" for s in says)
    assert all(s.get("voice").startswith("Google.vi-VN-") for s in says)
    assert "nhấn phím 1" in said(root) and "phím 0" in said(root)
    gather = root.find("Gather")
    assert gather.get("action") == f"{BASE_URL}/channels/twilio/voice/gather?menu=main&attempt=0"
    assert gather.get("numDigits") == "1"
    call = the_call(db_session)
    assert call.customer_id == customer.id and call.state == CallState.IN_IVR
    assert call.from_number == "+84905111222"
    entry = db_session.get(Message, call.message_id)
    assert entry.customer_id == customer.id and entry.meta["kind"] == "call"
    assert "Cuộc gọi đến tổng đài" in entry.body


def test_an_unknown_caller_becomes_a_provisional_customer(client, db_session, configured):
    start(client, "+84977123456")
    call = the_call(db_session)
    assert call.customer.is_provisional and call.customer.phone == "+84977123456"


def test_the_same_webhook_twice_logs_one_call_and_answers_the_same(client, db_session, make,
                                                                 configured):
    make.customer(phone="+84905111222")
    first, again = start(client, "+84905111222"), start(client, "+84905111222")
    assert said(first) == said(again)
    assert count(db_session, Call) == 1
    assert count(db_session, CallEventLog) == 1
    assert count(db_session, Message, Message.meta.is_not(None)) == 1


def test_a_forged_request_is_refused_and_stores_nothing(client, db_session, configured):
    response = twilio_post(client, VOICE, call_form(CALL_SID, "+84977123456"),
                           token="not-the-auth-token")
    assert response.status_code == 403
    unsigned = client.post(VOICE, data=call_form(CALL_SID, "+84977123456"))
    assert unsigned.status_code == 403
    assert count(db_session, Call) == count(db_session, Customer) == count(db_session, Message) == 0


def test_a_malformed_request_gets_400_and_stores_nothing(client, db_session, configured):
    response = twilio_post(client, VOICE, {"From": "+84977123456", "CallStatus": "ringing"})
    assert response.status_code == 400
    assert "CallSid" in response.get_json()["error"]
    assert count(db_session, Call) == count(db_session, Customer) == 0


def test_without_twilio_credentials_the_voice_webhook_does_not_exist(client, db_session):
    assert twilio_post(client, VOICE, call_form(CALL_SID, "+84977123456")).status_code == 404


# --- 1: outage ---------------------------------------------------------------------------

def test_outage_with_a_known_incident_says_it_and_records_the_report(client, db_session, make,
                                                                      configured):
    customer = make.customer(phone="+84905111222")
    now = utcnow()
    incident = Incident(ward=customer.ward, district=customer.ward.district,
                        started_at=now - timedelta(hours=1), last_report_at=now,
                        report_count=4, expected_restore_at=now + timedelta(hours=2))
    db_session.add(incident)
    root = press(client, start(client, "+84905111222"), "1")
    text = said(root)
    # the caller's report joined the incident: they are told when power is back
    assert "Đã ghi nhận sự cố mất điện tại" in text and "5 phản ánh" in text
    assert root.find("Hangup") is not None and root.find("Record") is None
    call = the_call(db_session)
    assert call.outcome == CallOutcome.INCIDENT_NOTICE and call.ivr_choices == ["1"]
    assert call.ticket.type == "outage" and call.ticket.customer_id == customer.id
    assert call.ticket.incident_id == incident.id
    spoken_code = "Y C " + " ".join(call.ticket.code[2:6])
    assert spoken_code in text                      # the code is read digit by digit


def test_outage_without_an_incident_records_a_voice_report_onto_an_outage_ticket(
        client, db_session, make, configured, twilio_api):
    customer = make.customer(phone="+84905111222")
    root = press(client, start(client, "+84905111222"), "1")
    record = root.find("Record")
    assert record.get("action") == f"{BASE_URL}/channels/twilio/voice/recording?purpose=outage"
    assert record.get("recordingStatusCallback") == record.get("action")
    audio = twilio_api.get(AUDIO_URL, body=b"ID3 fake mp3 audio", content_type="audio/mpeg")

    thanks = twiml(twilio_post(client, record.get("action"), call_form(
        CALL_SID, "+84905111222", RecordingUrl=RECORDING_URL, RecordingSid=REC_SID,
        RecordingDuration="21")))

    ticket = db_session.scalar(sa.select(Ticket).where(Ticket.customer_id == customer.id))
    assert ticket.type == "outage"
    voicemail = db_session.scalar(sa.select(Message).where(Message.provider_message_id ==
                                                           f"rec-twilio-{REC_SID}"))
    assert voicemail.ticket_id == ticket.id and voicemail.meta["kind"] == "voicemail"
    assert voicemail.meta["recording_url"] == RECORDING_URL
    # the job fetched the audio with the account's credentials, from TWILIO_API_BASE
    assert len(audio.calls) == 1
    expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert audio.calls[0].request.headers["Authorization"] == f"Basic {expected}"
    attachment = db_session.scalar(sa.select(Attachment).where(
        Attachment.message_id == voicemail.id))
    assert attachment.content_type == "audio/mpeg" and attachment.ticket_id == ticket.id
    assert attachment.size == len(b"ID3 fake mp3 audio")
    assert "đã được ghi nhận" in said(thanks) and thanks.find("Hangup") is not None
    call = the_call(db_session)
    assert call.state == CallState.VOICEMAIL and call.outcome == CallOutcome.MESSAGE_LEFT
    assert call.ticket_id == ticket.id


def test_the_record_action_and_its_status_callback_make_one_message(client, db_session, make,
                                                                     configured, twilio_api):
    make.customer(phone="+84905111222")
    record = press(client, start(client, "+84905111222"), "1").find("Record")
    twilio_api.get(AUDIO_URL, body=b"ID3 audio", content_type="audio/mpeg")
    form = call_form(CALL_SID, "+84905111222", RecordingUrl=RECORDING_URL,
                     RecordingSid=REC_SID, RecordingDuration="9")
    callback = twilio_post(client, record.get("action"), {**form, "RecordingStatus": "completed"})
    assert callback.status_code == 204
    twiml(twilio_post(client, record.get("action"), form))
    assert count(db_session, Message, Message.provider_message_id == f"rec-twilio-{REC_SID}") == 1
    assert count(db_session, Attachment) == 1
    assert count(db_session, Ticket) == 1


def test_a_failed_download_keeps_the_message_and_the_sweep_fetches_it_later(
        client, db_session, make, configured, twilio_api):
    make.customer(phone="+84905111222")
    record = press(client, start(client, "+84905111222"), "1").find("Record")
    twilio_api.get(AUDIO_URL, status=503)
    twiml(twilio_post(client, record.get("action"), call_form(
        CALL_SID, "+84905111222", RecordingUrl=RECORDING_URL, RecordingSid=REC_SID)))
    voicemail = db_session.scalar(sa.select(Message).where(
        Message.provider_message_id == f"rec-twilio-{REC_SID}"))
    assert voicemail.meta["recording_url"] == RECORDING_URL      # nothing lost
    assert "503" in voicemail.meta["download_error"]
    assert count(db_session, Attachment) == 0

    twilio_api.replace(responses.GET, AUDIO_URL, body=b"ID3 later", content_type="audio/mpeg")
    assert jobs.retry_recordings() == 1
    db_session.commit()                                          # the job runs after commit
    db_session.expire_all()
    assert count(db_session, Attachment, Attachment.message_id == voicemail.id) == 1


# --- 3: ticket status ----------------------------------------------------------------------

def test_status_by_code_says_the_tickets_status_then_the_menu_again(client, db_session, make,
                                                                     configured):
    customer = make.customer(phone="+84905111222")
    ticket = make.ticket(code="YC2611-000123", customer=customer, subject="Cấp điện mới")
    prompt = press(client, start(client, "+84905111222"), "3")
    gather = prompt.find("Gather")
    assert gather.get("numDigits") == "10"
    assert gather.get("action") == f"{BASE_URL}/channels/twilio/voice/gather?menu=code&attempt=0"
    answer = press(client, prompt, "2611000123")
    assert "Y C 2 6 1 1, 0 0 0 1 2 3" in said(answer)
    assert answer.find("Gather").get("action").endswith("menu=main&attempt=0")
    call = the_call(db_session)
    assert call.outcome == CallOutcome.STATUS_LOOKUP and call.outcome_detail == ticket.code
    assert call.ticket_id == ticket.id                           # the caller's own ticket
    assert call.ivr_choices == ["3", "3:YC2611-000123"]


def test_an_unknown_code_is_not_found_and_a_short_one_is_asked_again(client, db_session, make,
                                                                      configured):
    make.customer(phone="+84905111222")
    prompt = press(client, start(client, "+84905111222"), "3")
    short = press(client, prompt, "2611")
    assert "10 chữ số" in said(short)
    assert short.find("Gather").get("action").endswith("menu=code&attempt=1")
    missing = press(client, short, "2611999999")
    assert "Không tìm thấy yêu cầu" in said(missing)
    assert the_call(db_session).ticket_id is None


def test_someone_elses_code_is_told_but_not_linked_to_the_call(client, db_session, make,
                                                               configured):
    make.customer(phone="+84905111222")
    make.ticket(code="YC2611-000777")
    press(client, press(client, start(client, "+84905111222"), "3"), "2611000777")
    call = the_call(db_session)
    assert call.outcome_detail == "YC2611-000777" and call.ticket_id is None


# --- 0 / 2: an agent -----------------------------------------------------------------------

def test_zero_puts_the_caller_through_and_the_status_callback_logs_the_duration(
        client, db_session, make, configured):
    customer = make.customer(phone="+84905111222")
    root = press(client, start(client, "+84905111222"), "0")
    dial = root.find("Dial")
    assert dial.get("action") == f"{BASE_URL}/channels/twilio/voice/dial"
    number = dial.find("Number")
    assert number.text == AGENT_DIAL
    assert number.get("statusCallback") == f"{BASE_URL}/channels/twilio/voice/status"
    assert the_call(db_session).state == CallState.QUEUED

    leg = {"CallSid": "CA" + "9" * 32, "ParentCallSid": CALL_SID, "CallStatus": "in-progress",
           "From": "+842873009999", "To": AGENT_DIAL, "AccountSid": ACCOUNT_SID}
    assert twilio_post(client, number.get("statusCallback"), leg).status_code == 204
    assert the_call(db_session).state == CallState.ANSWERED

    hang_up = twiml(twilio_post(client, dial.get("action"), call_form(
        CALL_SID, "+84905111222", DialCallStatus="completed", DialCallDuration="80")))
    assert hang_up.find("Hangup") is not None
    done = twilio_post(client, "/channels/twilio/voice/status", call_form(
        CALL_SID, "+84905111222", CallStatus="completed", CallDuration="95"))
    assert done.status_code == 204

    call = the_call(db_session)
    assert call.state == CallState.ENDED and call.duration == 95
    assert call.outcome == CallOutcome.AGENT and call.ivr_choices == ["0"]
    entry = db_session.get(Message, call.message_id)
    assert "gặp điện thoại viên" in entry.body and "1 phút 35 giây" in entry.body
    assert entry.customer_id == customer.id


def test_two_new_connection_and_services_go_to_an_agent(client, db_session, make, configured):
    make.customer(phone="+84905111222")
    root = press(client, start(client, "+84905111222"), "2")
    assert root.find("Dial/Number").text == AGENT_DIAL
    assert the_call(db_session).ivr_choices == ["2"]


def test_without_an_agent_line_zero_takes_a_voicemail(client, db_session, make, no_agent_line):
    make.customer(phone="+84905111222")
    root = press(client, start(client, "+84905111222"), "0")
    assert root.find("Dial") is None
    assert root.find("Record").get("action").endswith("/recording?purpose=voicemail")
    assert the_call(db_session).state == CallState.IN_IVR      # nobody's phone rings


def test_an_unanswered_dial_falls_back_to_voicemail(client, db_session, make, configured,
                                                    twilio_api):
    customer = make.customer(phone="+84905111222")
    dial = press(client, start(client, "+84905111222"), "0").find("Dial")
    busy = twiml(twilio_post(client, dial.get("action"), call_form(
        CALL_SID, "+84905111222", DialCallStatus="no-answer")))
    assert "đang bận" in said(busy)
    record = busy.find("Record")
    assert the_call(db_session).state == CallState.MISSED
    twilio_api.get(AUDIO_URL, body=b"ID3", content_type="audio/mpeg")
    twiml(twilio_post(client, record.get("action"), call_form(
        CALL_SID, "+84905111222", RecordingUrl=RECORDING_URL, RecordingSid=REC_SID)))
    call = the_call(db_session)
    assert call.state == CallState.VOICEMAIL and call.ticket.customer_id == customer.id
    assert call.ticket.type == "inquiry"


# --- wrong or no keys --------------------------------------------------------------------

def test_wrong_keys_repeat_the_menu_twice_then_go_to_an_agent(client, db_session, make,
                                                              configured):
    make.customer(phone="+84905111222")
    first = press(client, start(client, "+84905111222"), "9")
    assert "Lựa chọn chưa đúng" in said(first)
    assert first.find("Gather").get("action").endswith("attempt=1")
    second = press(client, first, "")
    assert "chưa nhấn phím nào" in said(second)
    assert second.find("Gather").get("action").endswith("attempt=2")
    third = press(client, second, "7")
    assert third.find("Gather") is None and third.find("Dial/Number").text == AGENT_DIAL


# --- the call on the customer's pages ----------------------------------------------------

def test_the_call_shows_on_the_customer_360_and_in_its_tickets_thread(client, db_session, make,
                                                                      configured, login):
    customer = make.customer(phone="+84905111222")
    ticket = make.ticket(code="YC2611-000123", customer=customer)
    press(client, press(client, start(client, "+84905111222"), "3"), "2611000123")
    twilio_post(client, "/channels/twilio/voice/status", call_form(
        CALL_SID, "+84905111222", CallStatus="completed", CallDuration="42"))
    login(make.user())
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert 'id="calls"' in page and "tra cứu YC2611-000123" in page and "42 giây" in page
    thread = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Cuộc gọi đến tổng đài" in thread and "tra cứu YC2611-000123" in thread


# --- planned outages: 1 while one is under way, and 4 -----------------------------------------

def test_outage_during_a_planned_outage_announces_it_and_records_no_report(
        client, db_session, make, configured):
    w = world(make)
    make.customer(phone="+84905111222", ward=w.ward)
    began, ends = utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=3)
    outage(db_session, w.district, wards=[w.ward], start=began, end=ends,
           reason="Thay máy biến áp")
    root = press(client, start(client, "+84905111222"), "1")
    text = said(root)
    assert "Khu vực của quý khách đang tạm ngừng cấp điện theo kế hoạch" in text
    assert f"từ {fmt_time(began)}" in text and f"đến {fmt_time(ends)}" in text
    assert "lý do: Thay máy biến áp." in text and "–" not in text
    assert "không cần báo mất điện" in text
    assert all(s.get("language") == "vi-VN" for s in root.iter("Say"))
    assert root.find("Record") is None and root.find("Hangup") is None
    assert root.find("Gather").get("action").endswith("menu=main&attempt=0")
    assert count(db_session, Ticket) == 0
    call = the_call(db_session)
    assert call.outcome == CallOutcome.INCIDENT_NOTICE and call.ticket_id is None
    assert call.ivr_choices == ["1"]


def test_outage_after_a_planned_outage_ended_is_recorded_as_usual(client, db_session, make,
                                                                  configured):
    w = world(make)
    make.customer(phone="+84905111222", ward=w.ward)
    outage(db_session, w.district, wards=[w.ward], start=utcnow() - timedelta(hours=4),
           end=utcnow() - timedelta(minutes=5))
    outage(db_session, w.district, wards=[w.ward], start=at(2, 8), end=at(2, 16))
    root = press(client, start(client, "+84905111222"), "1")
    assert root.find("Record").get("action").endswith("/recording?purpose=outage")
    assert "theo kế hoạch" not in said(root)


def test_four_reads_the_planned_outages_of_the_callers_area_then_the_menu(
        client, db_session, make, configured):
    w = world(make)
    make.customer(phone="+84905111222", ward=w.ward)
    outage(db_session, w.district, wards=[w.ward], start=at(1, 8), end=at(1, 16),
           reason="Bảo dưỡng đường dây")
    outage(db_session, w.district, wards=[w.ward, w.ward2], start=at(4, 7), end=at(4, 11),
           reason="Thay cột")
    outage(db_session, w.district, wards=[w.ward2], start=at(2, 8), end=at(2, 16),
           reason="Không phải khu vực này")
    outage(db_session, w.district, wards=[w.ward], start=at(8, 8), end=at(8, 16),
           reason="Quá 7 ngày")
    menu = start(client, "+84905111222")
    assert "nhấn phím 4" in said(menu) and "7 ngày tới" in said(menu)
    root = press(client, menu, "4")
    says = [s.text for s in root.iter("Say")]
    assert says[0] == (f"Lịch tạm ngừng cấp điện: từ 08:00 đến 16:00 ngày {day(1):%d/%m/%Y} tại "
                       f"Phường Hải Châu, lý do: Bảo dưỡng đường dây.")
    assert says[1].startswith(f"Lịch tạm ngừng cấp điện: từ 07:00 đến 11:00 ngày "
                              f"{day(4):%d/%m/%Y}")
    text = said(root)
    assert "Không phải khu vực này" not in text and "Quá 7 ngày" not in text
    assert all(s.get("language") == "vi-VN" for s in root.iter("Say"))
    assert root.find("Gather").get("action").endswith("menu=main&attempt=0")
    assert root.find("Record") is None and count(db_session, Ticket) == 0
    assert the_call(db_session).ivr_choices == ["4"]


def test_four_without_a_planned_outage_says_so(client, db_session, make, configured):
    w = world(make)
    make.customer(phone="+84905111222", ward=w.ward)
    root = press(client, start(client, "+84905111222"), "4")
    assert said(root).startswith(
        "Không có lịch tạm ngừng cấp điện tại Phường Hải Châu trong 7 ngày tới.")
    assert root.find("Gather") is not None


def test_four_from_an_unregistered_number_asks_for_a_registered_phone_and_returns_to_the_menu(
        client, db_session, configured):
    root = press(client, start(client, "+84977123456"), "4")
    assert "gọi từ số điện thoại đã đăng ký" in said(root)
    assert root.find("Gather").get("action").endswith("menu=main&attempt=0")
    assert the_call(db_session).customer.is_provisional
    assert count(db_session, Ticket) == 0
