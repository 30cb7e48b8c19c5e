"""The Telegram adapter on its own: PTB-built updates in, our values out; the Bot API stubbed
with respx, checking exactly what PTB posted."""
from __future__ import annotations

import asyncio
import json
from datetime import timezone

import httpx
import pytest
import respx

import channels
from channels.base import (BadPayload, ContactRef, OutboundMessage, WebhookRequest)
from channels.telegram import TelegramBot, api_urls, render, split_text, telegram_phone
from tests.support import telegram as tg


def request(update, secret: str | None = tg.SECRET) -> WebhookRequest:
    body = update if isinstance(update, bytes) else json.dumps(update).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return WebhookRequest(url="http://cskh.test" + tg.WEBHOOK, headers=headers, body=body)


def parse(update):
    return TelegramBot(tg.SETTINGS).parse(request(update))


def outbound(text="Điện lực đã tiếp nhận phiếu YC2603-000123.", **meta) -> OutboundMessage:
    return OutboundMessage(to=ContactRef("telegram", str(tg.CHAT_ID)), text=text,
                           idempotency_key="message-1", meta=meta)


def test_the_adapter_is_registered_and_needs_the_token_and_the_secret():
    assert channels.by_name("telegram") is TelegramBot
    assert channels.for_channel("telegram", tg.SETTINGS).name == "telegram"
    assert not TelegramBot({"TELEGRAM_BOT_TOKEN": tg.TOKEN}).is_configured()
    assert not TelegramBot({"TELEGRAM_WEBHOOK_SECRET": tg.SECRET}).is_configured()
    assert channels.status({"TELEGRAM_BOT_TOKEN": tg.TOKEN})["telegram"] is False


@pytest.mark.parametrize("secret, ok", [(tg.SECRET, True), (None, False), ("", False),
                                        (tg.SECRET + "x", False), ("wrong", False)])
def test_verify_compares_the_secret_token(secret, ok):
    assert TelegramBot(tg.SETTINGS).verify(request(tg.text(), secret)) is ok


def test_verify_refuses_everything_without_a_configured_secret():
    bot = TelegramBot({"TELEGRAM_BOT_TOKEN": tg.TOKEN, "TELEGRAM_WEBHOOK_SECRET": ""})
    assert not bot.verify(request(tg.text(), ""))


def test_a_text_message():
    [message] = parse(tg.text("Mã phiếu YC2603-000123 đến đâu rồi?"))
    assert message.channel == "telegram" and message.kind == "text"
    assert message.external_id == "tg-910000001"
    assert message.sender == ContactRef("telegram", str(tg.CHAT_ID), "Lan Nguyễn")
    assert message.text == "Mã phiếu YC2603-000123 đến đâu rồi?"
    assert message.thread_hint == message.text
    assert message.received_at == tg.WHEN and message.received_at.tzinfo == timezone.utc
    assert message.meta["from_id"] == tg.CHAT_ID and message.meta["username"] == "lan_ng"


def test_a_contact_of_the_sender_is_their_own_number():
    [message] = parse(tg.contact("84901234567"))
    assert message.kind == "contact" and message.text == "+84901234567"
    assert message.meta["phone"] == "+84901234567" and message.meta["is_own"] is True
    assert message.meta["contact_name"] == "Lan Nguyễn"


@pytest.mark.parametrize("user_id", [987654321, None])
def test_a_forwarded_contact_card_is_not_the_senders_own(user_id):
    [message] = parse(tg.contact("+84 905 111 222", user_id=user_id))
    assert message.meta["phone"] == "+84905111222" and message.meta["is_own"] is False


def test_a_contact_with_an_unusable_number_keeps_what_was_shared():
    [message] = parse(tg.contact("12"))
    assert message.kind == "contact" and "phone" not in message.meta
    assert message.meta["raw_phone"] == "12" and message.text == "12"


@pytest.mark.parametrize("raw, e164", [("84901234567", "+84901234567"),
                                       ("+84901234567", "+84901234567"),
                                       ("0901234567", "+84901234567"),
                                       ("14155550123", "+14155550123"),
                                       ("", None), ("abc", None)])
def test_telegram_phone_numbers(raw, e164):
    assert telegram_phone(raw) == e164


def test_a_location():
    [message] = parse(tg.location())
    assert message.kind == "location"
    assert message.meta["latitude"] == pytest.approx(16.054407)
    assert message.meta["longitude"] == pytest.approx(108.202167)
    assert message.text == "16.054407, 108.202167"


def test_a_photo_keeps_the_largest_sizes_file_id_and_the_caption():
    [message] = parse(tg.photo())
    assert message.kind == "image" and message.text == "Cột điện đổ"
    assert message.meta["file_id"] == "large-file" and message.meta["width"] == 1280


