"""Telegram updates built with python-telegram-bot's own classes, and a stubbed Bot API.

Updates are made as PTB objects and turned into the JSON Telegram posts with `to_dict()`,
so the tests speak the Bot API's real field names. The Bot API is stubbed at the HTTP layer
with respx (PTB talks through httpx); `sent(route)` reads back what PTB posted.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from urllib.parse import parse_qs

import httpx
from telegram import (CallbackQuery, Chat, ChatMemberBanned, ChatMemberMember,
                      ChatMemberUpdated, Contact, Document, InlineKeyboardButton,
                      InlineKeyboardMarkup, Location, Message, PhotoSize, Sticker, Update, User)

TOKEN = "123456:telegram-token-for-tests"
SECRET = "telegram-webhook-secret_42"
API_BASE = "https://telegram-gateway.test"
API = f"{API_BASE}/bot{TOKEN}"
SETTINGS = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_API_BASE": API_BASE}
WEBHOOK = "/channels/telegram/webhook"

CHAT_ID = 123456789
WHEN = datetime(2026, 3, 2, 2, 15, tzinfo=timezone.utc)
LAN = User(id=CHAT_ID, first_name="Lan", last_name="Nguyễn", is_bot=False, username="lan_ng")
PRIVATE = Chat(id=CHAT_ID, type=Chat.PRIVATE, first_name="Lan", last_name="Nguyễn")
BOT_USER = User(id=42, first_name="CSKH", is_bot=True, username="cskh_bot")


def message(update_id: int = 910000001, *, user: User = LAN, chat: Chat = PRIVATE,
            **content) -> dict:
    """An update carrying one message (`text=`, `contact=`, `photo=`, …) as Telegram posts it."""
    return Update(update_id=update_id, message=Message(
        message_id=update_id % 100000, date=WHEN, chat=chat, from_user=user, **content)).to_dict()


def text(body: str = "Nhà tôi mất điện từ sáng", update_id: int = 910000001, **kw) -> dict:
    return message(update_id, text=body, **kw)


def contact(phone: str = "84901234567", *, user_id: int | None = CHAT_ID,
            update_id: int = 910000002) -> dict:
    return message(update_id, contact=Contact(phone_number=phone, first_name="Lan",
                                              last_name="Nguyễn", user_id=user_id))


def location(update_id: int = 910000003) -> dict:
    return message(update_id, location=Location(latitude=16.054407, longitude=108.202167))


def photo(update_id: int = 910000004, caption: str | None = "Cột điện đổ") -> dict:
    sizes = (PhotoSize("small-file", "small-unique", 90, 60),
             PhotoSize("large-file", "large-unique", 1280, 853))
    return message(update_id, photo=sizes, caption=caption)


def document(update_id: int = 910000005) -> dict:
    return message(update_id, document=Document("doc-file", "doc-unique",
                                                 file_name="hoa-don-thang-2.pdf",
                                                 mime_type="application/pdf", file_size=48213))


def sticker(update_id: int = 910000006) -> dict:
    return message(update_id, sticker=Sticker("sticker-file", "sticker-unique", 512, 512,
                                              is_animated=False, is_video=False,
                                              type=Sticker.REGULAR, emoji="👍"))


def button_press(data: str = "menu:outage", update_id: int = 910000007,
                 query_id: str = "4382bfdwdsb323b2d9") -> dict:
    """A tap on an inline button of a message the bot sent earlier."""
    keyboard = InlineKeyboardMarkup([[
        InlineKeyboardButton("Báo mất điện", callback_data="menu:outage"),
        InlineKeyboardButton("Tra cứu phiếu", callback_data="menu:ticket")]])
    origin = Message(message_id=77, date=WHEN, chat=PRIVATE, from_user=BOT_USER,
                     text="Anh/chị cần hỗ trợ gì?", reply_markup=keyboard)
    return Update(update_id=update_id, callback_query=CallbackQuery(
        id=query_id, from_user=LAN, chat_instance="-8110000", message=origin,
        data=data)).to_dict()


def member_change(blocked: bool = True, update_id: int = 910000008, chat: Chat = PRIVATE) -> dict:
    """The user blocked (or unblocked) the bot in their private chat."""
    member, banned = ChatMemberMember(user=BOT_USER), ChatMemberBanned(
        user=BOT_USER, until_date=datetime(1970, 1, 1, tzinfo=timezone.utc))
    old, new = (member, banned) if blocked else (banned, member)
    return Update(update_id=update_id, my_chat_member=ChatMemberUpdated(
        chat=chat, from_user=LAN, date=WHEN, old_chat_member=old,
        new_chat_member=new)).to_dict()


def post(client, update: dict | bytes | str, *, secret: str | None = SECRET):
    """POST an update to the webhook as Telegram does (JSON, the secret in its header)."""
    body = update if isinstance(update, (bytes, str)) else json.dumps(update)
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post(WEBHOOK, data=body, content_type="application/json", headers=headers)


def sent_message(chat_id: int = CHAT_ID, message_id: int = 501, body: str = "ok") -> httpx.Response:
    """The Bot API's answer to sendMessage."""
    return httpx.Response(200, json={"ok": True, "result": {
        "message_id": message_id, "date": int(WHEN.timestamp()),
        "chat": {"id": chat_id, "type": "private"}, "text": body}})


def error(status: int, description: str, **parameters) -> httpx.Response:
    """A Bot API error answer (403 blocked, 429 flood control with retry_after, 5xx…)."""
    body = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return httpx.Response(status, json=body)


def sent(call) -> dict:
    """What PTB posted in one call, JSON fields (reply_markup) decoded."""
    form = {key: values[0] for key, values in parse_qs(call.request.content.decode()).items()}
    if "reply_markup" in form:
        form["reply_markup"] = json.loads(form["reply_markup"])
    if "allowed_updates" in form:
        form["allowed_updates"] = json.loads(form["allowed_updates"])
    return form
