"""Zalo Official Account: webhook events in, customer-service messages and ZNS out.

- Verify: `X-ZEvent-Signature` = "mac=" + sha256(app id + raw body + timestamp + OA secret
  key), the timestamp read from the body (`channels.zalo_client.signature_ok`).
- Parse: `channels.zalo_events`.
- Send: a "tin tư vấn" v3 message; `meta["buttons"]` become `oa.query.hide` buttons whose
  payload comes back as a text we recognise as a postback, `meta["request_contact"]` the
  `request_user_info` form. With `meta["zns"]` (`crm.zalo.zns`) the message goes out as a
  ZNS template to a phone number instead.

Access tokens come from a token store: by default the ZALO_ACCESS_TOKEN setting as it is;
the app plugs in its database store (`crm.zalo.tokens`), which refreshes before expiry and
keeps the single-use refresh token safe. A token error from Zalo renews once and retries.
"""
from __future__ import annotations

import json
from typing import Callable, Mapping, Protocol

from channels import register
from channels.base import (ChannelAdapter, ChannelError, InboundMessage, OutboundMessage,
                           SendResult, WebhookRequest, header)
from channels.zalo_client import (NOT_FOLLOWER_ERRORS, RETRY_ERRORS, TOKEN_ERRORS,
                                  WINDOW_ERRORS, ZaloClient, ZaloReply, ZaloUnreachable,
                                  signature_ok)
from channels.sms_common import DeliveryReceipt
from channels.zalo_events import POSTBACK_PREFIX, parse_event, parse_receipt

SIGNATURE_HEADER = "X-ZEvent-Signature"
MAX_TEXT = 2000                           # a CS text message
MAX_BUTTONS = 5                           # buttons under one CS message
MAX_TITLE = 100                           # a button's or form's title
MAX_SUBTITLE = 500
OUTSIDE_WINDOW = "zalo:outside_window"
NOT_FOLLOWER = "zalo:not_follower"