def test_a_document_and_a_sticker():
    [document] = parse(tg.document())
    assert document.kind == "file" and document.meta["file_id"] == "doc-file"
    assert document.meta["file_name"] == "hoa-don-thang-2.pdf"
    assert document.meta["mime_type"] == "application/pdf"
    [sticker] = parse(tg.sticker())
    assert sticker.kind == "sticker" and sticker.meta["file_id"] == "sticker-file"
    assert sticker.text == "👍"


def test_a_tapped_button_is_a_postback_with_its_data_and_label():
    [message] = parse(tg.button_press("menu:ticket", query_id="q-1"))
    assert message.kind == "postback" and message.external_id == "tg-910000007"
    assert message.meta["payload"] == "menu:ticket" and message.text == "Tra cứu phiếu"
    assert message.meta["callback_query_id"] == "q-1"
    assert message.sender.address == str(tg.CHAT_ID)


@pytest.mark.parametrize("blocked, event", [(True, "blocked"), (False, "unblocked")])
def test_blocking_and_unblocking_the_bot_are_events(blocked, event):
    [message] = parse(tg.member_change(blocked))
    assert message.kind == "event" and message.meta["event"] == event
    assert message.sender.address == str(tg.CHAT_ID) and message.text == ""


@pytest.mark.parametrize("update", [
    {"update_id": 5, "edited_message": tg.text()["message"]},
    {"update_id": 6, "channel_post": {**tg.text()["message"],
                                      "chat": {"id": -1001, "type": "channel", "title": "Tin"}}},
    {"update_id": 7, "something_new": {"x": 1}},
    tg.message(8),                                      # a message with nothing we take
    tg.text("xin chào", update_id=9, user=tg.BOT_USER),  # another bot
    tg.member_change(chat=tg.Chat(id=-100, type="group", title="Nhóm")),
])
def test_updates_we_do_not_take_give_no_message(update):
    assert parse(update) == []


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"message": {}}',
                                  b'{"update_id": "7"}', b'{"update_id": true}',
                                  b'{"update_id": 8, "message": {"text": "no chat"}}'])
def test_malformed_updates_raise_bad_payload(body):
    with pytest.raises(BadPayload):
        TelegramBot(tg.SETTINGS).parse(request(body))


PRIVATE_CHAT = {"id": 1, "type": "private"}


@pytest.mark.parametrize("message", [
    "not an object",
    {"message_id": 1, "date": "yesterday", "chat": PRIVATE_CHAT, "text": "x"},
    {"message_id": 1, "date": 10 ** 20, "chat": PRIVATE_CHAT, "text": "x"},
    {"message_id": 1, "date": 1, "chat": PRIVATE_CHAT, "text": ["x"]},
    {"message_id": 1, "date": 1, "chat": "x", "text": "x"},
    {"message_id": 1, "date": 1, "chat": {"id": "abc", "type": "private"}, "text": "x"},
    {"message_id": 1, "date": 1, "chat": PRIVATE_CHAT, "location": {"latitude": "a",
                                                                    "longitude": 1}},
])
def test_fields_of_the_wrong_type_are_a_bad_payload_not_a_crash(message):
    with pytest.raises(BadPayload):
        parse({"update_id": 3, "message": message})


# --- sending ---------------------------------------------------------------------------------

@respx.mock
def test_send_posts_send_message_to_the_chat():
    route = respx.post(f"{tg.API}/sendMessage").mock(return_value=tg.sent_message(message_id=501))
    result = TelegramBot(tg.SETTINGS).send(outbound())
    assert result.ok and result.external_id == f"tg-msg-{tg.CHAT_ID}-501"
    [call] = route.calls
    assert tg.sent(call) == {"chat_id": str(tg.CHAT_ID),
                             "text": "Điện lực đã tiếp nhận phiếu YC2603-000123."}


@respx.mock
def test_buttons_become_an_inline_keyboard():
    route = respx.post(f"{tg.API}/sendMessage").mock(return_value=tg.sent_message())
    buttons = [[{"text": "Báo mất điện", "data": "menu:outage"},
                {"text": "Tra cứu phiếu", "data": "menu:ticket"}],
               [{"text": "Gặp nhân viên", "data": "menu:agent"}]]
    assert TelegramBot(tg.SETTINGS).send(outbound("Anh/chị cần gì?", buttons=buttons)).ok
    assert tg.sent(route.calls[0]) == {"chat_id": str(tg.CHAT_ID), "text": "Anh/chị cần gì?",
                                       "reply_markup": {"inline_keyboard": [
        [{"text": "Báo mất điện", "callback_data": "menu:outage"},
         {"text": "Tra cứu phiếu", "callback_data": "menu:ticket"}],
        [{"text": "Gặp nhân viên", "callback_data": "menu:agent"}]]}}


@respx.mock
def test_request_contact_becomes_a_one_time_reply_keyboard():
    route = respx.post(f"{tg.API}/sendMessage").mock(return_value=tg.sent_message())
    message = outbound("Anh/chị vui lòng chia sẻ số điện thoại.",
                       request_contact="Chia sẻ số điện thoại")
    assert TelegramBot(tg.SETTINGS).send(message).ok
    assert tg.sent(route.calls[0])["reply_markup"] == {
        "keyboard": [[{"text": "Chia sẻ số điện thoại", "request_contact": True}]],
        "one_time_keyboard": True, "resize_keyboard": True}


