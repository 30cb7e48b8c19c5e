"""The one outbound path for SMS: the send job, receipts written back, the channel's state."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import responses
import sqlalchemy as sa

from channels.sms_common import DeliveryReceipt
from crm.core import channel_state
from crm.inbox import delivery
from crm.inbox.jobs import RetryableSendError, send_message
from crm.inbox.services import queue_outbound
from crm.models import Channel, ChannelState, DeliveryStatus, utcnow

SID = "AC" + "2" * 32
TWILIO = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": "token-for-tests-0001",
          "TWILIO_FROM_NUMBER": "+14155550100"}
API = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
GATEWAY = {"SMS_GATEWAY_URL": "https://sms.example.vn/api/mt", "SMS_GATEWAY_TOKEN": "gw-token",
           "SMS_GATEWAY_SECRET": "gw-secret"}


@pytest.fixture
def configure(app, monkeypatch):
    def _configure(settings):
        monkeypatch.setitem(app.config, "CHANNELS", dict(settings))
    return _configure


def state(session, name):
    session.expire_all()
    return session.get(ChannelState, name)


def queued(make, address="+84905333444"):
    customer = make.customer(phone="+84905000999")
    return queue_outbound(customer, "Da tiep nhan", channel=Channel.SMS, address=address,
                          meta={"event": "keyword_answer"})


@responses.activate
def test_a_ticketless_message_goes_to_its_own_address_with_a_status_callback(
        db_session, make, configure):
    configure(TWILIO)
    responses.post(API, status=201, json={"sid": "SM" + "e" * 32, "status": "queued"})
    message = queued(make)
    assert message.ticket_id is None and message.status == DeliveryStatus.QUEUED
    send_message(message.id)
    body = parse_qs(responses.calls[0].request.body)
    assert body["To"] == ["+84905333444"] and body["Body"] == ["Da tiep nhan"]
    assert body["StatusCallback"] == [
        f"http://cskh.test/channels/twilio/sms/status?ref=message-{message.id}"]
    assert message.status == DeliveryStatus.SENT and message.provider_message_id == "SM" + "e" * 32
    assert message.meta == {"event": "keyword_answer", "adapter": "twilio_sms"}
    assert state(db_session, "twilio_sms").last_outbound_at is not None


@responses.activate
def test_the_gateway_sends_when_it_is_configured(db_session, make, configure):
    configure({**TWILIO, **GATEWAY})
    responses.post(GATEWAY["SMS_GATEWAY_URL"], json={"id": "77", "status": "accepted"})
    message = queued(make)
    send_message(message.id)
    assert message.provider_message_id == "gw-mt-77" and message.meta["adapter"] == "sms_gateway"
    assert len(responses.calls) == 1


@responses.activate
def test_a_permanent_error_fails_the_message_and_is_kept_for_the_channel_page(
        db_session, make, configure):
    configure(TWILIO)
    responses.post(API, status=400, json={"code": 21211, "message": "Invalid 'To' Phone Number"})
    message = queued(make)
    send_message(message.id)
    assert message.status == DeliveryStatus.FAILED and "21211" in message.error
    assert "21211" in state(db_session, "twilio_sms").last_error


@responses.activate
def test_a_retryable_error_keeps_the_message_queued_and_records_the_error(
        db_session, make, configure):
    configure(TWILIO)
    responses.post(API, status=503, json={"code": 20503, "message": "Service unavailable"})
    message = queued(make)
    with pytest.raises(RetryableSendError):
        send_message(message.id)
    db_session.expire_all()
    assert message.status == DeliveryStatus.QUEUED
    assert "20503" in state(db_session, "twilio_sms").last_error
    responses.replace(responses.POST, API, status=201, json={"sid": "SM" + "f" * 32})
    send_message(message.id)                                         # the retry
    assert message.status == DeliveryStatus.SENT


def test_receipts_move_forward_only(db_session, make):
    message = queued(make)
    message.status, message.provider_message_id = DeliveryStatus.SENT, "SMx1"

    def apply(status, **kw):
        receipt = DeliveryReceipt(external_id="SMx1", status=status, **kw)
        found = delivery.find_outbound("sms", receipt)
        return found is not None and delivery.apply_receipt(found, receipt)
    assert apply("delivered") and message.status == DeliveryStatus.DELIVERED
    assert not apply("sent") and not apply("failed", error_code="30003")
    assert message.status == DeliveryStatus.DELIVERED and message.error is None
    assert not apply(None)


def test_a_receipt_before_the_job_stored_the_provider_id_finds_the_message_by_reference(
        db_session, make):
    message = queued(make)
    receipt = DeliveryReceipt(external_id="SMearly", status="failed",
                              reference=f"message-{message.id}", error_code="30007")
    assert delivery.apply_receipt(delivery.find_outbound("sms", receipt), receipt)
    assert message.status == DeliveryStatus.FAILED and message.error == "30007"
    assert message.provider_message_id == "SMearly"
    other = DeliveryReceipt(external_id="SMother", status="delivered",
                            reference=f"message-{message.id}")
    assert delivery.find_outbound("sms", other) is None                 # ids disagree
    assert delivery.find_outbound("email", receipt) is None


def test_channel_state_keeps_the_latest_error_and_coarse_traffic_times(db_session):
    channel_state.record_inbound("twilio_sms")
    first = state(db_session, "twilio_sms").last_inbound_at
    channel_state.record_inbound("twilio_sms")
    assert state(db_session, "twilio_sms").last_inbound_at == first       # within a minute
    db_session.execute(sa.update(ChannelState).values(last_inbound_at=first - timedelta(hours=1)))
    channel_state.record_inbound("twilio_sms")
    assert state(db_session, "twilio_sms").last_inbound_at > first - timedelta(hours=1)
    channel_state.record_error("twilio_sms", "x" * 900)
    row = state(db_session, "twilio_sms")
    assert len(row.last_error) == 500 and row.last_error_at <= utcnow()
    assert set(channel_state.states()) == {"twilio_sms"}


def test_channel_state_never_raises(db_session, monkeypatch):
    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("UPDATE", {}, Exception("database is locked"))
    monkeypatch.setattr(channel_state, "_touch", broken)
    channel_state.record_outbound("sms_gateway")                          # logged, not raised
    assert state(db_session, "sms_gateway") is None                       # savepoint undone
