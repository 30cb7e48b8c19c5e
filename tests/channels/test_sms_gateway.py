"""The Vietnamese SMS gateway adapter: HMAC-signed JSON or forms in, JSON out."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timezone
from urllib.parse import urlencode

import pytest
import requests
import responses

from channels.base import BadPayload, ContactRef, OutboundMessage, WebhookRequest
from channels.sms_gateway import SmsGateway

SECRET = "gateway-shared-secret-1234"
SETTINGS = {"SMS_GATEWAY_URL": "https://sms.example.vn/api/mt", "SMS_GATEWAY_TOKEN": "tok-9876",
            "SMS_GATEWAY_SECRET": SECRET, "SMS_GATEWAY_BRANDNAME": "EVNCPC"}
URL = "https://cskh.example.vn/channels/sms-gateway/inbound"


def sign(body: bytes, secret=SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def json_request(data, *, signature=None, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(data).encode()
    return WebhookRequest(url=URL, body=body, headers={
        "Content-Type": "application/json",
        "X-Signature": signature if signature is not None else sign(body)})


def form_request(fields):
    body = urlencode(fields).encode()
    return WebhookRequest(url=URL, body=body, form=fields, headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Signature": sign(body)})


MO = {"id": "MO-1001", "from": "84905123456", "to": "8079", "text": "TT YC2611-000123",
      "received_at": "2026-11-23T08:15:00"}


def test_configured_needs_url_token_and_secret():
    assert SmsGateway(SETTINGS).is_configured()
    assert not SmsGateway({**SETTINGS, "SMS_GATEWAY_SECRET": ""}).is_configured()


def test_the_hmac_of_the_raw_body_verifies_in_any_hex_case():
    adapter = SmsGateway(SETTINGS)
    assert adapter.verify(json_request(MO))
    body = json.dumps(MO).encode()
    assert adapter.verify(json_request(MO, signature=sign(body).upper()))


@pytest.mark.parametrize("signature", ["", "00" * 32, sign(b"other body"),
                                       sign(json.dumps(MO).encode(), "wrong"), "không-hex"])
def test_a_wrong_or_missing_signature_fails(signature):
    assert not SmsGateway(SETTINGS).verify(json_request(MO, signature=signature))


def test_json_mo_becomes_a_message_read_in_vietnam_time():
    [message] = SmsGateway(SETTINGS).parse(json_request(MO))
    assert message.external_id == "gw-mo-MO-1001" and message.channel == "sms"
    assert message.sender == ContactRef("phone", "+84905123456")
    assert message.received_at == datetime(2026, 11, 23, 1, 15, tzinfo=timezone.utc)
    assert message.text == "TT YC2611-000123" and message.meta["to"] == "8079"


def test_a_form_mo_and_numeric_ids_work_too():
    [message] = SmsGateway(SETTINGS).parse(form_request({**MO, "id": "77"}))
    assert message.external_id == "gw-mo-77"
    [message] = SmsGateway(SETTINGS).parse(json_request({**MO, "id": 78}))
    assert message.external_id == "gw-mo-78"


@pytest.mark.parametrize("data, raw, reason", [
    (None, b"{not json", "JSON"), (None, b"\xff\xfe", "JSON"), (["a"], None, "object"),
    ({**MO, "id": ""}, None, "id"), ({**MO, "text": " "}, None, "empty"),
    ({**MO, "from": None}, None, "missing"), ({**MO, "from": "EVN"}, None, "phone"),
    ({**MO, "received_at": "hôm qua"}, None, "received_at"),
    ({**MO, "text": {"nested": 1}}, None, "strings"),
])
def test_malformed_mo_raises_bad_payload_with_the_reason(data, raw, reason):
    with pytest.raises(BadPayload, match=reason):
        SmsGateway(SETTINGS).parse(json_request(data, raw=raw))


def test_a_body_that_is_neither_json_nor_a_form_is_malformed():
    request = WebhookRequest(URL, {"Content-Type": "text/plain"}, b"hello", {})
    with pytest.raises(BadPayload, match="JSON object or a form"):
        SmsGateway(SETTINGS).parse(request)


def test_receipts_map_statuses_and_keep_our_reference():
    adapter = SmsGateway(SETTINGS)
    receipt = adapter.parse_status(json_request(
        {"id": "MT-5", "client_ref": "message-7", "status": "FAILED", "error_code": "E12",
         "error": "Thuê bao không tồn tại"}))
    assert receipt.external_id == "gw-mt-MT-5" and receipt.reference == "message-7"
    assert receipt.status == "failed" and receipt.error_text() == "E12: Thuê bao không tồn tại"
    assert adapter.parse_status(json_request({"id": "MT-5", "status": "delivered"})).status \
        == "delivered"
    with pytest.raises(BadPayload, match="unknown status"):
        adapter.parse_status(json_request({"id": "MT-5", "status": "lost"}))
    with pytest.raises(BadPayload, match="required"):
        adapter.parse_status(json_request({"status": "sent"}))


def outbound(text="Da tiep nhan bao mat dien"):
    return OutboundMessage(to=ContactRef("phone", "+84905123456"), text=text,
                           idempotency_key="message-42")


@responses.activate
def test_send_posts_the_contract_with_the_bearer_token():
    responses.post(SETTINGS["SMS_GATEWAY_URL"], json={"id": "MT-9", "status": "accepted"},
                   match=[responses.matchers.header_matcher(
                       {"Authorization": "Bearer tok-9876"})])
    result = SmsGateway(SETTINGS).send(outbound())
    assert result.ok and result.external_id == "gw-mt-MT-9"
    assert json.loads(responses.calls[0].request.body) == {
        "to": "84905123456", "text": "Da tiep nhan bao mat dien", "brandname": "EVNCPC",
        "client_ref": "message-42"}


@responses.activate
@pytest.mark.parametrize("status, payload, retryable, words", [
    (500, {"error": "maintenance"}, True, "500"), (429, {}, True, "429"),
    (400, {"error": "số không hợp lệ"}, False, "số không hợp lệ"),
    (401, "unauthorised", False, "401"),
])
def test_gateway_errors_are_retryable_or_permanent(status, payload, retryable, words):
    kwargs = {"json": payload} if isinstance(payload, dict) else {"body": payload}
    responses.post(SETTINGS["SMS_GATEWAY_URL"], status=status, **kwargs)
    result = SmsGateway(SETTINGS).send(outbound())
    assert not result.ok and result.retryable is retryable and words in result.error


@responses.activate
def test_a_refusal_in_a_200_is_permanent_and_no_json_is_retryable():
    responses.post(SETTINGS["SMS_GATEWAY_URL"], json={"status": "rejected", "error": "brandname"})
    refused = SmsGateway(SETTINGS).send(outbound())
    assert not refused.ok and not refused.retryable and "brandname" in refused.error
    responses.replace(responses.POST, SETTINGS["SMS_GATEWAY_URL"], body="OK")
    unclear = SmsGateway(SETTINGS).send(outbound())
    assert not unclear.ok and unclear.retryable


@responses.activate
def test_a_timeout_is_retryable():
    responses.post(SETTINGS["SMS_GATEWAY_URL"], body=requests.Timeout("read timed out"))
    result = SmsGateway(SETTINGS).send(outbound())
    assert not result.ok and result.retryable
