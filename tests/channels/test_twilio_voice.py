"""The Twilio Voice and PBX adapters: bytes in, call events out; TwiML; recording downloads
stubbed at the HTTP layer."""
from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET

import pytest
import requests
import responses

import channels
from channels.base import BadPayload, ContactRef, OutboundMessage, WebhookRequest
from channels.calls import (ANSWERED, ENDED, GATHER, IVR, MISSED, RECORDING, RINGING,
                            DownloadError)
from channels.pbx import Pbx
from channels.twilio_voice import LANGUAGE, VOICE, Twiml, TwilioVoice
from tests.support.voice import ACCOUNT_SID, AUTH_TOKEN, PBX_TOKEN, SETTINGS, signature

URL = "https://cskh.example.vn/channels/twilio/voice"
CALL = "CA" + "b" * 32
RECORDING_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/RE" + "c" * 32


def signed(form, url=URL, token=AUTH_TOKEN, **headers):
    return WebhookRequest(url=url, headers={"X-Twilio-Signature": signature(url, form, token),
                                            **headers}, body=b"", form=form)


def form(**extra):
    return {"CallSid": CALL, "AccountSid": ACCOUNT_SID, "From": "+84905123456",
            "To": "+842873009999", "CallStatus": "ringing", **extra}


def pbx_request(body, token=PBX_TOKEN):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return WebhookRequest(url="https://cskh.example.vn/channels/pbx/events",
                          headers={"Authorization": f"Bearer {token}"}, body=raw)


# --- Twilio: verification ------------------------------------------------------------

def test_voice_is_registered_for_the_hotline_and_configured_by_sid_and_token():
    assert channels.by_name("twilio_voice") is TwilioVoice
    assert TwilioVoice in channels.ADAPTERS["hotline"]
    assert TwilioVoice(SETTINGS).is_configured()
    assert not TwilioVoice({"TWILIO_ACCOUNT_SID": ACCOUNT_SID}).is_configured()


def test_a_request_signed_by_twilio_verifies_and_a_forged_one_does_not():
    voice = TwilioVoice(SETTINGS)
    assert voice.verify(signed(form()))
    assert not voice.verify(signed(form(), token="someone-else"))
    tampered = signed(form())
    assert not voice.verify(WebhookRequest(url=URL, headers=tampered.headers, body=b"",
                                           form={**form(), "From": "+84911111111"}))
    assert not voice.verify(WebhookRequest(url=URL, headers={}, body=b"", form=form()))


def test_the_query_string_is_part_of_what_twilio_signs():
    gather_url = URL + "/gather?menu=main&attempt=0"
    request = signed(form(Digits="1"), url=gather_url)
    assert TwilioVoice(SETTINGS).verify(request)
    moved = WebhookRequest(url=URL + "/gather?menu=code&attempt=0", headers=request.headers,
                           body=b"", form=request.form)
    assert not TwilioVoice(SETTINGS).verify(moved)


# --- Twilio: parsing -----------------------------------------------------------------

def test_each_webhook_becomes_the_matching_call_event():
    voice = TwilioVoice(SETTINGS)
    incoming = voice.parse_call(signed(form()), "incoming")
    assert (incoming.kind, incoming.call_id, incoming.caller) == (IVR, CALL, "+84905123456")
    assert voice.parse_call(signed(form(Digits="3")), "gather").kind == GATHER
    ended = voice.parse_call(signed(form(CallStatus="completed", CallDuration="125")), "status")
    assert (ended.kind, ended.duration) == (ENDED, 125)
    assert voice.parse_call(signed(form(CallStatus="ringing")), "status").kind == "status-ringing"


def test_the_agent_leg_answering_counts_for_the_callers_call():
    leg = form(CallSid="CA" + "d" * 32, ParentCallSid=CALL, CallStatus="in-progress",
               From="+842873009999", To="+842873001234")
    event = TwilioVoice(SETTINGS).parse_call(signed(leg), "status")
    assert (event.kind, event.call_id, event.caller) == (ANSWERED, CALL, None)


