"""The Telegram webhook end to end: PTB-built updates posted with the secret token, stored
once each on the sender's conversation; replies sent by the job through the stubbed Bot API."""
from __future__ import annotations

import pytest
import respx
import sqlalchemy as sa

from crm.inbox import jobs
from crm.inbox.services import queue_outbound
from crm.models import (Channel, ChannelState, ContactKind, ContactPoint, Customer,
                        DeliveryStatus, Direction, Message, Ticket)
from tests.support import telegram as tg


@pytest.fixture
def configured(app, monkeypatch):
    monkeypatch.setitem(app.config, "CHANNELS", dict(tg.SETTINGS))


def count(session, model, *where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def inbound(session) -> list[Message]:
    return session.scalars(sa.select(Message).where(Message.direction == Direction.INBOUND)
                           .order_by(Message.id)).all()


def test_a_text_message_is_stored_on_a_new_conversation(client, db_session, configured):
    response = tg.post(client, tg.text("Nhà tôi mất điện từ sáng"))
    assert response.status_code == 200 and response.data == b""
    [message] = inbound(db_session)
    assert message.channel == Channel.TELEGRAM and message.provider_message_id == "tg-910000001"
    assert message.body == "Nhà tôi mất điện từ sáng" and message.address == str(tg.CHAT_ID)
    assert message.display_name == "Lan Nguyễn" and message.status == DeliveryStatus.RECEIVED
    assert message.ticket.channel == Channel.TELEGRAM
    customer = db_session.get(Customer, message.customer_id)
    assert customer.is_provisional and customer.name == "Lan Nguyễn"
    contact = db_session.scalar(sa.select(ContactPoint).where(
        ContactPoint.kind == ContactKind.TELEGRAM))
    assert contact.value == str(tg.CHAT_ID) and contact.customer_id == message.customer_id
    assert db_session.get(ChannelState, "telegram").last_inbound_at is not None


def test_a_known_telegram_user_joins_their_customer_and_open_conversation(client, db_session,
                                                                        make, configured):
    customer = make.customer(name="Nguyễn Thị Lan")
    customer.contact_points.append(ContactPoint(kind=ContactKind.TELEGRAM, value=str(tg.CHAT_ID)))
    tg.post(client, tg.text("Cho tôi hỏi lịch ghi chỉ số", update_id=1))
    tg.post(client, tg.text("Mã KH của tôi là PT01AA0000001", update_id=2))
    assert count(db_session, Ticket) == 1 and count(db_session, Message) == 2
    assert {m.customer_id for m in inbound(db_session)} == {customer.id}


def test_a_redelivered_update_is_stored_once(client, db_session, configured):
    for _ in range(3):
        assert tg.post(client, tg.text()).status_code == 200
    assert count(db_session, Message) == 1 and count(db_session, Ticket) == 1
    assert count(db_session, Customer) == 1


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", tg.SECRET.upper()])
def test_a_wrong_or_missing_secret_is_refused_and_stores_nothing(client, db_session, configured,
                                                                 secret):
    response = tg.post(client, tg.text(), secret=secret)
    assert response.status_code == 403
    assert count(db_session, Message) == 0 and count(db_session, Customer) == 0
    assert count(db_session, ChannelState) == 0


@pytest.mark.parametrize("settings", [{}, {"TELEGRAM_BOT_TOKEN": tg.TOKEN},
                                      {"TELEGRAM_WEBHOOK_SECRET": tg.SECRET}])
def test_without_the_token_and_secret_the_webhook_is_not_there(app, client, db_session,
                                                               monkeypatch, settings):
    monkeypatch.setitem(app.config, "CHANNELS", settings)
    assert tg.post(client, tg.text()).status_code == 404
    assert count(db_session, Message) == 0


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"update_id": "x"}',
                                  b'{"update_id": 5, "message": {"text": "no chat, no date"}}'])
def test_a_malformed_update_gets_200_and_is_only_logged(client, db_session, configured, body):
    response = tg.post(client, body)
    assert response.status_code == 200          # anything else: Telegram retries for a day
    assert count(db_session, Message) == 0 and count(db_session, Customer) == 0
    assert "bad update" in db_session.get(ChannelState, "telegram").last_error


def test_an_update_we_do_not_take_gets_200_and_stores_nothing(client, db_session, configured):
    edited = {"update_id": 77, "edited_message": tg.text("sửa lại")["message"]}
    assert tg.post(client, edited).status_code == 200
    assert count(db_session, Message) == 0 and count(db_session, Customer) == 0
    assert db_session.get(ChannelState, "telegram").last_error is None


