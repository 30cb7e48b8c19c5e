"""The Zalo OA adapter without a database: signature, events in, messages out at the HTTP layer."""
from __future__ import annotations

import json

import pytest
import responses
from responses import matchers

from channels.base import ContactRef, OutboundMessage, WebhookRequest
from channels.zalo import SettingsTokens, ZaloOA
from channels.zalo_client import signature

APP_ID, OA_SECRET = "3608465248940903967", "oa_secret_from_webhook_page"
SETTINGS = {"ZALO_APP_ID": APP_ID, "ZALO_OA_SECRET_KEY": OA_SECRET,
            "ZALO_ACCESS_TOKEN": "access-1", "ZALO_REFRESH_TOKEN": "refresh-1"}
CS_URL = "https://openapi.zalo.me/v3.0/oa/message/cs"
USER = "246845883529197922"
#: The worked example of the research notes (§2.3), byte for byte.
EXAMPLE = ('{"app_id":"3608465248940903967","sender":{"id":"246845883529197922"},'
           '"user_id_by_app":"552177279717587730","recipient":{"id":"388613280878808645"},'
           '"event_name":"user_send_text","message":{"text":"Xin chào",'
           '"msg_id":"96d3cdf3af150460909"},"timestamp":"1735689600000"}').encode()
EXAMPLE_MAC = "280173ae07965692c1626a31017fdfd0657b1e3471e07265e3b12922e761a01f"


def zalo(**settings) -> ZaloOA:
    adapter = ZaloOA({**SETTINGS, **settings})
    adapter.token_store = SettingsTokens      # no database here: the token as configured
    return adapter


def request(body: bytes, mac: str | None = None) -> WebhookRequest:
    headers = {"Content-Type": "application/json"}
    if mac is not None:
        headers["X-ZEvent-Signature"] = mac
    return WebhookRequest(url="https://cskh.example/channels/zalo/webhook", headers=headers,
                          body=body)


def event(name: str, **fields) -> bytes:
    data = {"app_id": APP_ID, "user_id_by_app": "552177279717587730", "event_name": name,
            "sender": {"id": USER}, "recipient": {"id": "388613280878808645"},
            "timestamp": "1735689660000", **fields}
    return json.dumps(data, ensure_ascii=False).encode()


def parse(body: bytes):
    return zalo().parse(request(body))


def test_the_documented_signature_example_verifies():
    assert signature(APP_ID, EXAMPLE, "1735689600000", OA_SECRET) == EXAMPLE_MAC
    assert zalo().verify(request(EXAMPLE, f"mac={EXAMPLE_MAC}"))
    assert zalo().verify(request(EXAMPLE, EXAMPLE_MAC.upper()))


@pytest.mark.parametrize("body, mac", [
    (EXAMPLE, None),
    (EXAMPLE, "mac=" + "0" * 64),
    (EXAMPLE.replace("Xin chào".encode(), "Xin chao".encode()), f"mac={EXAMPLE_MAC}"),
    (b"not json", f"mac={EXAMPLE_MAC}"),
    (b'{"event_name":"user_send_text"}', f"mac={EXAMPLE_MAC}"),
])
def test_a_forged_or_unsignable_request_does_not_verify(body, mac):
    assert not zalo().verify(request(body, mac))


def test_the_oauth_app_secret_is_not_the_webhook_key():
    assert not zalo(ZALO_OA_SECRET_KEY="app-secret").verify(request(EXAMPLE, EXAMPLE_MAC))


def test_a_text_keeps_the_message_id_and_the_sender():
    [message] = parse(EXAMPLE)
    assert (message.channel, message.kind, message.text) == ("zalo", "text", "Xin chào")
    assert message.external_id == "96d3cdf3af150460909"
    assert message.sender == ContactRef("zalo", USER)
    assert message.received_at.isoformat() == "2025-01-01T00:00:00+00:00"


def test_a_tapped_button_is_a_postback_with_its_data_and_label():
    body = event("user_send_text", message={
        "msg_id": "m2", "text": '#cskh{"d":"menu:outage","t":"Báo mất điện"}'})
    [message] = parse(body)
    assert (message.kind, message.text, message.meta["payload"]) == \
        ("postback", "Báo mất điện", "menu:outage")


def test_text_that_only_looks_like_a_button_stays_text():
    [message] = parse(event("user_send_text", message={"msg_id": "m3", "text": "#cskh{oops"}))
    assert (message.kind, message.text) == ("text", "#cskh{oops")


