"""ZNS: template messages by phone, and the fallback for Zalo replies refused after 7 days."""
from __future__ import annotations

import json

import pytest
import responses
from responses import matchers

from channels.base import ContactRef, OutboundMessage
from crm.inbox.jobs import send_message
from crm.models import Channel, ContactKind, ContactPoint, DeliveryStatus, Direction, Message
from crm.zalo import zns

APP_ID = "3608465248940903967"
SETTINGS = {"ZALO_APP_ID": APP_ID, "ZALO_APP_SECRET": "app-secret",
            "ZALO_OA_SECRET_KEY": "oa-secret", "ZALO_ACCESS_TOKEN": "access-1",
            "ZALO_REFRESH_TOKEN": "refresh-1", "ZALO_ZNS_TEMPLATE_REPLY": "7895417a7d3f9461cd2e"}
ZNS_URL = "https://business.openapi.zalo.me/message/template"
USER = "246845883529197922"


@pytest.fixture
def configured(app, monkeypatch):
    monkeypatch.setitem(app.config, "CHANNELS", dict(SETTINGS))


@responses.activate
def test_a_template_goes_to_the_phone_in_zalos_84_form(db_session, configured):
    responses.post(ZNS_URL, json={"error": 0, "message": "Success",
                                  "data": {"msg_id": "zns-1", "sent_time": "1735689600000"}},
                   match=[matchers.header_matcher({"access_token": "access-1"}),
                          matchers.json_params_matcher({
                              "phone": "84912345678", "template_id": "7895417a7d3f9461cd2e",
                              "template_data": {"customer_name": "Nguyễn Văn An",
                                                "ticket_id": "YC2611-000123"},
                              "tracking_id": "ticket-123-n1"})])
    result = zns.send("+84912345678", "7895417a7d3f9461cd2e",
                      {"customer_name": "Nguyễn Văn An", "ticket_id": "YC2611-000123"},
                      "ticket-123-n1")
    assert result.ok and result.external_id == "zns-1"


@responses.activate
def test_zns_follows_the_api_base_setting(db_session, app, monkeypatch):
    monkeypatch.setitem(app.config, "CHANNELS",
                        {**SETTINGS, "ZALO_API_BASE": "http://127.0.0.1:9/zalo"})
    responses.post("http://127.0.0.1:9/zalo/message/template", json={"error": 0, "data": {}})
    assert zns.send("0912345678", "t", {}, "x").ok
    assert json.loads(responses.calls[0].request.body)["phone"] == "84912345678"


@pytest.mark.parametrize("error, retryable", [(-108, False), (-114, False), (-115, False),
                                              (-32, True)])
@responses.activate
def test_zns_refusals_come_back_as_results(db_session, configured, error, retryable):
    responses.post(ZNS_URL, json={"error": error, "message": "refused"})
    result = zns.send("+84912345678", "t", {}, "x")
    assert (result.ok, result.retryable, result.error) == (False, retryable,
                                                           f"zalo:{error} refused")


def refused_reply(make, error="zalo:outside_window", body="Điện lực đã kiểm tra xong công tơ."):
    customer = make.customer(name="Trần Thị Bình", phone="+84912345678")
    ticket = make.ticket(customer=customer, channel=Channel.ZALO, code="YC2611-000123")
    agent = make.user()
    return make.message(ticket=ticket, customer_id=customer.id, channel=Channel.ZALO,
                        direction=Direction.OUTBOUND, address=USER, body=body, author=agent,
                        provider_message_id=None, status=DeliveryStatus.FAILED, error=error,
                        meta={"adapter": "zalo_oa"})


@pytest.mark.parametrize("error", ["zalo:outside_window", "zalo:not_follower"])
def test_a_refused_reply_is_queued_again_as_a_zns_template(db_session, make, configured, error):
    original = refused_reply(make, error=error)
    fallback = zns.fallback_for(original)
    assert fallback.channel == Channel.ZALO and fallback.status == DeliveryStatus.QUEUED
    assert fallback.address == "+84912345678" and fallback.ticket_id == original.ticket_id
    assert fallback.author_id == original.author_id and fallback.body == original.body
    assert fallback.meta["fallback_for"] == original.id
    assert fallback.meta["zns"] == {"template_id": "7895417a7d3f9461cd2e", "params": {
        "customer_name": "Trần Thị Bình", "ticket_code": "YC2611-000123",
        "content": "Điện lực đã kiểm tra xong công tơ."}}
    assert original.meta["fallback_message_id"] == fallback.id


