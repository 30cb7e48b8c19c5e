"""SMS webhooks end to end: signed posts in, messages and tickets stored, answers sent out."""
from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import parse_qs, urlencode

import pytest
import responses
import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from crm.models import (ChannelState, Customer, DeliveryStatus, Direction, Message, Ticket)

SID, TOKEN = "AC" + "3" * 32, "twilio-token-for-webhooks-4321"
TWILIO = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN,
          "TWILIO_FROM_NUMBER": "+14155550100"}
API = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
SECRET = "gateway-secret-for-webhooks"
GATEWAY = {"SMS_GATEWAY_URL": "https://sms.example.vn/api/mt", "SMS_GATEWAY_TOKEN": "gw-token",
           "SMS_GATEWAY_SECRET": SECRET}
PHONE = "+84905444555"


@pytest.fixture
def configured(app, monkeypatch):
    monkeypatch.setitem(app.config, "CHANNELS", {**TWILIO, **GATEWAY})


def twilio_post(client, path, form, *, token=TOKEN, signature=None):
    url = f"http://cskh.test{path}"
    signature = signature if signature is not None else \
        RequestValidator(token).compute_signature(url, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


def sms_form(body="Nhà tôi mất điện từ sáng", sid="SM" + "1" * 32, **extra):
    return {"MessageSid": sid, "SmsSid": sid, "AccountSid": SID, "From": PHONE,
            "To": "+14155550100", "Body": body, "NumMedia": "0", **extra}


def gateway_post(client, path, data, *, secret=SECRET, raw=None, content_type="application/json"):
    body = raw if raw is not None else (
        json.dumps(data).encode() if content_type == "application/json" else
        urlencode(data).encode())
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(path, data=body, content_type=content_type,
                       headers={"X-Signature": signature})


def count(session, model, *where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def outbound(session):
    return session.scalars(sa.select(Message).where(Message.direction == Direction.OUTBOUND)).all()


def test_a_signed_twilio_sms_is_stored_on_the_customers_new_ticket(client, db_session, make,
                                                                     configured):
    customer = make.customer(phone=PHONE)
    response = twilio_post(client, "/channels/twilio/sms", sms_form())
    assert response.status_code == 200 and response.mimetype == "text/xml"
    assert b"<Response" in response.data
    message = db_session.scalar(sa.select(Message))
    assert message.customer_id == customer.id and message.body == "Nhà tôi mất điện từ sáng"
    assert message.ticket.customer_id == customer.id and message.ticket.channel == "sms"
    assert db_session.get(ChannelState, "twilio_sms").last_inbound_at is not None


def test_the_next_sms_joins_the_open_conversation(client, db_session, make, configured):
    make.customer(phone=PHONE)
    twilio_post(client, "/channels/twilio/sms", sms_form())
    twilio_post(client, "/channels/twilio/sms", sms_form("Vẫn chưa có điện", sid="SM" + "2" * 32))
    assert count(db_session, Ticket) == 1 and count(db_session, Message) == 2


def test_a_retried_message_sid_stores_one_message(client, db_session, configured):
    for _ in range(3):
        assert twilio_post(client, "/channels/twilio/sms", sms_form()).status_code == 200
    assert count(db_session, Message) == 1 and count(db_session, Ticket) == 1
    assert count(db_session, Customer) == 1


@pytest.mark.parametrize("signature", ["", "forged", None])
def test_a_forged_or_unsigned_twilio_request_is_refused_and_stores_nothing(
        client, db_session, configured, signature):
    if signature is None:
        response = twilio_post(client, "/channels/twilio/sms", sms_form(), token="not-ours")
    else:
        response = twilio_post(client, "/channels/twilio/sms", sms_form(), signature=signature)
    assert response.status_code == 403
    assert count(db_session, Message) == 0 and count(db_session, Customer) == 0
    assert count(db_session, ChannelState) == 0


def test_without_settings_the_sms_webhooks_are_not_there(client, db_session):
    for path in ("/channels/twilio/sms", "/channels/twilio/sms/status",
                 "/channels/sms-gateway/inbound", "/channels/sms-gateway/status"):
        assert client.post(path, data={"From": PHONE}).status_code == 404


@pytest.mark.parametrize("form, reason", [
    (sms_form(From=""), "missing"), (sms_form(Body=""), "empty"),
    (sms_form(From="VIETTEL"), "phone"), (sms_form(From="+84 12"), "phone"),
    ({"Body": "hi", "From": PHONE}, "MessageSid"),
])
def test_malformed_twilio_posts_get_400_with_the_reason(client, db_session, configured, form,
                                                        reason):
    response = twilio_post(client, "/channels/twilio/sms", form)
    assert response.status_code == 400 and reason in response.get_json()["error"]
    assert count(db_session, Message) == 0
    assert reason in db_session.get(ChannelState, "twilio_sms").last_error


def test_a_foreign_number_is_accepted(client, db_session, configured):
    response = twilio_post(client, "/channels/twilio/sms", sms_form(From="+14155550123"))
    assert response.status_code == 200
    assert db_session.scalar(sa.select(Message.address)) == "+14155550123"


@responses.activate
def test_a_status_query_by_sms_is_answered_by_sms_once(client, db_session, make, app,
                                                       monkeypatch):
    monkeypatch.setitem(app.config, "CHANNELS", TWILIO)              # Twilio only: it sends
    responses.post(API, status=201, json={"sid": "SM" + "9" * 32, "status": "queued"})
    ticket = make.ticket(subject="Cấp điện mới")
    make.customer(phone=PHONE)
    for _ in range(2):                                                # Twilio retries once
        twilio_post(client, "/channels/twilio/sms", sms_form(f"TT {ticket.code}"))
    assert count(db_session, Ticket) == 1
    [call] = responses.calls
    sent = parse_qs(call.request.body)
    assert sent["To"] == [PHONE] and sent["From"] == ["+14155550100"]
    assert sent["Body"][0].startswith(f"Yeu cau {ticket.code}") and sent["Body"][0].isascii()
    assert len(sent["Body"][0]) <= 160
    [answer] = outbound(db_session)
    assert answer.status == DeliveryStatus.SENT and answer.provider_message_id == "SM" + "9" * 32
    assert sent["StatusCallback"] == [
        f"http://cskh.test/channels/twilio/sms/status?ref=message-{answer.id}"]


def test_twilio_status_callbacks_update_the_message_and_never_go_back(client, db_session, make,
                                                                      configured):
    message = make.message(direction=Direction.OUTBOUND, status=DeliveryStatus.SENT,
                           provider_message_id="SM" + "7" * 32)
    path = f"/channels/twilio/sms/status?ref=message-{message.id}"

    def callback(status, **extra):
        form = {"MessageSid": "SM" + "7" * 32, "MessageStatus": status, "AccountSid": SID,
                **extra}
        return twilio_post(client, path, form)
    assert callback("delivered").status_code == 204
    assert message.status == DeliveryStatus.DELIVERED
    assert callback("sent").status_code == 204
    assert message.status == DeliveryStatus.DELIVERED


def test_a_failed_delivery_keeps_the_error_code(client, db_session, make, configured):
    message = make.message(direction=Direction.OUTBOUND, status=DeliveryStatus.SENT,
                           provider_message_id="SM" + "8" * 32)
    form = {"MessageSid": "SM" + "8" * 32, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert twilio_post(client, "/channels/twilio/sms/status", form).status_code == 204
    assert message.status == DeliveryStatus.FAILED and message.error == "30003"
    assert "30003" in db_session.get(ChannelState, "twilio_sms").last_error


def test_a_forged_status_callback_changes_nothing(client, db_session, make, configured):
    message = make.message(direction=Direction.OUTBOUND, status=DeliveryStatus.SENT,
                           provider_message_id="SM" + "6" * 32)
    form = {"MessageSid": "SM" + "6" * 32, "MessageStatus": "failed"}
    response = twilio_post(client, "/channels/twilio/sms/status", form, signature="bad")
    assert response.status_code == 403 and message.status == DeliveryStatus.SENT


def test_a_gateway_mo_is_stored_once(client, db_session, make, configured):
    customer = make.customer(phone=PHONE)
    mo = {"id": "MO-1", "from": "0905444555", "to": "8079", "text": "Cho hỏi tiền điện tháng 11",
          "received_at": "2026-11-23T08:00:00+07:00"}
    first = gateway_post(client, "/channels/sms-gateway/inbound", mo)
    again = gateway_post(client, "/channels/sms-gateway/inbound", mo)
    assert first.get_json() == {"ok": True, "duplicate": False}
    assert again.get_json() == {"ok": True, "duplicate": True}
    message = db_session.scalar(sa.select(Message))
    assert message.customer_id == customer.id and message.provider_message_id == "gw-mo-MO-1"
    assert count(db_session, Message) == 1


def test_a_gateway_form_post_works_too(client, db_session, configured):
    mo = {"id": "MO-2", "from": "84905444555", "text": "Xin chào"}
    response = gateway_post(client, "/channels/sms-gateway/inbound", mo,
                            content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and count(db_session, Message) == 1


def test_a_gateway_post_with_a_bad_hmac_is_refused(client, db_session, configured):
    mo = {"id": "MO-3", "from": PHONE, "text": "HD"}
    response = gateway_post(client, "/channels/sms-gateway/inbound", mo, secret="guess")
    assert response.status_code == 403 and count(db_session, Message) == 0


@pytest.mark.parametrize("raw, reason", [
    (b"{garbage", "JSON"), (b"[1, 2]", "object"),
    (b'{"id": "x", "from": "+8490", "text": "HD"}', "phone"),
    (b'{"id": "x", "from": "0905444555", "text": ""}', "empty"),
])
def test_garbage_from_the_gateway_gets_400(client, db_session, configured, raw, reason):
    response = gateway_post(client, "/channels/sms-gateway/inbound", None, raw=raw)
    assert response.status_code == 400 and reason in response.get_json()["error"]
    assert count(db_session, Message) == 0


def test_gateway_receipts_update_by_our_reference(client, db_session, make, configured):
    message = make.message(direction=Direction.OUTBOUND, status=DeliveryStatus.QUEUED,
                           provider_message_id=None)
    receipt = {"id": "MT-1", "client_ref": f"message-{message.id}", "status": "delivered"}
    response = gateway_post(client, "/channels/sms-gateway/status", receipt)
    assert response.get_json() == {"ok": True, "updated": True}
    assert message.status == DeliveryStatus.DELIVERED
    assert message.provider_message_id == "gw-mt-MT-1"
    late = {"id": "MT-1", "status": "sent"}
    assert gateway_post(client, "/channels/sms-gateway/status", late).get_json()["updated"] \
        is False
    assert gateway_post(client, "/channels/sms-gateway/status",
                        {"id": "MT-1", "status": "weird"}).status_code == 400