def test_an_image_keeps_its_url_and_caption():
    body = event("user_send_image", message={"msg_id": "m4", "text": "ảnh công tơ", "attachments": [
        {"type": "image", "payload": {"thumbnail": "https://z.example/t.jpg",
                                      "url": "https://z.example/a.jpg"}}]})
    [message] = parse(body)
    assert (message.kind, message.text, message.meta["url"]) == \
        ("image", "ảnh công tơ", "https://z.example/a.jpg")
    assert message.meta["attachments"][0]["thumbnail"] == "https://z.example/t.jpg"


@pytest.mark.parametrize("name, kind", [("user_send_file", "file"),
                                        ("user_send_sticker", "sticker"),
                                        ("user_send_gif", "image")])
def test_files_and_stickers_are_their_own_kinds(name, kind):
    body = event(name, message={"msg_id": "m5", "attachments": [
        {"type": name.rsplit("_", 1)[1], "payload": {"url": "https://z.example/x"}}]})
    [message] = parse(body)
    assert (message.kind, message.meta["url"], message.text) == \
        (kind, "https://z.example/x", "https://z.example/x")


def test_a_location_carries_its_coordinates():
    body = event("user_send_location", message={"msg_id": "m6", "attachments": [
        {"type": "location", "payload": {"coordinates": {"latitude": "16.0544",
                                                         "longitude": "108.2022"}}}]})
    [message] = parse(body)
    assert message.kind == "location"
    assert (message.meta["latitude"], message.meta["longitude"]) == (16.0544, 108.2022)


@pytest.mark.parametrize("name", ["follow", "unfollow"])
def test_follow_and_unfollow_are_events_of_the_follower(name):
    body = json.dumps({"oa_id": "388613280878808645", "follower": {"id": USER},
                       "event_name": name, "source": "oa_profile", "app_id": APP_ID,
                       "timestamp": "1735689700000"}).encode()
    [message] = parse(body)
    assert (message.kind, message.meta["event"], message.sender.address) == ("event", name, USER)
    assert message.external_id == f"{name}:1735689700000:{USER}"


def test_submitted_info_is_the_senders_own_phone_in_e164():
    body = event("user_submit_info", info={
        "name": "Nguyễn Văn An", "phone": "84912345678", "address": "12 Lê Lợi",
        "ward": "Hải Châu 1", "district": "Hải Châu", "city": "Đà Nẵng"})
    [message] = parse(body)
    assert message.kind == "contact" and message.meta["is_own"] is True
    assert message.meta["phone"] == "+84912345678"
    assert message.sender.display_name == "Nguyễn Văn An"
    assert message.meta["address"] == "12 Lê Lợi, Hải Châu 1, Hải Châu, Đà Nẵng"


def test_a_newer_info_form_with_full_address_is_read_too():
    body = event("user_submit_info", info={"name": "An", "phone": "0912345678", "full_address": {
        "user_address": "5 Hùng Vương", "user_ward": "Phú Nhuận", "user_city": "Huế"}})
    [message] = parse(body)
    assert message.meta["phone"] == "+84912345678"
    assert message.meta["address"] == "5 Hùng Vương, Phú Nhuận, Huế"


@pytest.mark.parametrize("name", ["user_received_message", "user_seen_message", "oa_send_text",
                                  "add_user_to_tag", "something_new"])
def test_events_without_a_customer_message_map_to_nothing(name):
    assert parse(event(name, message={"msg_id": "x"})) == []


@pytest.mark.parametrize("body, reason", [
    (b"[1, 2]", "JSON object"),
    (b'{"timestamp": "1"}', "event_name"),
    (event("user_send_text", sender={}, message={"msg_id": "m", "text": "a"}), "sender.id"),
    (event("user_send_text", message={"msg_id": "m"}), "message.text"),
    (event("user_send_location", message={"msg_id": "m", "attachments": []}), "coordinates"),
    (event("user_submit_info"), "info"),
    (event("user_send_text", timestamp="soon", message={"msg_id": "m", "text": "a"}),
     "timestamp"),
])
def test_a_malformed_event_names_what_is_wrong(body, reason):
    from channels.base import BadPayload

    with pytest.raises(BadPayload, match=reason):
        parse(body)


@responses.activate
def test_a_reply_is_a_cs_message_with_the_access_token_header():
    responses.post(CS_URL, json={"error": 0, "message": "Success",
                                 "data": {"message_id": "out-1", "user_id": USER}},
                   match=[matchers.header_matcher({"access_token": "access-1"}),
                          matchers.json_params_matcher({"recipient": {"user_id": USER},
                                                        "message": {"text": "Đã tiếp nhận"}})])
    result = zalo().send(OutboundMessage(to=ContactRef("zalo", USER), text="Đã tiếp nhận",
                                         idempotency_key="message-1"))
    assert result.ok and result.external_id == "out-1"