def test_the_fallback_is_queued_once(db_session, make, configured):
    original = refused_reply(make)
    first, again = zns.fallback_for(original), zns.fallback_for(original)
    assert first.id == again.id
    assert db_session.query(Message).filter(Message.meta["fallback_for"].as_integer()
                                            == original.id).count() == 1


def test_long_replies_are_cut_to_the_templates_limits(db_session, make, configured):
    original = refused_reply(make, body="Nội dung rất dài. " * 40)
    content = zns.fallback_for(original).meta["zns"]["params"]["content"]
    assert len(content) == 250 and content.endswith("…")


@pytest.mark.parametrize("change", ["no_template", "no_phone", "other_error", "already_zns",
                                    "sms"])
def test_no_zns_fallback_when_it_cannot_help(db_session, make, app, monkeypatch, change):
    settings = dict(SETTINGS)
    original = refused_reply(make, error="zalo:-201 invalid param" if change == "other_error"
                             else "zalo:outside_window")
    if change == "no_template":
        del settings["ZALO_ZNS_TEMPLATE_REPLY"]
    if change == "no_phone":
        for contact in list(original.ticket.customer.contact_points):
            db_session.delete(contact)
        db_session.flush()
        db_session.expire_all()
    if change == "already_zns":
        original.meta = {"zns": {"template_id": "t", "params": {}}}
    if change == "sms":
        original.channel = Channel.SMS
    monkeypatch.setitem(app.config, "CHANNELS", settings)
    assert zns.fallback_for(original) is None


@responses.activate
def test_the_queued_zns_message_goes_out_as_a_template_through_the_adapter(db_session, make,
                                                                          configured, app):
    fallback = zns.fallback_for(refused_reply(make))
    responses.post(ZNS_URL, json={"error": 0, "data": {"msg_id": "zns-9"}})
    import channels
    zalo = channels.for_channel("zalo", app.config["CHANNELS"])
    # What crm.inbox.jobs.send_message hands the adapter, with the message's meta passed on.
    result = zalo.send(OutboundMessage(to=ContactRef("zalo", fallback.address),
                                       text=fallback.body, meta=fallback.meta,
                                       idempotency_key=f"message-{fallback.id}"))
    assert result.ok and result.external_id == "zns-9"
    sent = json.loads(responses.calls[0].request.body)
    assert sent["phone"] == "84912345678" and sent["tracking_id"] == f"message-{fallback.id}"
    assert sent["template_data"]["ticket_code"] == "YC2611-000123"


def _queued_reply(make, phone="+84912345678"):
    customer = make.customer(name="Trần Thị Bình", phone=phone)
    customer.contact_points.append(ContactPoint(kind=ContactKind.ZALO, value=USER))
    ticket = make.ticket(customer=customer, channel=Channel.ZALO)
    return make.message(ticket=ticket, customer_id=customer.id, channel=Channel.ZALO,
                        direction=Direction.OUTBOUND, address=USER, body="Đã xử lý xong.",
                        provider_message_id=None, status=DeliveryStatus.QUEUED, meta={})


@pytest.mark.parametrize("template", [True, False], ids=["zns", "sms"])
@responses.activate
def test_the_send_job_falls_back_when_zalo_refuses_outside_the_window(db_session, make, app,
                                                                      monkeypatch, template):
    settings = dict(SETTINGS)
    if not template:
        del settings["ZALO_ZNS_TEMPLATE_REPLY"]
    monkeypatch.setitem(app.config, "CHANNELS", settings)
    responses.post("https://openapi.zalo.me/v3.0/oa/message/cs",
                   json={"error": -230, "message": "User has not interacted in 7 days"})
    original = _queued_reply(make)
    send_message(original.id)
    assert original.status == DeliveryStatus.FAILED and original.error == "zalo:outside_window"
    fallback = db_session.get(Message, original.meta["fallback_message_id"])
    assert fallback.status == DeliveryStatus.QUEUED and fallback.meta["fallback_for"] == original.id
    assert fallback.body == original.body and fallback.ticket_id == original.ticket_id
    if template:
        assert fallback.channel == Channel.ZALO and "zns" in fallback.meta
    else:
        assert fallback.channel == Channel.SMS and fallback.address == "+84912345678"
    send_message(original.id)                      # a failed message is never re-sent
    assert db_session.query(Message).filter(Message.direction == Direction.OUTBOUND).count() == 2
