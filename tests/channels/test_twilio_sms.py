"""The Twilio SMS adapter: bytes in, dataclasses out; the API stubbed at the HTTP layer."""
from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
import requests
import responses
from twilio.request_validator import RequestValidator

import channels
from channels.base import BadPayload, ContactRef, OutboundMessage, WebhookRequest
from channels.sms_gateway import SmsGateway
from channels.twilio_sms import TwilioSms

SID, TOKEN = "AC" + "1" * 32, "twilio-auth-token-5678"
SETTINGS = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_FROM_NUMBER": "+14155550100"}
URL = "https://cskh.example.vn/channels/twilio/sms"
API = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"


def inbound_form(**overrides):
    form = {"MessageSid": "SM" + "a" * 32, "SmsSid": "SM" + "a" * 32, "AccountSid": SID,
            "From": "+84905123456", "To": "+14155550100", "Body": "Nhà tôi mất điện",
            "NumMedia": "0", "NumSegments": "1", "SmsStatus": "received",
            "ApiVersion": "2010-04-01"}
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def signed(form, url=URL, token=TOKEN):
    signature = RequestValidator(token).compute_signature(url, form)
    return WebhookRequest(url=url, headers={"X-Twilio-Signature": signature}, body=b"", form=form)


def outbound(text="Da tiep nhan", **meta):
    return OutboundMessage(to=ContactRef("phone", "+84905123456"), text=text,
                           idempotency_key="message-7", meta=meta)


def test_configured_only_with_sid_token_and_sender():
    assert TwilioSms(SETTINGS).is_configured()
    assert not TwilioSms({**SETTINGS, "TWILIO_FROM_NUMBER": None}).is_configured()
    assert not TwilioSms({}).is_configured()


def test_a_request_signed_by_twilio_verifies():
    assert TwilioSms(SETTINGS).verify(signed(inbound_form()))


def test_a_changed_field_a_wrong_token_or_no_signature_fails():
    request = signed(inbound_form())
    tampered = WebhookRequest(url=URL, headers=request.headers, body=b"",
                              form={**request.form, "Body": "khác"})
    assert not TwilioSms(SETTINGS).verify(tampered)
    assert not TwilioSms(SETTINGS).verify(signed(inbound_form(), token="other"))
    assert not TwilioSms(SETTINGS).verify(WebhookRequest(URL, {}, b"", inbound_form()))


def test_the_signature_covers_the_scheme_of_the_public_url():
    request = signed(inbound_form())
    as_seen_behind_a_proxy = WebhookRequest(url=URL.replace("https", "http"),
                                            headers=request.headers, body=b"", form=request.form)
    assert not TwilioSms(SETTINGS).verify(as_seen_behind_a_proxy)


def test_an_inbound_sms_becomes_one_message_with_an_e164_sender():
    [message] = TwilioSms(SETTINGS).parse(signed(inbound_form(From="0905 123 456")))
    assert message.channel == "sms" and message.external_id == "SM" + "a" * 32
    assert message.sender == ContactRef("phone", "+84905123456")
    assert message.text == "Nhà tôi mất điện" and message.received_at.tzinfo is not None
    assert message.meta["to"] == "+14155550100"


def test_mms_media_urls_are_kept_in_meta():
    form = inbound_form(Body="", NumMedia="2", MediaUrl0="https://api.twilio.com/m/ME1",
                        MediaContentType0="image/jpeg", MediaUrl1="https://api.twilio.com/m/ME2",
                        MediaContentType1="image/png")
    [message] = TwilioSms(SETTINGS).parse(signed(form))
    assert message.text == ""
    assert message.meta["media"] == [
        {"url": "https://api.twilio.com/m/ME1", "content_type": "image/jpeg"},
        {"url": "https://api.twilio.com/m/ME2", "content_type": "image/png"}]


def test_a_foreign_number_is_kept():
    [message] = TwilioSms(SETTINGS).parse(signed(inbound_form(From="+14155550123")))
    assert message.sender.address == "+14155550123"


@pytest.mark.parametrize("overrides, reason", [
    ({"From": None}, "missing"), ({"From": "VIETTEL"}, "phone"), ({"From": "+8412"}, "phone"),
    ({"Body": "   "}, "empty"), ({"MessageSid": None, "SmsSid": None}, "MessageSid"),
    ({"NumMedia": "many"}, "NumMedia"),
])
def test_malformed_inbound_raises_bad_payload_with_the_reason(overrides, reason):
    with pytest.raises(BadPayload, match=reason):
        TwilioSms(SETTINGS).parse(signed(inbound_form(**overrides)))


