"""The on-premise PBX / CTI connector of the 1900 switchboard.

A 1900 number lives on a Vietnamese carrier's switchboard, not at Twilio, so a small
connector beside the PBX (an Asterisk AMI/ARI listener, a FreeSWITCH ESL script, a
vendor CTI bridge) posts what happens to each call. The contract, one event per request:

    POST /channels/pbx/events
    Authorization: Bearer $PBX_EVENTS_TOKEN
    Content-Type: application/json

    {"event": "ringing",          required: ringing | answered | ended | recording
     "call_id": "1718000000.42",  required, at most 64 characters (Asterisk: the linkedid)
     "event_id": "…",             optional: the same id on a redelivery makes it a repeat
     "at": "2026-03-02T09:15:04+07:00",  optional ISO 8601; no offset = Vietnam time; else now
     "caller": "0905 123 456",    the customer's number, any Vietnamese form
     "called": "1900 1909",       the number dialled
     "extension": "101",          ringing: the extension that rings (absent: the whole
                                  agent group); answered: the extension that picked up
     "duration": 125,             ended: seconds of the whole call
     "recording_url": "https://pbx.lan/rec/1718000000.42.wav",   recording: fetched later
     "recording": "<base64>",     recording: or the audio inline (instead of the URL)
     "content_type": "audio/wav", recording: its type (default audio/wav)
     "recording_id": "…"}         recording: optional (default: one recording per call)

Send `caller` with every event when the PBX knows it: a recording of a call whose caller is
unknown cannot be filed under a customer (it stays in the call's event log only).
Events may arrive late, out of order or twice; the call never moves backwards. Answers:
200 `{"ok": true, "call": id, "state": "...", "duplicate": bool}`, 400 with the reason,
401 without a token, 403 with a wrong one.
"""
from __future__ import annotations

import base64
import binascii
import hmac
import json
from datetime import datetime, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from channels import register
from channels.base import (BadPayload, ChannelAdapter, InboundMessage, OutboundMessage,
                           SendResult, WebhookRequest)
from channels.calls import (ANSWERED, ENDED, RECORDING, RINGING, CallEvent, Recording, clean,
                            delivery_key, header)
from channels.twilio_voice import download

EVENTS = {"ringing": RINGING, "answered": ANSWERED, "ended": ENDED, "recording": RECORDING}
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_DURATION = 24 * 3600


@register
class Pbx(ChannelAdapter):
    """Call events from the switchboard's connector, authenticated by a bearer token."""

    name = "pbx"
    channel = "hotline"
    contact_kind = "phone"
    webhook_paths = ("/channels/pbx/events",)
    setting_names = ("PBX_EVENTS_TOKEN",)

    def is_configured(self) -> bool:
        return bool(self.settings.get("PBX_EVENTS_TOKEN"))

    def verify(self, request: WebhookRequest) -> bool:
        """The bearer token equals PBX_EVENTS_TOKEN (constant time)."""
        expected = self.settings.get("PBX_EVENTS_TOKEN")
        scheme, _, token = (header(request.headers, "Authorization") or "").partition(" ")
        if not expected or scheme.lower() != "bearer" or not token.strip():
            return False
        return hmac.compare_digest(token.strip().encode(), expected.encode())

    def parse(self, request: WebhookRequest) -> list[InboundMessage]:
        """Calls are events, not messages: see `parse_call`."""
        return []

    def parse_call(self, request: WebhookRequest) -> CallEvent:
        """The event in the JSON body; raises BadPayload saying what is wrong."""
        body = _json_object(request.body)
        kind = EVENTS.get(str(body.get("event", "")).strip().lower())
        if kind is None:
            raise BadPayload(f"event must be one of {', '.join(EVENTS)}")
        call_id = clean(body.get("call_id"), 1000)
        if not call_id or len(call_id) > 64:
            raise BadPayload("call_id is required (at most 64 characters)")
        return CallEvent(
            provider="pbx", call_id=call_id, kind=kind, at=_at(body.get("at")),
            key=delivery_key(clean(body.get("event_id")), request.url, request.body),
            caller=clean(body.get("caller")), called=clean(body.get("called")),
            extension=clean(body.get("extension"), 32), duration=_duration(body.get("duration")),
            recording=_recording(body, call_id) if kind == RECORDING else None,
            data={k: body[k] for k in ("event", "extension", "duration", "event_id",
                                       "recording_url") if isinstance(body.get(k), (str, int))})

    def send(self, message: OutboundMessage) -> SendResult:
        """A call carries no text: replies to hotline tickets go by SMS."""
        return SendResult(False, retryable=False, error="calls cannot carry text; reply by SMS")

    def fetch_recording(self, url: str, max_bytes: int) -> tuple[bytes, str]:
        """The recording from the PBX's own server (a plain GET; no credentials are sent)."""
        return download(url, max_bytes)


def _json_object(raw: bytes) -> dict:
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadPayload("the body is not JSON") from None
    if not isinstance(body, dict):
        raise BadPayload("the body must be one JSON object (one event)")
    return body


def _at(value) -> datetime:
    if value in (None, ""):
        return datetime.now(timezone.utc)
    try:
        at = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadPayload("at must be an ISO 8601 time, e.g. 2026-03-02T09:15:04+07:00") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=LOCAL_TZ)
    return at.astimezone(timezone.utc)


def _duration(value) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise BadPayload("duration must be a number of seconds")
    try:
        seconds = int(float(value))
    except ValueError:
        raise BadPayload("duration must be a number of seconds") from None
    if not 0 <= seconds <= MAX_DURATION:
        raise BadPayload("duration is out of range")
    return seconds


def _recording(body: dict, call_id: str) -> Recording:
    """The recording of a `recording` event: a URL to fetch or base64 audio, not both missing."""
    url, inline = clean(body.get("recording_url"), 2000), body.get("recording")
    content_type = clean(body.get("content_type"), 100) or "audio/wav"
    recording_id = clean(body.get("recording_id")) or call_id
    duration = _duration(body.get("duration"))
    if inline:
        if not isinstance(inline, str):
            raise BadPayload("recording must be base64 text")
        try:
            data = base64.b64decode(inline, validate=True)
        except (binascii.Error, ValueError):
            raise BadPayload("recording is not valid base64") from None
        return Recording(recording_id, data=data, content_type=content_type, duration=duration)
    if not url or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise BadPayload("a recording event needs recording_url (http/https) or recording")
    return Recording(recording_id, url=url, content_type=content_type, duration=duration)
