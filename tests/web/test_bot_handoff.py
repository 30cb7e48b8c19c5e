"""The bot through the real Telegram webhook, answered through the stubbed Bot API; the
hand-off panel on the ticket page, an agent's reply, and "hand back to the bot"."""
from __future__ import annotations

import hashlib
import itertools
import json
import time

import pytest
import responses
import respx
import sqlalchemy as sa

from crm.bot import handoff
from crm.models import BotConversation, BotOwner, Role, Ticket
from tests.support import telegram as tg


@pytest.fixture
def configured(app, monkeypatch):
    monkeypatch.setitem(app.config, "CHANNELS", dict(tg.SETTINGS))
    monkeypatch.setattr(handoff, "in_office_hours", lambda at=None: True)


@pytest.fixture
def api():
    """The Bot API stub: every sendMessage answered; `api.sent()` is what PTB posted."""
    with respx.mock(assert_all_called=False) as mock:
        ids = itertools.count(501)
        route = mock.post(f"{tg.API}/sendMessage").mock(
            side_effect=lambda request: tg.sent_message(message_id=next(ids)))
        route.sent = lambda: [tg.sent(call) for call in route.calls]
        yield route


def text(body: str, update_id: int) -> dict:
    """A text update sent just now (the bot leaves hours-old backlog to the inbox)."""
    return fresh(tg.text(body, update_id=update_id))


def fresh(update: dict) -> dict:
    update["message"]["date"] = int(time.time())
    return update


def callback_data(sent: dict) -> list[str]:
    return [b["callback_data"] for row in sent["reply_markup"]["inline_keyboard"] for b in row]


def conversation(session) -> BotConversation:
    return session.scalar(sa.select(BotConversation))


def test_a_chat_is_answered_with_inline_buttons_through_the_bot_api(client, db_session,
                                                                    configured, api):
    assert tg.post(client, text("/start", 1)).status_code == 200
    [menu] = api.sent()
    assert menu["chat_id"] == str(tg.CHAT_ID) and menu["text"].startswith("Xin chào!")
    assert callback_data(menu)[:2] == ["menu:outage", "menu:status"]
    response = tg.post(client, tg.button_press("menu:outage", update_id=2))
    assert response.get_json()["method"] == "answerCallbackQuery"
    ask = api.sent()[-1]
    assert "mã khách hàng" in ask["text"]
    assert callback_data(ask) == ["menu:home", "menu:agent"]


def test_a_redelivered_update_is_answered_once(client, db_session, configured, api):
    for _ in range(3):
        assert tg.post(client, text("Xin chào", 7)).status_code == 200
    assert api.call_count == 1


def test_the_phone_step_asks_telegram_for_the_contact(client, db_session, configured, api):
    tg.post(client, tg.button_press("menu:connection", update_id=1))
    tg.post(client, text("Lê Thị Hoa", 2))
    ask = api.sent()[-1]
    [[button]] = ask["reply_markup"]["keyboard"]
    assert button == {"text": "Gửi số điện thoại của tôi", "request_contact": True}
    tg.post(client, fresh(tg.contact("84905123456", update_id=3)))
    assert api.sent()[-1]["text"].startswith("Bước 3/5")


def hand_off(client, db_session) -> Ticket:
    tg.post(client, text("Xin chào", 1))
    tg.post(client, tg.button_press("menu:agent", update_id=2))
    return db_session.scalar(sa.select(Ticket))


def test_an_agent_sees_the_transcript_replies_and_hands_back(client, db_session, make, login,
                                                            configured, api):
    ticket = hand_off(client, db_session)
    assert api.sent()[-1]["text"].startswith("Đã chuyển cuộc trò chuyện cho nhân viên")
    login(make.user(role=Role.AGENT))
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Xin chào! Tôi là trợ lý tự động" in page          # the bot's part of the thread
    assert "Trả lại cho trợ lý tự động" in page and f"/tickets/{ticket.id}/bot/hand-back" in page
    response = client.post(f"/tickets/{ticket.id}/reply",
                           data={"body": "Chào chị Lan, em là Hà.", "channel": "telegram"})
    assert response.status_code in (302, 303)
    assert api.sent()[-1] == {"chat_id": str(tg.CHAT_ID), "text": "Chào chị Lan, em là Hà."}
    assert tg.post(client, text("Dạ cảm ơn em", 3)).status_code == 200
    assert api.call_count == 3                                 # the bot kept quiet
    response = client.post(f"/tickets/{ticket.id}/bot/hand-back")
    assert response.status_code == 303
    assert conversation(db_session).owner == BotOwner.BOT
    back = api.sent()[-1]
    assert back["text"].startswith("Trợ lý tự động tiếp tục hỗ trợ")
    assert "menu:outage" in callback_data(back)
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert f"/tickets/{ticket.id}/bot/hand-back" not in page          # no button any more
    assert "Trợ lý tự động đang trả lời khách hàng" in page
    tg.post(client, tg.button_press("menu:status", update_id=4))
    assert api.sent()[-1]["text"].startswith("Vui lòng nhập mã yêu cầu")