def test_the_dial_result_says_answered_or_missed():
    voice = TwilioVoice(SETTINGS)
    talked = voice.parse_call(signed(form(DialCallStatus="completed", DialCallDuration="60")),
                              "dial")
    assert (talked.kind, talked.duration) == (ANSWERED, 60)
    assert voice.parse_call(signed(form(DialCallStatus="no-answer")), "dial").kind == MISSED
    assert voice.parse_call(signed(form(DialCallStatus="busy")), "dial").kind == MISSED


def test_a_recording_carries_its_url_and_id():
    event = TwilioVoice(SETTINGS).parse_call(signed(form(
        RecordingUrl=RECORDING_URL, RecordingSid="RE" + "c" * 32, RecordingDuration="14")),
        "recording")
    assert event.kind == RECORDING
    assert event.recording.url == RECORDING_URL and event.recording.duration == 14
    failed = TwilioVoice(SETTINGS).parse_call(signed(form(RecordingStatus="failed")),
                                              "recording")
    assert failed.kind == "recording-failed" and failed.recording is None


@pytest.mark.parametrize("bad", [{"CallSid": ""}, {"Digits": "1;DROP"},
                                 {"CallStatus": "completed", "CallDuration": "long"},
                                 {"CallStatus": "completed", "CallDuration": "-4"}])
def test_malformed_webhooks_are_bad_payloads(bad):
    step = "gather" if "Digits" in bad else "status"
    with pytest.raises(BadPayload):
        TwilioVoice(SETTINGS).parse_call(signed(form(**bad)), step)


def test_a_recording_without_its_url_is_a_bad_payload():
    with pytest.raises(BadPayload):
        TwilioVoice(SETTINGS).parse_call(signed(form(RecordingSid="RE1")), "recording")


def test_the_same_delivery_has_the_same_key_and_twilios_token_wins():
    voice = TwilioVoice(SETTINGS)
    request = signed(form())
    assert voice.parse_call(request, "incoming").key == voice.parse_call(request, "incoming").key
    with_token = signed(form(), **{"I-Twilio-Idempotency-Token": "tok-1"})
    assert voice.parse_call(with_token, "incoming").key == "tok-1"


def test_a_call_cannot_carry_a_text_reply():
    result = TwilioVoice(SETTINGS).send(OutboundMessage(ContactRef("phone", "+84905123456"),
                                                        "Xin chào", idempotency_key="m-1"))
    assert not result.ok and not result.retryable
    assert "reply by SMS" in result.error


# --- TwiML ---------------------------------------------------------------------------

def test_twiml_speaks_vietnamese_with_a_google_vi_vn_voice():
    root = ET.fromstring(str(Twiml().say("Xin chào").ask("Nhấn phím 1", "https://x/g?a=1")
                             .hangup()))
    says = list(root.iter("Say"))
    assert says and all(s.get("language") == LANGUAGE == "vi-VN" for s in says)
    assert all(s.get("voice") == VOICE and s.get("voice").startswith("Google.vi-VN-")
               for s in says)
    gather = root.find("Gather")
    assert gather.get("action") == "https://x/g?a=1" and gather.get("numDigits") == "1"
    assert gather.get("actionOnEmptyResult") == "true"


def test_dial_uses_a_number_or_a_sip_uri_and_reports_the_answer():
    root = ET.fromstring(str(Twiml().dial("028 7300 1234", "https://x/d", "https://x/s")))
    number = root.find("Dial/Number")
    assert number.text == "+842873001234" and number.get("statusCallbackEvent") == "answered"
    assert root.find("Dial").get("action") == "https://x/d"
    sip = ET.fromstring(str(Twiml().dial("sip:agents@pbx.lan", "https://x/d", "https://x/s")))
    assert sip.find("Dial/Sip").text == "sip:agents@pbx.lan"


# --- recording downloads ---------------------------------------------------------------

