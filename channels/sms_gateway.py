"""A Vietnamese SMS gateway (brandname / short code) behind one small, generic contract.

Vietnamese carriers' brandname gateways all differ; we publish one contract (README,
"SMS") and a thin connector on the gateway's side maps to it:

- MO (customer → us): `POST /channels/sms-gateway/inbound`, JSON or form, fields
  `id, from, to, text, received_at` (ISO 8601; without an offset it is Vietnam time).
- Delivery receipts: `POST /channels/sms-gateway/status`, fields
  `id, client_ref, status (sent|delivered|failed), error_code, error`.
- Both signed: `X-Signature` = hex HMAC-SHA256 of the raw body with SMS_GATEWAY_SECRET.
- MT (us → customer): `POST SMS_GATEWAY_URL`, `Authorization: Bearer SMS_GATEWAY_TOKEN`,
  JSON `{to, text, brandname, client_ref}` → `{id, status}`. `client_ref` is our
  idempotency key: the gateway answers a repeated one with the first result.

The gateway's ids are unique only per gateway and direction, so they are stored as
`gw-mo-<id>` and `gw-mt-<id>`.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import requests

from channels import http_pool, register
from channels.base import (BadPayload, ChannelAdapter, ContactRef, InboundMessage,
                           OutboundMessage, SendResult, WebhookRequest)
from channels.sms_common import DELIVERED, FAILED, SENT, DeliveryReceipt, header, sender_phone

SIGNATURE_HEADER = "X-Signature"
STATUSES = {"sent": SENT, "delivered": DELIVERED, "failed": FAILED,
            "undelivered": FAILED, "rejected": FAILED, "expired": FAILED}
TIMEOUT = 15
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_TEXT = 1600


@register
class SmsGateway(ChannelAdapter):
    """SMS through the local brandname gateway; every request proven by an HMAC of its body."""

    name = "sms_gateway"
    channel = "sms"
    contact_kind = "phone"
    webhook_paths = ("/channels/sms-gateway/inbound", "/channels/sms-gateway/status")
    setting_names = ("SMS_GATEWAY_URL", "SMS_GATEWAY_TOKEN", "SMS_GATEWAY_SECRET",
                     "SMS_GATEWAY_BRANDNAME")

    def is_configured(self) -> bool:
        return all(self.settings.get(key) for key in
                   ("SMS_GATEWAY_URL", "SMS_GATEWAY_TOKEN", "SMS_GATEWAY_SECRET"))

    def verify(self, request: WebhookRequest) -> bool:
        """The X-Signature header is the HMAC-SHA256 of the raw body (constant-time compare)."""
        given = (header(request.headers, SIGNATURE_HEADER) or "").strip().lower()
        secret = self.settings.get("SMS_GATEWAY_SECRET")
        if not given or not secret:
            return False
        expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))

    def parse(self, request: WebhookRequest) -> list[InboundMessage]:
        """One MO message; raises BadPayload naming the field that is wrong."""
        fields = _fields(request)
        if not fields.get("id"):
            raise BadPayload("id is missing")
        text = (fields.get("text") or "").strip()
        if not text:
            raise BadPayload("the message is empty")
        return [InboundMessage(
            channel="sms", external_id=f"gw-mo-{fields['id']}"[:255],
            sender=ContactRef("phone", sender_phone(fields.get("from"))),
            received_at=_received_at(fields.get("received_at")), text=text[:MAX_TEXT],
            thread_hint=text, meta={"provider": self.name, "to": fields.get("to"),
                                    "gateway_id": fields["id"]})]

    def parse_status(self, request: WebhookRequest) -> DeliveryReceipt:
        """A delivery receipt; raises BadPayload on an unknown status."""
        fields = _fields(request)
        status = (fields.get("status") or "").lower()
        if not (fields.get("id") or fields.get("client_ref")):
            raise BadPayload("id or client_ref is required")
        if status not in STATUSES:
            raise BadPayload(f"unknown status: {status[:40]!r}")
        return DeliveryReceipt(
            external_id=f"gw-mt-{fields['id']}" if fields.get("id") else None,
            status=STATUSES[status], reference=fields.get("client_ref"),
            error_code=fields.get("error_code"), error=fields.get("error"))

    def send(self, message: OutboundMessage) -> SendResult:
        """POST the MT; 5xx, 429 and network errors are retryable (client_ref makes it safe)."""
        payload = {"to": message.to.address.lstrip("+"), "text": message.text,
                   "brandname": self.settings.get("SMS_GATEWAY_BRANDNAME"),
                   "client_ref": message.idempotency_key}
        try:
            response = http_pool.post_json(
                self.settings["SMS_GATEWAY_URL"], payload, timeout=TIMEOUT,
                headers={"Authorization": f"Bearer {self.settings['SMS_GATEWAY_TOKEN']}"})
        except requests.RequestException as exc:
            return SendResult(False, retryable=True, error=f"gateway unreachable: {exc}"[:500])
        if response.status_code == 429 or response.status_code >= 500:
            return SendResult(False, retryable=True, error=_error(response))
        if response.status_code >= 400:
            return SendResult(False, error=_error(response))
        return _accepted(response)


def _fields(request: WebhookRequest) -> dict[str, str]:
    """The posted fields as strings, from JSON or a form; raises BadPayload."""
    content_type = (header(request.headers, "Content-Type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        if not request.form:
            raise BadPayload("expected a JSON object or a form")
        return dict(request.form)
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise BadPayload("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadPayload("the body must be a JSON object")
    if any(isinstance(v, (dict, list)) for v in data.values()):
        raise BadPayload("fields must be strings or numbers")
    return {key: str(value) for key, value in data.items() if value is not None}


def _received_at(text: str | None) -> datetime:
    """Aware UTC; a time without an offset is read as Vietnam time; missing means now."""
    if not text:
        return datetime.now(timezone.utc)
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadPayload(f"received_at is not ISO 8601: {text[:40]!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=VIETNAM)
    return value.astimezone(timezone.utc)


def _error(response: requests.Response) -> str:
    """The gateway's `error` (or the start of its body) with the HTTP status."""
    try:
        detail = response.json().get("error")
    except (ValueError, AttributeError):
        detail = None
    return f"gateway HTTP {response.status_code}: {detail or response.text[:200]}"[:500]


def _accepted(response: requests.Response) -> SendResult:
    """A 2xx answer: {id, status}; a `failed`/`rejected` status is a permanent failure."""
    try:
        data = response.json()
        gateway_id, status = data.get("id"), str(data.get("status") or "").lower()
    except (ValueError, AttributeError):
        # It may have taken the message: retrying is safe because client_ref dedupes.
        return SendResult(False, retryable=True, error="gateway answered without JSON")
    if status in ("failed", "rejected"):
        return SendResult(False, error=f"gateway refused: {data.get('error') or status}"[:500])
    if not gateway_id:
        return SendResult(False, retryable=True, error="gateway answered without an id")
    return SendResult(True, external_id=f"gw-mt-{gateway_id}")