@responses.activate
def test_buttons_are_sent_as_hidden_queries_that_come_back_as_postbacks():
    responses.post(CS_URL, json={"error": 0, "data": {"message_id": "out-2"}})
    buttons = [[{"text": "Báo mất điện", "data": "menu:outage"},
                {"text": "Tra cứu phiếu", "data": "menu:lookup"}],
               [{"text": "Gặp nhân viên", "data": "menu:agent"}]]
    zalo().send(OutboundMessage(to=ContactRef("zalo", USER), text="Anh/chị cần gì?",
                                idempotency_key="message-2", meta={"buttons": buttons}))
    sent = json.loads(responses.calls[0].request.body)
    assert sent["message"]["text"] == "Anh/chị cần gì?"
    payload = sent["message"]["attachment"]["payload"]
    assert [b["title"] for b in payload["buttons"]] == \
        ["Báo mất điện", "Tra cứu phiếu", "Gặp nhân viên"]
    assert {b["type"] for b in payload["buttons"]} == {"oa.query.hide"}
    tapped = event("user_send_text", message={"msg_id": "m9",
                                              "text": payload["buttons"][0]["payload"]})
    [message] = parse(tapped)
    assert (message.kind, message.meta["payload"], message.text) == \
        ("postback", "menu:outage", "Báo mất điện")


@responses.activate
def test_more_buttons_than_zalo_takes_become_a_numbered_list():
    responses.post(CS_URL, json={"error": 0, "data": {"message_id": "out-3"}})
    buttons = [[{"text": f"Mục {n}", "data": f"menu:{n}"}] for n in range(1, 8)]
    zalo().send(OutboundMessage(to=ContactRef("zalo", USER), text="Chọn:",
                                idempotency_key="message-3", meta={"buttons": buttons}))
    sent = json.loads(responses.calls[0].request.body)["message"]
    assert "attachment" not in sent
    assert sent["text"].splitlines() == ["Chọn:", ""] + [f"{n}. Mục {n}" for n in range(1, 8)]


@responses.activate
def test_asking_for_the_phone_sends_the_request_user_info_form():
    responses.post(CS_URL, json={"error": 0, "data": {"message_id": "out-4"}})
    zalo().send(OutboundMessage(to=ContactRef("zalo", USER), text="Vui lòng chia sẻ số điện thoại",
                                idempotency_key="message-4",
                                meta={"request_contact": "Chia sẻ số điện thoại"}))
    [call] = responses.calls
    payload = json.loads(call.request.body)["message"]["attachment"]["payload"]
    assert payload["template_type"] == "request_user_info"
    assert payload["elements"] == [{"title": "Chia sẻ số điện thoại",
                                    "subtitle": "Vui lòng chia sẻ số điện thoại"}]


@pytest.mark.parametrize("error, retryable, text", [
    (-230, False, "zalo:outside_window"),
    (-232, False, "zalo:outside_window"),
    (-213, False, "zalo:not_follower"),
    (-32, True, "zalo:-32 rate limit"),
    (-201, False, "zalo:-201 rate limit"),
])
@responses.activate
def test_errors_inside_http_200_become_send_results(error, retryable, text):
    responses.post(CS_URL, json={"error": error, "message": "rate limit"})
    result = zalo().send(OutboundMessage(to=ContactRef("zalo", USER), text="Chào",
                                         idempotency_key="message-5"))
    assert (result.ok, result.retryable, result.error) == (False, retryable, text)


@responses.activate
def test_an_unreachable_zalo_is_retryable():
    responses.post(CS_URL, status=502)
    result = zalo().send(OutboundMessage(to=ContactRef("zalo", USER), text="Chào",
                                         idempotency_key="message-6"))
    assert not result.ok and result.retryable


@responses.activate
def test_an_expired_token_without_a_store_fails_without_retrying_forever():
    responses.post(CS_URL, json={"error": -216, "message": "Access token is invalid"})
    result = zalo().send(OutboundMessage(to=ContactRef("zalo", USER), text="Chào",
                                         idempotency_key="message-7"))
    assert not result.ok and not result.retryable and result.error.startswith("zalo:token")
    assert len(responses.calls) == 1


def test_configured_needs_the_webhook_key_and_a_token():
    assert zalo().is_configured()
    assert not ZaloOA({"ZALO_APP_ID": APP_ID, "ZALO_ACCESS_TOKEN": "a"}).is_configured()
    assert not ZaloOA({"ZALO_APP_ID": APP_ID, "ZALO_OA_SECRET_KEY": "k"}).is_configured()
