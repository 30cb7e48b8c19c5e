"""`POST /channels/zalo/webhook` end to end: signed events in, messages stored once."""
from __future__ import annotations

import hashlib
import json

import pytest
import responses
import sqlalchemy as sa

from crm.models import (AuditEvent, Channel, ChannelState, ContactKind, ContactPoint, Customer,
                        DeliveryStatus, Direction, Message, Ticket)

APP_ID, OA_SECRET = "3608465248940903967", "oa-secret-from-the-webhook-page"
SETTINGS = {"ZALO_APP_ID": APP_ID, "ZALO_OA_SECRET_KEY": OA_SECRET,
            "ZALO_ACCESS_TOKEN": "access-1", "ZALO_REFRESH_TOKEN": "refresh-1"}
USER = "246845883529197922"
PATH = "/channels/zalo/webhook"


@pytest.fixture
def configured(app, monkeypatch):
    """Zalo configured; whatever the chat bot answers is accepted by a stubbed Zalo API."""
    monkeypatch.setitem(app.config, "CHANNELS", dict(SETTINGS))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as zalo_api:
        zalo_api.post("https://openapi.zalo.me/v3.0/oa/message/cs",
                      json={"error": 0, "data": {"message_id": "bot-reply"}})
        yield zalo_api


def body_of(name: str, *, timestamp="1735689600000", **fields) -> bytes:
    party = {"follower": {"id": USER}} if name in ("follow", "unfollow") else \
        {"sender": {"id": USER}, "recipient": {"id": "388613280878808645"}}
    data = {"app_id": APP_ID, "user_id_by_app": "552177279717587730", "event_name": name,
            **party, "timestamp": timestamp, **fields}
    return json.dumps(data, ensure_ascii=False).encode()


def post(client, body: bytes, *, secret=OA_SECRET, mac=None):
    timestamp = json.loads(body)["timestamp"]
    mac = mac or hashlib.sha256(APP_ID.encode() + body + timestamp.encode()
                                + secret.encode()).hexdigest()
    return client.post(PATH, data=body, content_type="application/json",
                       headers={"X-ZEvent-Signature": f"mac={mac}"})


def text(msg_id="msg-1", words="Nhà tôi bị mất điện từ sáng", **extra) -> bytes:
    return body_of("user_send_text", message={"text": words, "msg_id": msg_id}, **extra)


def messages(session):
    """The inbound messages (the chat bot may answer some: its replies are not counted)."""
    return session.scalars(sa.select(Message).where(Message.direction == Direction.INBOUND)
                           .order_by(Message.id)).all()


def test_a_signed_text_is_stored_on_a_provisional_contact(client, db_session, configured):
    response = post(client, text())
    assert response.status_code == 200
    assert response.json == {"ok": True, "stored": 1, "duplicate": 0, "delivered": False}
    [message] = messages(db_session)
    assert (message.channel, message.body, message.address) == \
        ("zalo", "Nhà tôi bị mất điện từ sáng", USER)
    assert message.provider_message_id == "msg-1"
    contact = db_session.scalar(sa.select(ContactPoint).where(ContactPoint.kind == "zalo"))
    assert contact.value == USER and contact.customer.is_provisional
    assert message.customer_id == contact.customer_id
    assert db_session.get(ChannelState, "zalo_oa").last_inbound_at is not None


def test_a_known_zalo_user_is_their_customer(client, db_session, make, configured):
    customer = make.customer()
    db_session.add(ContactPoint(customer=customer, kind=ContactKind.ZALO, value=USER))
    post(client, text())
    [message] = messages(db_session)
    assert message.customer_id == customer.id


def test_a_redelivered_event_is_stored_once(client, db_session, configured):
    first = post(client, text())
    again = post(client, text())
    assert first.status_code == again.status_code == 200
    assert (again.json["stored"], again.json["duplicate"]) == (0, 1)
    assert len(messages(db_session)) == 1