def test_the_senders_own_contact_is_stored_with_its_phone(client, db_session, configured):
    tg.post(client, tg.contact("84905111222"))
    [message] = inbound(db_session)
    assert message.body == "+84905111222"
    assert message.meta["phone"] == "+84905111222" and message.meta["is_own"] is True


def test_a_location_a_photo_a_document_and_a_sticker_are_stored(client, db_session, configured):
    for update in (tg.location(), tg.photo(), tg.document(), tg.sticker()):
        assert tg.post(client, update).status_code == 200
    location, photo, document, sticker = inbound(db_session)
    assert location.meta["latitude"] == pytest.approx(16.054407)
    assert photo.body == "Cột điện đổ" and photo.meta["file_id"] == "large-file"
    assert document.meta["file_name"] == "hoa-don-thang-2.pdf"
    assert sticker.meta["file_id"] == "sticker-file"
    assert count(db_session, Ticket) == 1       # one conversation


def test_a_tapped_button_is_stored_and_acknowledged_in_the_answer(client, db_session, configured):
    response = tg.post(client, tg.button_press("menu:outage", query_id="q-77"))
    assert response.status_code == 200
    assert response.get_json() == {"method": "answerCallbackQuery", "callback_query_id": "q-77"}
    [message] = inbound(db_session)
    assert message.body == "Báo mất điện" and message.meta["payload"] == "menu:outage"


def test_blocking_the_bot_opens_no_ticket_but_joins_an_open_conversation(client, db_session,
                                                                        configured):
    assert tg.post(client, tg.member_change(blocked=True)).status_code == 200
    [event] = inbound(db_session)
    assert event.meta["event"] == "blocked" and event.ticket_id is None
    assert count(db_session, Ticket) == 0
    tg.post(client, tg.text("Cho hỏi tiền điện tháng này", update_id=2))
    tg.post(client, tg.member_change(blocked=True, update_id=3))
    *_, asked, blocked = inbound(db_session)
    assert blocked.ticket_id == asked.ticket_id is not None
    assert count(db_session, Ticket) == 1


def test_an_update_from_a_user_who_blocked_the_bot_is_still_taken(client, db_session,
                                                                   configured):
    tg.post(client, tg.member_change(blocked=True, update_id=1))
    assert tg.post(client, tg.text("Tôi chặn bot nhưng vẫn nhắn", update_id=2)).status_code == 200
    assert count(db_session, Message) == 2


# --- replies ---------------------------------------------------------------------------------

def _reply(db_session, make, body="Điện lực Hải Châu đang xử lý, dự kiến có điện lúc 15:00."):
    customer = make.customer()
    customer.contact_points.append(ContactPoint(kind=ContactKind.TELEGRAM, value=str(tg.CHAT_ID)))
    db_session.flush()
    return queue_outbound(customer, body, channel=Channel.TELEGRAM)


@respx.mock
def test_a_reply_goes_out_through_the_bot_api(db_session, make, configured):
    route = respx.post(f"{tg.API}/sendMessage").mock(return_value=tg.sent_message(message_id=88))
    message = _reply(db_session, make)
    jobs.send_message(message.id)
    assert tg.sent(route.calls[0]) == {
        "chat_id": str(tg.CHAT_ID),
        "text": "Điện lực Hải Châu đang xử lý, dự kiến có điện lúc 15:00."}
    assert message.status == DeliveryStatus.SENT
    assert message.provider_message_id == f"tg-msg-{tg.CHAT_ID}-88"
    jobs.send_message(message.id)                    # a repeated job sends nothing
    assert route.call_count == 1
    assert db_session.get(ChannelState, "telegram").last_outbound_at is not None


@respx.mock
def test_a_reply_to_a_user_who_blocked_the_bot_fails_for_good(db_session, make, configured):
    respx.post(f"{tg.API}/sendMessage").mock(
        return_value=tg.error(403, "Forbidden: bot was blocked by the user"))
    message = _reply(db_session, make)
    jobs.send_message(message.id)
    assert message.status == DeliveryStatus.FAILED and "blocked" in message.error
    assert "blocked" in db_session.get(ChannelState, "telegram").last_error


@respx.mock
def test_a_flood_limit_leaves_the_reply_queued_for_a_retry(db_session, make, configured):
    respx.post(f"{tg.API}/sendMessage").mock(
        return_value=tg.error(429, "Too Many Requests: retry after 3", retry_after=3))
    message = _reply(db_session, make)
    with pytest.raises(jobs.RetryableSendError):
        jobs.send_message(message.id)
    assert db_session.get(Message, message.id).status == DeliveryStatus.QUEUED