@responses.activate
def test_send_posts_to_from_body_and_status_callback_to_twilio():
    responses.post(API, status=201, json={"sid": "SM" + "b" * 32, "status": "queued"})
    callback = "https://cskh.example.vn/channels/twilio/sms/status?ref=message-7"
    result = TwilioSms(SETTINGS).send(outbound(status_callback=callback))
    assert result.ok and result.external_id == "SM" + "b" * 32
    [call] = responses.calls
    assert parse_qs(call.request.body) == {
        "To": ["+84905123456"], "From": ["+14155550100"], "Body": ["Da tiep nhan"],
        "StatusCallback": [callback]}
    assert call.request.headers["Authorization"].startswith("Basic ")


@responses.activate
def test_twilio_api_base_points_the_client_elsewhere():
    base = "http://127.0.0.1:9/twilio"
    responses.post(f"{base}/2010-04-01/Accounts/{SID}/Messages.json", status=201,
                   json={"sid": "SM" + "c" * 32, "status": "queued"})
    result = TwilioSms({**SETTINGS, "TWILIO_API_BASE": base + "/"}).send(outbound())
    assert result.ok and "StatusCallback" not in parse_qs(responses.calls[0].request.body)


@responses.activate
def test_a_messaging_service_sender_is_sent_as_such():
    responses.post(API, status=201, json={"sid": "SM" + "d" * 32, "status": "accepted"})
    TwilioSms({**SETTINGS, "TWILIO_FROM_NUMBER": "MG" + "9" * 32}).send(outbound())
    body = parse_qs(responses.calls[0].request.body)
    assert body["MessagingServiceSid"] == ["MG" + "9" * 32] and "From" not in body


@responses.activate
@pytest.mark.parametrize("status, code, retryable", [
    (400, 21211, False), (401, 20003, False), (429, 20429, True), (500, 20500, True),
    (503, 20503, True)])
def test_twilio_errors_map_to_retryable_or_permanent_results(status, code, retryable):
    responses.post(API, status=status, json={"code": code, "message": "Lỗi thử", "status": status})
    result = TwilioSms(SETTINGS).send(outbound())
    assert not result.ok and result.retryable is retryable
    assert str(code) in result.error


@responses.activate
def test_a_network_error_is_retryable():
    responses.post(API, body=requests.ConnectionError("connection refused"))
    result = TwilioSms(SETTINGS).send(outbound())
    assert not result.ok and result.retryable and "unreachable" in result.error


def test_status_callbacks_map_to_sent_delivered_failed_or_nothing():
    adapter = TwilioSms(SETTINGS)
    url = URL + "/status?ref=message-7"

    def receipt(status, **extra):
        form = {"MessageSid": "SM" + "b" * 32, "MessageStatus": status, **extra}
        return adapter.parse_status(signed(form, url=url))
    assert receipt("sent").status == "sent" and receipt("sent").reference == "message-7"
    assert receipt("delivered").status == "delivered"
    failed = receipt("undelivered", ErrorCode="30003")
    assert failed.status == "failed" and failed.error_text() == "30003"
    assert receipt("sending").status is None
    with pytest.raises(BadPayload):
        adapter.parse_status(signed({"MessageStatus": "sent"}, url=url))


def test_the_local_gateway_is_preferred_for_sms_when_both_are_configured():
    gateway = {"SMS_GATEWAY_URL": "https://gw.example.vn/send", "SMS_GATEWAY_TOKEN": "t" * 20,
               "SMS_GATEWAY_SECRET": "s" * 20}
    assert [cls.name for cls in channels.ADAPTERS["sms"]][:2] == ["sms_gateway", "twilio_sms"]
    assert isinstance(channels.for_channel("sms", {**SETTINGS, **gateway}), SmsGateway)
    assert isinstance(channels.for_channel("sms", SETTINGS), TwilioSms)
    assert channels.status({})["sms"] is False


def test_a_request_without_a_form_is_malformed():
    # Twilio posts forms; the fields of a JSON body are not read.
    request = WebhookRequest(URL, {}, json.dumps({"MessageSid": "SMx"}).encode(), {})
    with pytest.raises(BadPayload):
        TwilioSms(SETTINGS).parse(request)