def test_a_redelivered_follow_is_stored_once(client, db_session, configured):
    post(client, body_of("follow", source="oa_profile"))
    post(client, body_of("follow", source="oa_profile"))
    [message] = messages(db_session)
    assert message.meta["event"] == "follow"


@pytest.mark.parametrize("name, message, expected", [
    ("user_send_image", {"msg_id": "i1", "attachments": [
        {"type": "image", "payload": {"url": "https://z.example/a.jpg"}}]},
     {"url": "https://z.example/a.jpg"}),
    ("user_send_file", {"msg_id": "f1", "attachments": [
        {"type": "file", "payload": {"url": "https://z.example/b.pdf", "name": "b.pdf"}}]},
     {"url": "https://z.example/b.pdf"}),
    ("user_send_sticker", {"msg_id": "s1", "attachments": [
        {"type": "sticker", "payload": {"url": "https://z.example/s.png"}}]},
     {"url": "https://z.example/s.png"}),
    ("user_send_location", {"msg_id": "l1", "attachments": [
        {"type": "location", "payload": {"coordinates": {"latitude": 16.05,
                                                         "longitude": 108.2}}}]},
     {"latitude": 16.05, "longitude": 108.2}),
])
def test_each_message_kind_is_stored_with_its_details(client, db_session, configured, name,
                                                      message, expected):
    assert post(client, body_of(name, message=message)).status_code == 200
    [stored] = messages(db_session)
    assert stored.provider_message_id == message["msg_id"]
    assert {key: stored.meta[key] for key in expected} == expected
    assert stored.body                    # the agent sees the link or the coordinates


@pytest.mark.parametrize("name", ["follow", "unfollow"])
def test_follow_and_unfollow_are_stored_as_events_that_open_no_ticket(client, db_session,
                                                                       configured, name):
    post(client, body_of(name, source="oa_profile"))
    [message] = messages(db_session)
    assert message.meta["event"] == name and message.address == USER
    assert message.ticket_id is None
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0


def test_an_unfollow_joins_the_open_conversation(client, db_session, make, configured):
    customer = make.customer()
    db_session.add(ContactPoint(customer=customer, kind=ContactKind.ZALO, value=USER))
    ticket = make.ticket(customer=customer, channel=Channel.ZALO)
    post(client, body_of("unfollow", timestamp="1735689900000"))
    [unfollow] = messages(db_session)
    assert unfollow.ticket_id == ticket.id


def test_a_forged_event_is_refused_and_nothing_is_stored(client, db_session, configured):
    assert post(client, text(), secret="guessed").status_code == 403
    assert post(client, text(), mac="0" * 64).status_code == 403
    unsigned = client.post(PATH, data=text(), content_type="application/json")
    assert unsigned.status_code == 403
    assert messages(db_session) == []
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 0


def test_a_tampered_body_is_refused(client, db_session, configured):
    genuine = text()
    mac = hashlib.sha256(APP_ID.encode() + genuine + b"1735689600000"
                         + OA_SECRET.encode()).hexdigest()
    tampered = genuine.replace("mất điện".encode(), "có điện".encode())
    response = client.post(PATH, data=tampered, content_type="application/json",
                           headers={"X-ZEvent-Signature": f"mac={mac}"})
    assert response.status_code == 403 and messages(db_session) == []


@pytest.mark.parametrize("name", ["user_seen_message", "user_received_message", "oa_send_text",
                                  "a_brand_new_event"])
def test_an_event_without_a_customer_message_is_acknowledged_and_not_stored(
        client, db_session, configured, name):
    response = post(client, body_of(name, message={"msg_id": "x1"}))
    assert response.status_code == 200 and response.json["stored"] == 0
    assert messages(db_session) == []


def test_a_signed_but_malformed_event_is_a_400_naming_the_field(client, db_session, configured):
    response = post(client, body_of("user_send_text", message={"msg_id": "x2"}))
    assert response.status_code == 400
    assert "message.text" in response.get_data(as_text=True)
    assert messages(db_session) == []
    assert "message.text" in db_session.get(ChannelState, "zalo_oa").last_error