@responses.activate
def test_a_recording_is_fetched_from_the_configured_base_with_basic_auth():
    stub = responses.get(f"{SETTINGS['TWILIO_API_BASE']}/2010-04-01/Accounts/{ACCOUNT_SID}"
                         f"/Recordings/RE{'c' * 32}.mp3", body=b"ID3-audio",
                         content_type="audio/mpeg")
    data, kind = TwilioVoice(SETTINGS).fetch_recording(RECORDING_URL, 1000)
    assert (data, kind) == (b"ID3-audio", "audio/mpeg")
    sent = stub.calls[0].request.headers["Authorization"]
    assert sent == "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()


@responses.activate
def test_credentials_never_go_to_a_host_other_than_twilios():
    with pytest.raises(DownloadError):
        TwilioVoice(SETTINGS).fetch_recording("https://evil.example/rec/RE1", 1000)
    assert len(responses.calls) == 0


@responses.activate
def test_download_errors_say_whether_a_retry_may_help():
    base = f"{SETTINGS['TWILIO_API_BASE']}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/RE{'c' * 32}.mp3"
    responses.get(base, status=404)
    with pytest.raises(DownloadError) as not_ready:
        TwilioVoice(SETTINGS).fetch_recording(RECORDING_URL, 1000)
    assert not_ready.value.retryable
    responses.replace(responses.GET, base, body=b"x" * 2000, content_type="audio/mpeg")
    with pytest.raises(DownloadError) as too_big:
        TwilioVoice(SETTINGS).fetch_recording(RECORDING_URL, 1000)
    assert not too_big.value.retryable
    responses.replace(responses.GET, base, body=requests.ConnectionError("down"))
    with pytest.raises(DownloadError) as down:
        TwilioVoice(SETTINGS).fetch_recording(RECORDING_URL, 1000)
    assert down.value.retryable


# --- PBX -------------------------------------------------------------------------------

def test_pbx_checks_its_bearer_token():
    pbx = Pbx(SETTINGS)
    assert pbx.is_configured() and not Pbx({}).is_configured()
    assert pbx.verify(pbx_request({"event": "ringing"}))
    assert not pbx.verify(pbx_request({"event": "ringing"}, token="wrong"))
    assert not pbx.verify(WebhookRequest(url="u", headers={}, body=b"{}"))
    assert not Pbx({}).verify(pbx_request({"event": "ringing"}, token=""))


def test_pbx_events_parse_with_vietnam_time_by_default():
    event = Pbx(SETTINGS).parse_call(pbx_request({
        "event": "ringing", "call_id": "1718000000.42", "caller": "0905 123 456",
        "called": "1900 1909", "extension": "101", "at": "2026-03-02T09:15:04"}))
    assert (event.kind, event.call_id, event.caller, event.extension) == (
        RINGING, "1718000000.42", "0905 123 456", "101")
    assert event.at.isoformat() == "2026-03-02T02:15:04+00:00"


def test_a_pbx_recording_comes_as_a_url_or_inline_audio():
    by_url = Pbx(SETTINGS).parse_call(pbx_request({
        "event": "recording", "call_id": "c1", "recording_url": "https://pbx.lan/r/c1.wav"}))
    assert by_url.recording.url == "https://pbx.lan/r/c1.wav"
    inline = Pbx(SETTINGS).parse_call(pbx_request({
        "event": "recording", "call_id": "c1", "content_type": "audio/wav",
        "recording": base64.b64encode(b"RIFF....WAVE").decode()}))
    assert inline.recording.data == b"RIFF....WAVE"


@pytest.mark.parametrize("body", [
    b"not json", b"[1, 2]", {"event": "hangup", "call_id": "c1"}, {"event": "ringing"},
    {"event": "ringing", "call_id": "x" * 65}, {"event": "ended", "call_id": "c1", "duration": "?"},
    {"event": "ended", "call_id": "c1", "at": "yesterday"},
    {"event": "recording", "call_id": "c1"},
    {"event": "recording", "call_id": "c1", "recording": "%%% not base64"},
    {"event": "recording", "call_id": "c1", "recording_url": "file:///etc/passwd"},
])
def test_malformed_pbx_events_are_bad_payloads(body):
    with pytest.raises(BadPayload):
        Pbx(SETTINGS).parse_call(pbx_request(body))
