"""The PBX connector's call events: bearer token, validation, and a call log that survives
repeated and out-of-order events without ever going backwards."""
from __future__ import annotations

import base64

import pytest
import responses
import sqlalchemy as sa

from crm.models import (Attachment, Call, CallEventLog, CallOutcome, CallState, Customer, Message,
                        Ticket)
from tests.support.voice import SETTINGS, pbx_post

CALL_ID = "1718000000.42"
PHONE = "+84905333444"


@pytest.fixture
def configured(app, monkeypatch):
    monkeypatch.setitem(app.config, "CHANNELS", dict(SETTINGS))


def count(session, model, *where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def event(kind, **fields):
    return {"event": kind, "call_id": CALL_ID, "caller": "0905 333 444", "called": "1900 1909",
            **fields}


def the_call(session) -> Call:
    return session.scalar(sa.select(Call).where(Call.provider_call_id == CALL_ID))


# --- who may post --------------------------------------------------------------------------

def test_without_a_token_401_with_a_wrong_one_403_and_nothing_is_stored(client, db_session,
                                                                         configured):
    assert pbx_post(client, event("ringing"), token=None).status_code == 401
    assert pbx_post(client, event("ringing"), token="guess").status_code == 403
    assert count(db_session, Call) == count(db_session, Customer) == 0


def test_without_a_configured_token_the_endpoint_does_not_exist(client, db_session):
    assert pbx_post(client, event("ringing")).status_code == 404


@pytest.mark.parametrize("body", [{"event": "transfer", "call_id": CALL_ID},
                                  {"event": "ringing"}, {"event": "ended", "call_id": CALL_ID,
                                                         "at": "hôm qua"}])
def test_an_unknown_event_or_a_missing_field_is_400_with_the_reason(client, db_session,
                                                                    configured, body):
    response = pbx_post(client, body)
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert count(db_session, Call) == 0


def test_a_body_that_is_not_json_is_400(client, db_session, configured):
    response = client.post("/channels/pbx/events", data=b"{not json",
                           content_type="application/json",
                           headers={"Authorization": f"Bearer {SETTINGS['PBX_EVENTS_TOKEN']}"})
    assert response.status_code == 400 and "JSON" in response.get_json()["error"]
    assert count(db_session, Call) == 0


# --- the call log ------------------------------------------------------------------------

def test_a_ringing_call_is_logged_for_the_caller(client, db_session, make, configured):
    customer = make.customer(phone=PHONE)
    response = pbx_post(client, event("ringing", at="2026-03-02T09:15:04+07:00"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] and body["state"] == "ringing" and body["duplicate"] is False
    call = the_call(db_session)
    assert call.customer_id == customer.id and call.provider == "pbx"
    assert call.to_number == "+8419001909"
    assert call.started_at.isoformat() == "2026-03-02T02:15:04+00:00"


def test_a_repeated_event_is_applied_once(client, db_session, make, configured):
    make.customer(phone=PHONE)
    first = pbx_post(client, event("ringing", event_id="ev-1"))
    again = pbx_post(client, event("ringing", event_id="ev-1"))
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert first.get_json()["call"] == again.get_json()["call"]
    assert count(db_session, Call) == 1 and count(db_session, CallEventLog) == 1


def test_events_out_of_order_give_the_same_call_and_never_go_backwards(client, db_session,
                                                                       make, configured):
    make.customer(phone=PHONE)
    agent = make.user(phone_extension="101")
    pbx_post(client, event("answered", extension="101", at="2026-03-02T09:15:10+07:00"))
    assert the_call(db_session).state == CallState.ANSWERED
    pbx_post(client, event("ringing", extension="102", at="2026-03-02T09:15:00+07:00"))
    call = the_call(db_session)
    assert call.state == CallState.ANSWERED and call.agent_id == agent.id   # not back, not 102
    pbx_post(client, event("ended", duration=130, at="2026-03-02T09:17:10+07:00"))
    pbx_post(client, event("ringing", at="2026-03-02T09:15:00+07:00", event_id="late"))
    call = the_call(db_session)
    assert call.state == CallState.ENDED and call.duration == 130
    assert call.outcome == CallOutcome.AGENT and call.extension == "101"
    assert call.started_at.isoformat() == "2026-03-02T02:15:00+00:00"
    assert count(db_session, Call) == 1


def test_an_end_before_the_answer_still_ends_as_an_answered_call(client, db_session, make,
                                                                 configured):
    make.customer(phone=PHONE)
    pbx_post(client, event("ringing"))
    pbx_post(client, event("ended", duration=40))
    assert the_call(db_session).state == CallState.MISSED
    pbx_post(client, event("answered", extension="105"))
    call = the_call(db_session)
    assert call.state == CallState.ENDED and call.answered_at is not None


def test_ringing_then_ended_without_an_answer_is_a_missed_call(client, db_session, make,
                                                               configured):
    make.customer(phone=PHONE)
    pbx_post(client, event("ringing"))
    pbx_post(client, event("ended", duration=25))
    call = the_call(db_session)
    assert call.state == CallState.MISSED
    entry = db_session.get(Message, call.message_id)
    assert "cuộc gọi nhỡ" in entry.body and "25 giây" in entry.body


# --- recordings --------------------------------------------------------------------------

def test_an_inline_voicemail_becomes_a_ticket_message_with_its_audio(client, db_session, make,
                                                                     configured):
    customer = make.customer(phone=PHONE)
    pbx_post(client, event("ringing"))
    pbx_post(client, event("ended", duration=50))
    audio = b"RIFF\x24\x00\x00\x00WAVEfmt "
    response = pbx_post(client, event("recording", content_type="audio/wav", duration=20,
                                      recording=base64.b64encode(audio).decode()))
    assert response.status_code == 200 and response.get_json()["state"] == "voicemail"
    message = db_session.scalar(sa.select(Message).where(Message.meta.is_not(None),
                                                         Message.provider_message_id.like("rec-%")))
    assert message.meta["kind"] == "voicemail" and message.customer_id == customer.id
    ticket = db_session.get(Ticket, message.ticket_id)
    assert ticket.customer_id == customer.id and ticket.channel == "hotline"
    attachment = db_session.scalar(sa.select(Attachment).where(Attachment.message_id == message.id))
    assert attachment.size == len(audio) and attachment.content_type == "audio/wav"
    call = the_call(db_session)
    assert call.ticket_id == ticket.id and call.outcome == CallOutcome.MESSAGE_LEFT


def test_a_recording_url_is_fetched_by_a_job_without_our_credentials(client, db_session, make,
                                                                     configured):
    make.customer(phone=PHONE)
    pbx_post(client, event("ringing"))
    with responses.RequestsMock() as pbx_server:
        stub = pbx_server.get("https://pbx.lan/rec/1718000000.42.wav", body=b"RIFF audio",
                              content_type="audio/wav")
        pbx_post(client, event("recording", recording_url="https://pbx.lan/rec/1718000000.42.wav"))
        assert len(stub.calls) == 1
        assert "Authorization" not in stub.calls[0].request.headers
    assert count(db_session, Attachment) == 1
    pbx_post(client, event("recording", recording_url="https://pbx.lan/rec/1718000000.42.wav"))
    assert count(db_session, Message, Message.provider_message_id.like("rec-%")) == 1