def test_buttons_telegram_cannot_show_fall_back_to_a_numbered_list():
    too_long = [[{"text": "Một", "data": "x" * 65}], [{"text": "Hai", "data": "menu:2"}]]
    text, markup = render("Chọn:", {"buttons": too_long})
    assert markup is None and text == "Chọn:\n1. Một\n2. Hai"
    text, markup = render("Chọn:", {"buttons": [[{"text": str(n), "data": str(n)}
                                                 for n in range(4)]]})
    assert markup is None and text.endswith("4. 3")
    text, markup = render("Số điện thoại?", {"request_contact": "Chia sẻ",
                                             "buttons": [[{"text": "Bỏ qua", "data": "skip"}]]})
    assert text == "Số điện thoại?\n1. Bỏ qua" and markup.keyboard[0][0].request_contact


@respx.mock
def test_a_long_text_goes_as_several_messages_with_the_keyboard_on_the_last():
    route = respx.post(f"{tg.API}/sendMessage").mock(return_value=tg.sent_message())
    body = "\n".join(f"Dòng {n}: " + "đ" * 90 for n in range(100))
    buttons = [[{"text": "OK", "data": "ok"}]]
    assert TelegramBot(tg.SETTINGS).send(outbound(body, buttons=buttons)).ok
    posted = [tg.sent(call) for call in route.calls]
    assert len(posted) == 3 and all(len(p["text"]) <= 4096 for p in posted)
    assert "\n".join(p["text"] for p in posted) == body
    assert [("reply_markup" in p) for p in posted] == [False, False, True]
    assert split_text("") == [] and split_text("ngắn") == ["ngắn"]


@pytest.mark.parametrize("answer, retryable, error", [
    (tg.error(403, "Forbidden: bot was blocked by the user"), False, "telegram:forbidden"),
    (tg.error(400, "Bad Request: chat not found"), False, "Chat not found"),
    (tg.error(429, "Too Many Requests: retry after 7", retry_after=7), True, "Retry in 7"),
    (tg.error(502, "Bad Gateway"), True, "unreachable"),
    (tg.error(500, "Internal Server Error"), True, "unreachable"),
    (tg.error(401, "Unauthorized"), False, "telegram:"),
    (tg.error(400, "Bad Request: group chat was upgraded to a supergroup chat",
              migrate_to_chat_id=-1001234), False, "-1001234"),
])
@respx.mock
def test_telegram_errors_map_to_send_results(answer, retryable, error):
    respx.post(f"{tg.API}/sendMessage").mock(return_value=answer)
    result = TelegramBot(tg.SETTINGS).send(outbound())
    assert not result.ok and result.retryable is retryable and error in result.error


@pytest.mark.parametrize("failure", [httpx.ConnectTimeout("slow"), httpx.ConnectError("down")])
@respx.mock
def test_time_outs_and_network_errors_are_retryable(failure):
    respx.post(f"{tg.API}/sendMessage").mock(side_effect=failure)
    result = TelegramBot(tg.SETTINGS).send(outbound())
    assert not result.ok and result.retryable


def test_nothing_to_send_is_refused_without_calling_telegram():
    bot = TelegramBot(tg.SETTINGS)
    assert bot.send(outbound("   ")).error == "telegram: the message is empty"
    empty_address = OutboundMessage(to=ContactRef("telegram", ""), text="x", idempotency_key="k")
    assert bot.send(empty_address).error == "telegram: no chat id"


@pytest.mark.parametrize("base, expected", [
    (None, "https://api.telegram.org/bot"), ("https://gw.test", "https://gw.test/bot"),
    ("https://gw.test/", "https://gw.test/bot"), ("https://gw.test/bot", "https://gw.test/bot"),
    ("http://127.0.0.1:8081/tg/", "http://127.0.0.1:8081/tg/bot")])
def test_telegram_api_base_sets_the_bot_api_root(base, expected):
    urls = api_urls({"TELEGRAM_API_BASE": base})
    assert urls["base_url"] == expected and urls["base_file_url"] == expected[:-4] + "/file/bot"


@respx.mock
def test_without_a_base_the_real_bot_api_is_called():
    route = respx.post(f"https://api.telegram.org/bot{tg.TOKEN}/sendMessage").mock(
        return_value=tg.sent_message())
    settings = {**tg.SETTINGS, "TELEGRAM_API_BASE": None}
    assert TelegramBot(settings).send(outbound()).ok and route.called


def test_a_send_works_from_a_thread_that_already_runs_an_event_loop():
    """An RQ worker has no loop, but a host that embeds one must not break the adapter."""
    from channels.telegram import run_to_completion

    async def answer():
        return 42

    async def host():
        return run_to_completion(answer)

    assert asyncio.run(host()) == 42
    assert run_to_completion(answer) == 42