def test_handing_back_twice_changes_nothing(client, db_session, make, login, configured, api):
    ticket = hand_off(client, db_session)
    login(make.user(role=Role.AGENT))
    client.post(f"/tickets/{ticket.id}/bot/hand-back")
    sent = api.call_count
    assert client.post(f"/tickets/{ticket.id}/bot/hand-back").status_code == 303
    assert api.call_count == sent


def test_staff_of_another_district_cannot_hand_back(client, db_session, make, login,
                                                    configured, api):
    ticket = hand_off(client, db_session)
    ticket.district = make.district()
    login(make.district_staff(make.district()))
    assert client.post(f"/tickets/{ticket.id}/bot/hand-back").status_code == 404
    assert conversation(db_session).owner == BotOwner.AGENT


def test_a_backlog_hours_old_goes_to_the_inbox_unanswered(client, db_session, configured, api):
    tg.post(client, tg.text("Nhà tôi mất điện từ sáng", update_id=9))    # sent 02/03/2026
    assert api.call_count == 0
    assert db_session.scalar(sa.select(Ticket)).type == "inquiry"


def test_hand_back_needs_a_login(client, db_session, configured, api):
    ticket = hand_off(client, db_session)
    response = client.post(f"/tickets/{ticket.id}/bot/hand-back")
    assert response.status_code in (302, 401)
    assert conversation(db_session).owner == BotOwner.AGENT


# --- Zalo: the same bot through the signed Zalo webhook, answered through the stubbed OA API

ZALO = {"ZALO_APP_ID": "3608465248940903967", "ZALO_OA_SECRET_KEY": "oa-secret-for-bot-tests",
        "ZALO_ACCESS_TOKEN": "access-1", "ZALO_REFRESH_TOKEN": "refresh-1"}
ZALO_USER = "246845883529197922"


@pytest.fixture
def zalo_api(app, monkeypatch):
    monkeypatch.setitem(app.config, "CHANNELS", dict(ZALO))
    monkeypatch.setattr(handoff, "in_office_hours", lambda at=None: True)
    ids = itertools.count(1)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, "https://openapi.zalo.me/v3.0/oa/message/cs",
                          callback=lambda request: (200, {}, json.dumps(
                              {"error": 0, "data": {"message_id": f"cs-{next(ids)}"}})))
        mock.sent = lambda: [json.loads(call.request.body) for call in mock.calls]
        yield mock


def zalo_text(client, words: str, msg_id: str):
    """A signed user_send_text event sent now."""
    stamp = str(int(time.time() * 1000))
    body = json.dumps({"app_id": ZALO["ZALO_APP_ID"], "event_name": "user_send_text",
                       "sender": {"id": ZALO_USER}, "recipient": {"id": "388613280878808645"},
                       "message": {"text": words, "msg_id": msg_id}, "timestamp": stamp},
                      ensure_ascii=False).encode()
    mac = hashlib.sha256(ZALO["ZALO_APP_ID"].encode() + body + stamp.encode()
                         + ZALO["ZALO_OA_SECRET_KEY"].encode()).hexdigest()
    response = client.post("/channels/zalo/webhook", data=body, content_type="application/json",
                           headers={"X-ZEvent-Signature": f"mac={mac}"})
    assert response.status_code == 200


def test_a_zalo_chat_gets_the_menu_as_a_numbered_list_and_buttons_that_come_back(
        client, db_session, zalo_api):
    zalo_text(client, "Xin chào", "z-1")
    [menu] = zalo_api.sent()
    assert menu["recipient"] == {"user_id": ZALO_USER}
    assert "1. Báo mất điện" in menu["message"]["text"]          # 8 buttons: more than Zalo's 5
    assert "8. Gặp nhân viên" in menu["message"]["text"]
    zalo_text(client, "2", "z-2")                                # "Tra cứu yêu cầu", typed
    ask = zalo_api.sent()[-1]["message"]
    assert ask["text"].startswith("Vui lòng nhập mã yêu cầu")
    agent = next(b for b in ask["attachment"]["payload"]["buttons"]
                 if b["title"] == "Gặp nhân viên")
    zalo_text(client, agent["payload"], "z-3")                   # the button, tapped
    told = zalo_api.sent()[-1]["message"]["text"]
    ticket = db_session.scalar(sa.select(Ticket))
    assert told.startswith("Đã chuyển cuộc trò chuyện") and ticket.code in told
    assert ticket.channel == "zalo" and conversation(db_session).owner == BotOwner.AGENT
    zalo_text(client, "z-3 again", "z-3")                        # a redelivery: nothing new
    assert len(zalo_api.sent()) == 3