class TokenUnavailable(ChannelError):
    """No usable access token; `retryable` when trying later may help (Zalo unreachable)."""

    def __init__(self, message: str, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable


class TokenStore(Protocol):
    def access_token(self) -> str:
        """A token to use now (refreshed first if it is about to expire)."""

    def renew(self, spent: str) -> str:
        """A new token after Zalo rejected `spent` (refreshed at most once across workers)."""


class SettingsTokens:
    """ZALO_ACCESS_TOKEN as it is: nowhere to keep a refreshed pair, so no refreshing."""

    def __init__(self, settings: Mapping, client: ZaloClient):
        self.settings = settings

    def access_token(self) -> str:
        if not self.settings.get("ZALO_ACCESS_TOKEN"):
            raise TokenUnavailable("ZALO_ACCESS_TOKEN is not set")
        return self.settings["ZALO_ACCESS_TOKEN"]

    def renew(self, spent: str) -> str:
        raise TokenUnavailable("the access token was rejected and there is no token store")


@register
class ZaloOA(ChannelAdapter):
    """Zalo OA through our small client (`channels.zalo_client`)."""

    name = "zalo_oa"
    channel = "zalo"
    contact_kind = "zalo"
    webhook_paths = ("/channels/zalo/webhook",)
    setting_names = ("ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_OA_SECRET_KEY",
                     "ZALO_ACCESS_TOKEN", "ZALO_REFRESH_TOKEN", "ZALO_API_BASE",
                     "ZALO_OAUTH_BASE", "ZALO_ZNS_TEMPLATE_REPLY", "ZALO_ZNS_TEMPLATE_NOTICE")
    #: Builds the token store; `crm.zalo.tokens` replaces it with the database one.
    token_store: Callable[[Mapping, ZaloClient], TokenStore] = SettingsTokens

    def is_configured(self) -> bool:
        return bool(self.settings.get("ZALO_APP_ID") and self.settings.get("ZALO_OA_SECRET_KEY")
                    and (self.settings.get("ZALO_ACCESS_TOKEN")
                         or self.settings.get("ZALO_REFRESH_TOKEN")))

    def verify(self, request: WebhookRequest) -> bool:
        """The MAC over app id, raw body, the body's timestamp and the OA secret key."""
        return signature_ok(request.body, header(request.headers, SIGNATURE_HEADER),
                            self.settings.get("ZALO_APP_ID") or "",
                            self.settings.get("ZALO_OA_SECRET_KEY") or "")

    def parse(self, request: WebhookRequest) -> list[InboundMessage]:
        """The customer message of the event ([] for receipts, echoes, unknown events)."""
        return parse_event(request.body)

    def parse_receipt(self, request: WebhookRequest) -> DeliveryReceipt | None:
        """The delivery receipt in a verified request, if it is one (CS message or ZNS)."""
        return parse_receipt(request.body)

    def client(self) -> ZaloClient:
        """ZNS goes to ZALO_API_BASE too when it is set: one gateway (or stub) for both hosts."""
        api = self.settings.get("ZALO_API_BASE")
        return ZaloClient(api, self.settings.get("ZALO_OAUTH_BASE"), api)

    def send(self, message: OutboundMessage) -> SendResult:
        """A CS message (or a ZNS template); Zalo's error codes mapped, never raised."""
        if not message.to.address:
            return SendResult(False, error="zalo: no recipient")
        client = self.client()
        if zns := message.meta.get("zns"):
            return self._call(client, client.send_zns,
                              zns_body(message.to.address, zns, message.idempotency_key))
        result = SendResult(False, error="zalo: nothing to send")
        for number, body in enumerate(cs_messages(message)):
            result = self._call(client, client.send_cs, message.to.address, body)
            if not result.ok:
                # A part already went out: retrying the whole message would repeat it.
                return result if number == 0 else SendResult(False, error=result.error)
        return result

    def _call(self, client: ZaloClient, post: Callable[..., ZaloReply], *args) -> SendResult:
        """`post(token, *args)` with a usable token; a token error renews once and retries."""
        tokens = self.token_store(self.settings, client)
        try:
            token = tokens.access_token()
            reply = post(token, *args)
            if reply.error in TOKEN_ERRORS:
                reply = post(tokens.renew(token), *args)
        except TokenUnavailable as exc:
            return SendResult(False, retryable=exc.retryable, error=f"zalo:token {exc}"[:500])
        except ZaloUnreachable as exc:
            return SendResult(False, retryable=True, error=str(exc)[:500])
        return result_of(reply)


def result_of(reply: ZaloReply) -> SendResult:
    """Zalo's `error` as a SendResult: the window and follower errors have fixed names."""
    if reply.ok:
        data = reply.data
        return SendResult(True, external_id=str(data.get("message_id") or data.get("msg_id")
                                                or "") or None)
    if reply.error in WINDOW_ERRORS:
        return SendResult(False, error=OUTSIDE_WINDOW)
    if reply.error in NOT_FOLLOWER_ERRORS:
        return SendResult(False, error=NOT_FOLLOWER)
    detail = f"zalo:{reply.error} {reply.message}".strip()[:500]
    return SendResult(False, retryable=reply.error in RETRY_ERRORS, error=detail)


def cs_messages(message: OutboundMessage) -> list[dict]:
    """The CS message bodies for one outbound message, in sending order."""
    buttons = [button for row in message.meta.get("buttons") or [] for button in row]
    text = message.text.strip()
    if len(buttons) > MAX_BUTTONS:        # too many for Zalo: a numbered list instead
        text = "\n".join([text, ""] + [f"{n}. {b.get('text', '')}"
                                       for n, b in enumerate(buttons, 1)]).strip()
        buttons = []
    chunks = [text[at:at + MAX_TEXT] for at in range(0, len(text), MAX_TEXT)] or [""]
    bodies = [{"text": chunk} for chunk in chunks if chunk]
    if buttons and bodies:
        bodies[-1]["attachment"] = {"type": "template", "payload": {
            "buttons": [_button(b) for b in buttons]}}
    if label := message.meta.get("request_contact"):
        if bodies and not buttons and len(bodies) == 1 and len(text) <= MAX_SUBTITLE:
            bodies = []                   # the form carries the text itself
        bodies.append(request_user_info(str(label), text if not bodies else ""))
    return bodies


def _button(button: Mapping) -> dict:
    """A button that, tapped, sends us its data and label in a hidden text."""
    label = str(button.get("text") or "")[:MAX_TITLE]
    payload = POSTBACK_PREFIX + json.dumps({"d": str(button.get("data") or ""), "t": label},
                                           ensure_ascii=False, separators=(",", ":"))
    return {"title": label, "type": "oa.query.hide", "payload": payload}


def request_user_info(title: str, subtitle: str) -> dict:
    """The form that asks for the user's phone number (answered by `user_submit_info`)."""
    element = {"title": title[:MAX_TITLE], "subtitle": (subtitle or title)[:MAX_SUBTITLE]}
    return {"attachment": {"type": "template", "payload": {
        "template_type": "request_user_info", "elements": [element]}}}


def zns_body(phone: str, zns: Mapping, tracking_id: str) -> dict:
    """A ZNS send: the phone as 84… (no +, no leading 0), template id and its parameters."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("0"):
        digits = "84" + digits[1:]
    body = {"phone": digits, "template_id": str(zns["template_id"]),
            "template_data": {str(k): str(v) for k, v in (zns.get("params") or {}).items()},
            "tracking_id": tracking_id[:48]}
    if zns.get("development"):
        body["mode"] = "development"
    return body