def test_without_credentials_the_webhook_is_not_there(client, app, monkeypatch, db_session):
    monkeypatch.setitem(app.config, "CHANNELS", {})
    assert post(client, text()).status_code == 404


def info(phone="84912345678", name="Nguyễn Văn An") -> bytes:
    return body_of("user_submit_info", timestamp="1735689800000",
                   info={"name": name, "phone": phone, "address": "12 Lê Lợi"})


def test_sharing_a_customers_phone_links_the_zalo_user_to_that_customer(
        client, db_session, make, configured):
    customer = make.customer(phone="+84912345678")
    post(client, text())                  # first as an unknown Zalo user
    provisional_id = messages(db_session)[0].customer_id
    assert post(client, info()).status_code == 200
    assert [m.customer_id for m in messages(db_session)] == [customer.id, customer.id]
    zalo = db_session.scalar(sa.select(ContactPoint).where(ContactPoint.kind == "zalo"))
    assert zalo.customer_id == customer.id
    assert db_session.get(Customer, provisional_id) is None
    contact = messages(db_session)[1]
    assert contact.meta["phone"] == "+84912345678" and contact.meta["is_own"] is True
    assert db_session.scalar(sa.select(AuditEvent).where(
        AuditEvent.entity_id == customer.id, AuditEvent.action == "linked")) is not None


def test_sharing_an_unknown_phone_adds_it_to_the_zalo_contact(client, db_session, configured):
    post(client, info(phone="0912345678"))
    [message] = messages(db_session)
    customer = db_session.get(Customer, message.customer_id)
    assert customer.is_provisional and customer.name == "Nguyễn Văn An"
    assert {(c.kind, c.value) for c in customer.contact_points} == {
        (ContactKind.ZALO, USER), (ContactKind.PHONE, "+84912345678")}


def test_a_real_customer_sharing_anothers_phone_is_not_merged(client, db_session, make,
                                                              configured):
    mine = make.customer()
    db_session.add(ContactPoint(customer=mine, kind=ContactKind.ZALO, value=USER))
    other = make.customer(phone="+84912345678")
    post(client, info())
    [message] = messages(db_session)
    assert message.customer_id == mine.id
    assert db_session.get(Customer, other.id).phone == "+84912345678"


def test_submitted_info_with_no_usable_phone_is_stored_without_linking(client, db_session,
                                                                       configured):
    assert post(client, info(phone="12")).status_code == 200
    [message] = messages(db_session)
    assert "phone" not in message.meta and message.meta["raw_phone"] == "12"
    assert db_session.scalar(sa.select(ContactPoint).where(ContactPoint.kind == "phone")) is None


def sent_message(make, **values):
    return make.message(channel=Channel.ZALO, direction=Direction.OUTBOUND,
                        status=DeliveryStatus.SENT, **values)


def test_a_zns_receipt_marks_the_message_delivered_by_its_tracking_id(client, db_session, make,
                                                                      configured):
    message = sent_message(make, address="+84912345678", provider_message_id="zns-1")
    receipt = body_of("user_received_message", timestamp="1602560967477",
                      message={"msg_id": "zns-1", "delivery_time": "1602960467432",
                               "tracking_id": f"message-{message.id}"})
    response = post(client, receipt)
    assert response.status_code == 200 and response.json["delivered"] is True
    assert db_session.get(Message, message.id).status == DeliveryStatus.DELIVERED
    assert messages(db_session) == []              # the receipt is no message


def test_a_cs_receipt_finds_the_message_by_zalos_id(client, db_session, make, configured):
    message = sent_message(make, address=USER, provider_message_id="cs-77")
    post(client, body_of("user_received_message", message={"msg_id": "cs-77"}))
    assert db_session.get(Message, message.id).status == DeliveryStatus.DELIVERED


def test_a_receipt_for_an_unknown_message_changes_nothing(client, db_session, configured):
    response = post(client, body_of("user_received_message", message={"msg_id": "nope"}))
    assert response.status_code == 200 and response.json["delivered"] is False
