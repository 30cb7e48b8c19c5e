"""Telegram bot (python-telegram-bot 22): webhook updates in, replies out through the Bot API.

Telegram posts each update as JSON to `/channels/telegram/webhook` with the secret given to
setWebhook in `X-Telegram-Bot-Api-Secret-Token`. Updates are parsed with PTB's own
`Update.de_json` against a Bot that has no network (parsing must never call Telegram), and
mapped to the plain values of `channels.base`:

- a text (or a caption) → kind "text"; a photo → "image", a document, voice, audio or video
  → "file", a sticker → "sticker" (the `file_id` in meta: Telegram keeps the file, we fetch
  it only if someone needs it);
- a shared contact → "contact", `meta["is_own"]` only when `contact.user_id` is the sender's
  own id (otherwise the user forwarded someone else's card);
- a location → "location";
- a tapped inline button (callback_query) → "postback" with the button's data;
- my_chat_member in a private chat: the user blocked the bot → event "blocked", and
  unblocked it → event "unblocked".

Anything else (edits, channel posts, polls, group joins) is no message: `parse` returns
nothing and the webhook still answers 200, because Telegram redelivers a non-2xx answer for
hours. The Bot API is async; the send job calls it synchronously through `asyncio.run`,
one short-lived HTTP client per call, so the web app and the worker stay plain WSGI/RQ.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import hmac
import json
import logging
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, TypeVar

import phonenumbers
from telegram import (Bot, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton,
                      ReplyKeyboardMarkup, Update)
from telegram.error import (BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError,
                            RetryAfter, TelegramError)
from telegram.request import BaseRequest, HTTPXRequest

from channels import register
from channels.base import (BadPayload, ChannelAdapter, ContactRef, InboundMessage,
                           OutboundMessage, SendResult, WebhookRequest, header)

log = logging.getLogger(__name__)
T = TypeVar("T")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/channels/telegram/webhook"
API_ROOT = "https://api.telegram.org"
#: The update types we ask Telegram for (setWebhook); the rest never reaches us.
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")
#: Telegram's limits: a message's text, and inline keyboards as the bot contract allows them.
MAX_TEXT = 4096
MAX_ROW, MAX_ROWS, MAX_DATA_BYTES = 3, 8, 64
#: Seconds before a Bot API call is given up (and the job retried).
TIMEOUT = 15
#: What PTB's classes (and our reading of them) raise on a field that is missing or mistyped.
MALFORMED = (TypeError, KeyError, ValueError, AttributeError, OverflowError)


@register
class TelegramBot(ChannelAdapter):
    """One Telegram bot; verifies the webhook's secret token in constant time."""

    name = "telegram"
    channel = "telegram"
    contact_kind = "telegram"
    webhook_paths = (WEBHOOK_PATH,)
    setting_names = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_API_BASE")

    def is_configured(self) -> bool:
        return bool(self.settings.get("TELEGRAM_BOT_TOKEN")
                    and self.settings.get("TELEGRAM_WEBHOOK_SECRET"))

    def verify(self, request: WebhookRequest) -> bool:
        given = header(request.headers, SECRET_HEADER) or ""
        expected = self.settings.get("TELEGRAM_WEBHOOK_SECRET") or ""
        return bool(given and expected) and hmac.compare_digest(given.encode(), expected.encode())

    # --- inbound ---------------------------------------------------------------------------

    def parse(self, request: WebhookRequest) -> list[InboundMessage]:
        """The messages in one update (zero or one); raises BadPayload when it is no update.

        PTB's classes take fields as they come without checking their types, so a field of
        the wrong type surfaces only while we read it: that, too, is a bad update.
        """
        update = self.parse_update(request.body)
        try:
            return inbound_messages(update)
        except MALFORMED as exc:
            raise BadPayload(f"update {update.update_id} has a field of the wrong type: "
                             f"{exc!r}"[:300]) from None

    def parse_update(self, body: bytes) -> Update:
        """PTB's Update for the posted JSON; raises BadPayload."""
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise BadPayload("the body is not JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int) \
                or isinstance(data.get("update_id"), bool):
            raise BadPayload("not a Telegram update (no integer update_id)")
        try:
            return Update.de_json(data, offline_bot(self.settings["TELEGRAM_BOT_TOKEN"]))
        except MALFORMED as exc:
            raise BadPayload(f"update {data['update_id']} is malformed: {exc!r}"[:300]) from None

    # --- outbound --------------------------------------------------------------------------

    def send(self, message: OutboundMessage) -> SendResult:
        """sendMessage with the keyboard the meta asks for; Telegram's errors become results.

        Forbidden (the user blocked the bot, or never started it) is final; RetryAfter,
        time-outs and network or 5xx errors are retryable. A text longer than Telegram's
        limit goes as several messages, the keyboard on the last one.
        """
        chat_id = message.to.address.strip()
        if not chat_id:
            return SendResult(False, error="telegram: no chat id")
        text, markup = render(message.text, message.meta)
        if not text:
            return SendResult(False, error="telegram: the message is empty")
        parts = split_text(text)

        async def deliver(bot: Bot):
            sent = None
            for number, part in enumerate(parts, start=1):
                sent = await bot.send_message(
                    chat_id=chat_id, text=part,
                    reply_markup=markup if number == len(parts) else None)
            return sent

        try:
            sent = self.call(deliver)
        except TelegramError as exc:
            return failure(exc)
        return SendResult(True, external_id=f"tg-msg-{sent.chat.id}-{sent.message_id}")

    def set_webhook(self, url: str, *, drop_pending_updates: bool = False) -> bool:
        """setWebhook with our secret and update types; raises TelegramError."""
        return self.call(lambda bot: bot.set_webhook(
            url=url, secret_token=self.settings["TELEGRAM_WEBHOOK_SECRET"],
            allowed_updates=list(ALLOWED_UPDATES), drop_pending_updates=drop_pending_updates))

    def webhook_info(self) -> dict:
        """getWebhookInfo as a plain dict; raises TelegramError."""
        return self.call(lambda bot: bot.get_webhook_info()).to_dict()

    def call(self, method: Callable[[Bot], Awaitable[T]]) -> T:
        """Run one Bot API exchange to completion from synchronous code.

        The bot is not `initialize()`d (that costs a getMe per call); its HTTP client is
        closed afterwards, inside the same event loop that opened it.
        """
        async def run() -> T:
            request = HTTPXRequest(connect_timeout=TIMEOUT, read_timeout=TIMEOUT,
                                   write_timeout=TIMEOUT, connection_pool_size=2)
            bot = Bot(self.settings["TELEGRAM_BOT_TOKEN"], request=request,
                      get_updates_request=request, **api_urls(self.settings))
            try:
                return await method(bot)
            finally:
                await request.shutdown()
        return run_to_completion(run)


def run_to_completion(coroutine: Callable[[], Awaitable[T]]) -> T:
    """`asyncio.run` from synchronous code, also when this thread already runs an event loop
    (a worker embedded in an async host): then in a short-lived thread with its own loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine())).result()


# --- parsing ---------------------------------------------------------------------------------

class _NoNetwork(BaseRequest):
    """The request object of the parsing bot: any attempt to reach Telegram is a bug."""

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return None

    async def do_request(self, url, method, request_data=None, read_timeout=None,
                         write_timeout=None, connect_timeout=None, pool_timeout=None):
        raise RuntimeError("the parsing bot has no network")


def offline_bot(token: str) -> Bot:
    """A Bot for `Update.de_json` only: cheap to build, and it cannot call Telegram."""
    return Bot(token, request=_NoNetwork(), get_updates_request=_NoNetwork())


def inbound_messages(update: Update) -> list[InboundMessage]:
    """Our values for one update; empty for the kinds we do not take (logged)."""
    inbound = None
    if update.message is not None:
        inbound = _from_message(update)
    elif update.callback_query is not None:
        inbound = _from_callback(update)
    elif update.my_chat_member is not None:
        inbound = _from_member_change(update)
    if inbound is None:
        log.info("telegram: update %s carries nothing we take; ignored", update.update_id)
        return []
    return [inbound]


def _sender(chat_id: int, chat_name: str | None, user) -> ContactRef:
    """The chat we answer, named after the person (private chats: chat id == user id)."""
    if not isinstance(chat_id, int) or isinstance(chat_id, bool):
        raise TypeError(f"chat id {chat_id!r} is not an integer")
    name = (user.full_name if user is not None else None) or chat_name
    return ContactRef("telegram", str(chat_id), (name or "").strip()[:200] or None)


def _inbound(update: Update, chat, user, when: datetime | None, *, kind: str, text: str = "",
             meta: dict | None = None) -> InboundMessage:
    """`chat` None: a private chat known only by its user (whose id it shares)."""
    sender = _sender(chat.id, chat.effective_name, user) if chat is not None else \
        _sender(user.id, None, user)
    base = {"provider": "telegram", "update_id": update.update_id}
    if user is not None:
        base["from_id"] = user.id
        if user.username:
            base["username"] = user.username
    text = (text or "").strip()
    return InboundMessage(
        channel="telegram", external_id=f"tg-{update.update_id}", sender=sender,
        received_at=(when or datetime.now(timezone.utc)).astimezone(timezone.utc),
        text=text, thread_hint=text or None, kind=kind, meta={**base, **(meta or {})})


def _from_message(update: Update) -> InboundMessage | None:
    message = update.message
    user = message.from_user
    if user is not None and user.is_bot:
        return None                       # another bot: never start a robot conversation
    meta = {"message_id": message.message_id}
    text = message.text or message.caption or ""
    kind = "text"
    if message.contact is not None:
        contact = message.contact
        phone = telegram_phone(contact.phone_number)
        kind, text = "contact", phone or str(contact.phone_number or "")
        meta.update(phone=phone, raw_phone=contact.phone_number,
                    is_own=bool(user is not None and contact.user_id == user.id),
                    contact_name=" ".join(filter(None, (contact.first_name,
                                                        contact.last_name))) or None)
    elif message.location is not None:
        location = message.location
        kind = "location"
        text = text or f"{location.latitude:.6f}, {location.longitude:.6f}"
        meta.update(latitude=location.latitude, longitude=location.longitude)
    elif message.photo:
        largest = max(message.photo, key=lambda size: (size.width or 0) * (size.height or 0))
        kind = "image"
        meta.update(file_id=largest.file_id, file_unique_id=largest.file_unique_id,
                    width=largest.width, height=largest.height)
    elif message.sticker is not None:
        kind, text = "sticker", text or message.sticker.emoji or ""
        meta.update(file_id=message.sticker.file_id, emoji=message.sticker.emoji)
    elif media := _file(message):
        kind = "file"
        meta.update(media)
    elif not text:
        return None                       # a service message, a poll, a dice…
    return _inbound(update, message.chat, user, message.date, kind=kind, text=text,
                    meta={k: v for k, v in meta.items() if v is not None})


def _file(message) -> dict | None:
    """A document, voice note, audio, video or video note: its file_id and what it is."""
    for media_type in ("document", "voice", "audio", "video", "video_note", "animation"):
        item = getattr(message, media_type, None)
        if item is not None:
            return {"media_type": media_type, "file_id": item.file_id,
                    "file_unique_id": item.file_unique_id,
                    "file_name": getattr(item, "file_name", None),
                    "mime_type": getattr(item, "mime_type", None),
                    "file_size": item.file_size}
    return None


def _from_callback(update: Update) -> InboundMessage | None:
    """A tapped inline button; Telegram gives no time for it, so it is now."""
    query = update.callback_query
    if query.data is None:
        return None                       # a game button: not ours
    origin = query.message                # None when the button's message is too old
    meta = {"payload": query.data, "callback_query_id": query.id}
    if origin is not None:
        meta["message_id"] = origin.message_id
    return _inbound(update, origin.chat if origin is not None else None, query.from_user, None,
                    kind="postback", text=_button_label(origin, query.data) or query.data,
                    meta=meta)


def _button_label(origin, data: str) -> str | None:
    """The text of the inline button that carries `data` on the message it was tapped on."""
    markup = getattr(origin, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", None) or ():
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def _from_member_change(update: Update) -> InboundMessage | None:
    change = update.my_chat_member
    if change.chat.type != "private":
        return None                       # the bot added to or removed from a group
    old, new = change.old_chat_member.status, change.new_chat_member.status
    if new == "kicked" and old != "kicked":
        event = "blocked"
    elif old == "kicked" and new != "kicked":
        event = "unblocked"
    else:
        return None
    return _inbound(update, change.chat, change.from_user, change.date, kind="event",
                    meta={"event": event})


def telegram_phone(text: str | None) -> str | None:
    """E.164 for a shared contact's number, or None when it is not a valid one.

    Telegram writes numbers internationally without the "+" ("84901234567"); a number
    that starts with 0 is read as Vietnamese.
    """
    digits = "".join(ch for ch in (text or "") if ch.isdigit())
    if not digits:
        return None
    candidate = digits if digits.startswith("0") else "+" + digits
    try:
        number = phonenumbers.parse(candidate, "VN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# --- sending ---------------------------------------------------------------------------------

def api_urls(settings) -> dict:
    """PTB's base_url/base_file_url for TELEGRAM_API_BASE (the API root, "/bot" optional)."""
    root = (settings.get("TELEGRAM_API_BASE") or API_ROOT).rstrip("/")
    root = root[:-len("/bot")] if root.endswith("/bot") else root
    return {"base_url": f"{root}/bot", "base_file_url": f"{root}/file/bot"}


def render(text: str, meta: dict | None) -> tuple[str, Any]:
    """The text and reply markup for `meta`'s buttons or request_contact.

    Both cannot go on one message: asking for the phone wins, and the buttons are then
    listed as numbered lines; so are buttons that break Telegram's limits.
    """
    meta = meta or {}
    text = (text or "").strip()
    buttons = _valid_buttons(meta.get("buttons"))
    if label := meta.get("request_contact"):
        markup = ReplyKeyboardMarkup([[KeyboardButton(str(label)[:64], request_contact=True)]],
                                     one_time_keyboard=True, resize_keyboard=True)
        return _numbered(text, meta.get("buttons")), markup
    if buttons:
        return text, InlineKeyboardMarkup(
            [[InlineKeyboardButton(b["text"], callback_data=b["data"]) for b in row]
             for row in buttons])
    return _numbered(text, meta.get("buttons")), None


def _valid_buttons(rows) -> list[list[dict]] | None:
    """The rows when every button fits an inline keyboard, else None."""
    if not rows or not isinstance(rows, list) or len(rows) > MAX_ROWS:
        return None
    for row in rows:
        if not isinstance(row, list) or not 0 < len(row) <= MAX_ROW:
            return None
        for button in row:
            if not isinstance(button, dict) or not str(button.get("text") or "").strip():
                return None
            data = button.get("data")
            if not isinstance(data, str) or not data \
                    or len(data.encode("utf-8")) > MAX_DATA_BYTES:
                return None
    return rows


def _numbered(text: str, rows) -> str:
    """The buttons' labels as "1. …" lines under the text (a keyboard-less fallback)."""
    labels = [str(button.get("text")).strip() for row in (rows or []) if isinstance(row, list)
              for button in row if isinstance(button, dict) and button.get("text")]
    if not labels:
        return text
    lines = [f"{number}. {label}" for number, label in enumerate(labels, start=1)]
    return "\n".join(filter(None, [text, *lines]))


def split_text(text: str) -> list[str]:
    """Pieces of at most MAX_TEXT characters, cut at a line break when there is one."""
    parts = []
    while len(text) > MAX_TEXT:
        cut = text.rfind("\n", 0, MAX_TEXT)
        cut = cut if cut > MAX_TEXT // 2 else MAX_TEXT
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return parts + [text] if text else parts


def failure(exc: TelegramError) -> SendResult:
    """Telegram's error as a SendResult: what a retry can fix is retryable, the rest final."""
    if isinstance(exc, Forbidden):
        return SendResult(False, error=f"telegram:forbidden: {exc.message}"[:500])
    if isinstance(exc, RetryAfter):
        return SendResult(False, retryable=True, error=f"telegram: {exc.message}"[:500])
    if isinstance(exc, ChatMigrated):
        return SendResult(False, error=f"telegram: chat moved to {exc.new_chat_id}")
    if isinstance(exc, (BadRequest, InvalidToken)):
        return SendResult(False, error=f"telegram: {exc.message}"[:500])
    if isinstance(exc, NetworkError):     # time-outs, connection errors, 5xx
        return SendResult(False, retryable=True, error=f"telegram unreachable: {exc.message}"[:500])
    return SendResult(False, error=f"telegram: {exc.message}"[:500])
