"""A notice Zalo refuses (7-day window over, not a follower) goes again as a ZNS template to
the customer's phone, before SMS; a ZNS refusal then falls to SMS as before. Through the real
Zalo and SMS gateway adapters, stubbed at the HTTP layer."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from crm.models import Channel, DeliveryStatus, Message, NotificationStatus
from crm.notifications import dispatch, outbox
from tests.notifications.conftest import GATEWAY, commit, customer_with

ZALO = {"ZALO_APP_ID": "3608465248940903967", "ZALO_OA_SECRET_KEY": "oa-secret",
        "ZALO_ACCESS_TOKEN": "access-1", "ZALO_ZNS_TEMPLATE_NOTICE": "2408117"}
CS_URL = "https://openapi.zalo.me/v3.0/oa/message/cs"
ZNS_URL = "https://business.openapi.zalo.me/message/template"
USER = "246845883529197922"
TEXT = "Tien dien ky 10/2026 cua quy khach: 456.789 d. Han thanh toan 15/11/2026."


@pytest.fixture
def zalo(app, provider, monkeypatch):
    """Zalo configured beside the SMS gateway; Zalo refuses the CS message (outside the
    window) unless a test says otherwise; the gateway takes every SMS."""
    monkeypatch.setitem(app.config, "CHANNELS", {**GATEWAY, **ZALO})
    provider.post(GATEWAY["SMS_GATEWAY_URL"], json={"id": "sms-1", "status": "accepted"})
    return provider


def refuse_cs(stub, error=-230):
    stub.post(CS_URL, json={"error": error, "message": "User has not interacted in 7 days"})


def calls_to(stub, url):
    return [json.loads(call.request.body) for call in stub.calls if call.request.url == url]


def thread_of(db_session, customer):
    return db_session.scalars(sa.select(Message).where(Message.customer_id == customer.id)
                              .order_by(Message.id)).all()


@pytest.mark.parametrize("cs_error, reason", [(-230, "zalo:outside_window"),
                                              (-213, "zalo:not_follower")])
def test_a_refused_zalo_notice_goes_as_a_zns_template_and_not_by_sms(
        db_session, make, zalo, cs_error, reason):
    refuse_cs(zalo, cs_error)
    zalo.post(ZNS_URL, json={"error": 0, "data": {"msg_id": "zns-77"}})
    customer = customer_with(make, db_session, zalo=USER, name="Trần Thị Bình")
    notice = outbox.notify(customer, "bill", {"text": TEXT}, key="bill:zns")
    commit(db_session)

    cs, template = thread_of(db_session, customer)
    assert (cs.channel, cs.status, cs.error, cs.address) == (
        Channel.ZALO, DeliveryStatus.FAILED, reason, USER)
    assert (template.channel, template.status, template.address, template.body) == (
        Channel.ZALO, DeliveryStatus.SENT, "+84905111222", TEXT)
    assert template.provider_message_id == "zns-77" and template.ticket_id is None
    assert template.meta["fallback_for"] == cs.id and cs.meta["fallback_message_id"] == \
        template.id
    assert notice.status == NotificationStatus.SENT and notice.message_id == template.id
    assert notice.channel == "zalo" and notice.tried == ["zalo"]
    [sent] = calls_to(zalo, ZNS_URL)
    assert sent == {"phone": "84905111222", "template_id": "2408117",
                    "template_data": {"customer_name": "Trần Thị Bình",
                                      "ticket_code": customer.code, "content": TEXT},
                    "tracking_id": f"message-{template.id}"}      # its own key, not the CS one
    assert calls_to(zalo, GATEWAY["SMS_GATEWAY_URL"]) == []
    assert dispatch.drain_job() == 0


def test_a_ticket_notice_carries_the_ticket_code_and_stays_on_the_thread(db_session, make,
                                                                          zalo):
    refuse_cs(zalo)
    zalo.post(ZNS_URL, json={"error": 0, "data": {"msg_id": "zns-78"}})
    customer = customer_with(make, db_session, zalo=USER)
    ticket = make.ticket(customer=customer, channel=Channel.ZALO, code="YC2611-000123")
    long_text = "Điện lực đã kiểm tra và thay công tơ cho quý khách. " * 8
    outbox.notify(customer, "resolved", {"text": long_text}, ticket=ticket, key="t:zns")
    commit(db_session)
    cs, template = thread_of(db_session, customer)
    assert template.ticket_id == ticket.id == cs.ticket_id
    params = calls_to(zalo, ZNS_URL)[0]["template_data"]
    assert params["ticket_code"] == "YC2611-000123"
    assert len(params["content"]) <= 250 and params["content"].endswith("…")


def test_a_refused_zns_falls_back_to_sms(db_session, make, zalo):
    refuse_cs(zalo)
    zalo.post(ZNS_URL, json={"error": -108, "message": "Phone number is invalid"})
    customer = customer_with(make, db_session, zalo=USER)
    notice = outbox.notify(customer, "bill", {"text": TEXT}, key="bill:zns-refused")
    commit(db_session)
    cs, template, sms = thread_of(db_session, customer)
    assert [(m.channel, m.status) for m in (cs, template, sms)] == [
        (Channel.ZALO, DeliveryStatus.FAILED), (Channel.ZALO, DeliveryStatus.FAILED),
        (Channel.SMS, DeliveryStatus.SENT)]
    assert template.error.startswith("zalo:-108") and "zns" in template.meta
    assert notice.status == NotificationStatus.SENT and notice.message_id == sms.id
    assert notice.channel == "sms" and notice.tried == ["zalo"]
    [payload] = calls_to(zalo, GATEWAY["SMS_GATEWAY_URL"])
    assert payload["to"] == "84905111222" and payload["client_ref"] == f"message-{sms.id}"
    assert len(calls_to(zalo, ZNS_URL)) == 1 and len(calls_to(zalo, CS_URL)) == 1


def test_a_zns_rate_limited_by_zalo_is_retried_with_the_same_message(db_session, make, zalo):
    refuse_cs(zalo)
    zalo.post(ZNS_URL, json={"error": -32, "message": "Out of quota per second"})
    zalo.post(ZNS_URL, json={"error": 0, "data": {"msg_id": "zns-79"}})
    customer = customer_with(make, db_session, zalo=USER)
    notice = outbox.notify(customer, "bill", {"text": TEXT}, key="bill:zns-retry")
    commit(db_session)
    cs, template = thread_of(db_session, customer)
    assert notice.status == NotificationStatus.QUEUED and notice.message_id == template.id
    assert notice.attempts == 1 and template.status == DeliveryStatus.QUEUED
    assert dispatch.drain(now=notice.next_attempt_at) == 1
    db_session.expire_all()
    assert notice.status == NotificationStatus.SENT and template.provider_message_id == "zns-79"
    assert {c["tracking_id"] for c in calls_to(zalo, ZNS_URL)} == {f"message-{template.id}"}
    assert calls_to(zalo, GATEWAY["SMS_GATEWAY_URL"]) == []


@pytest.mark.parametrize("change", ["no_notice_template", "other_refusal"])
def test_without_a_notice_template_or_for_another_refusal_sms_comes_next(
        db_session, make, zalo, app, monkeypatch, change):
    if change == "no_notice_template":       # the agent-reply template is not for notices
        settings = {**GATEWAY, **ZALO, "ZALO_ZNS_TEMPLATE_REPLY": "7895417a7d3f9461cd2e"}
        del settings["ZALO_ZNS_TEMPLATE_NOTICE"]
        monkeypatch.setitem(app.config, "CHANNELS", settings)
        refuse_cs(zalo)
    else:
        refuse_cs(zalo, -201)                # invalid parameter: ZNS would not help
    customer = customer_with(make, db_session, zalo=USER)
    notice = outbox.notify(customer, "bill", {"text": TEXT}, key=f"bill:{change}")
    commit(db_session)
    assert [m.channel for m in thread_of(db_session, customer)] == [Channel.ZALO, Channel.SMS]
    assert notice.status == NotificationStatus.SENT and notice.channel == "sms"
    assert calls_to(zalo, ZNS_URL) == []
