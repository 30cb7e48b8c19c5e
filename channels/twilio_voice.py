"""Twilio Voice: the hotline's call webhooks, the TwiML we answer with, recording downloads.

Twilio posts one form per step of a call (incoming, menu keys, dial result, call status,
recording); `parse_call` turns each into a `channels.calls.CallEvent`. What the menu says
is decided by crm (`crm.calls.ivr`); this module only knows Twilio's words and XML.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode, urlsplit

import phonenumbers
import requests
from twilio.twiml.voice_response import Gather, VoiceResponse

from channels import register
from channels.base import (BadPayload, ChannelAdapter, InboundMessage, OutboundMessage,
                           SendResult, WebhookRequest)
from channels.calls import (ANSWERED, ENDED, GATHER, IVR, MISSED, RECORDING, CallEvent,
                            DownloadError, Recording, clean, delivery_key, header)
from channels.twilio_auth import signed_by_twilio

#: Twilio's Google voices that speak Vietnamese are vi-VN-Standard-A…D and Wavenet-A…D.
LANGUAGE = "vi-VN"
VOICE = "Google.vi-VN-Wavenet-A"
TWILIO_API = "https://api.twilio.com"
#: CallStatus values after which the call is over.
FINAL_STATUSES = {"completed", "busy", "no-answer", "canceled", "failed"}
#: DialCallStatus values meaning an agent talked to the caller.
DIAL_ANSWERED = {"completed", "answered"}
DIGITS = set("0123456789*#")
TIMEOUT = 30


@register
class TwilioVoice(ChannelAdapter):
    """Calls to a Twilio number; verifies X-Twilio-Signature against the public URL."""

    name = "twilio_voice"
    channel = "hotline"
    contact_kind = "phone"
    #: what the number's settings at Twilio point to; the IVR hands Twilio the other paths
    webhook_paths = ("/channels/twilio/voice", "/channels/twilio/voice/status")
    setting_names = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_BASE",
                     "HOTLINE_AGENT_DIAL")

    def is_configured(self) -> bool:
        return bool(self.settings.get("TWILIO_ACCOUNT_SID") and
                    self.settings.get("TWILIO_AUTH_TOKEN"))

    def verify(self, request: WebhookRequest) -> bool:
        """Twilio's own validator over the public URL (query included) and every field."""
        return signed_by_twilio(self.settings, request)

    def parse(self, request: WebhookRequest) -> list[InboundMessage]:
        """Calls are events, not messages: see `parse_call`."""
        return []

    def parse_call(self, request: WebhookRequest, step: str) -> CallEvent:
        """The event of one webhook; `step` is the endpoint that received it
        (incoming, gather, dial, status, recording). Raises BadPayload."""
        form = request.form
        call_id = clean(form.get("CallSid"))
        if not call_id:
            raise BadPayload("CallSid is missing")
        digits = clean(form.get("Digits"), 32)
        if digits and not set(digits) <= DIGITS:
            raise BadPayload("Digits may hold only 0-9, * and #")
        at = _timestamp(form.get("Timestamp"))
        kind, duration = _kind(step, form), None
        if kind in (ENDED, ANSWERED, MISSED) and step in ("status", "dial"):
            duration = _seconds(form.get("DialCallDuration" if step == "dial" else "CallDuration"))
        if kind == ANSWERED and step == "dial" and duration:
            at -= timedelta(seconds=duration)      # the dial result comes when the talk ends
        if step == "status" and form.get("ParentCallSid"):
            call_id = clean(form.get("ParentCallSid"))   # the agent's leg of our call
        agent_leg = bool(form.get("ParentCallSid"))     # its From/To are not the caller's
        return CallEvent(
            provider="twilio", call_id=call_id, kind=kind, at=at,
            key=delivery_key(header(request.headers, "I-Twilio-Idempotency-Token"),
                             request.url, urlencode(sorted(form.items())).encode()),
            caller=None if agent_leg else clean(form.get("From")),
            called=None if agent_leg else clean(form.get("To")),
            duration=duration, digits=digits, recording=_recording(form, kind),
            data={k: form[k] for k in ("CallStatus", "DialCallStatus", "Digits",
                                      "RecordingStatus", "RecordingSid", "RecordingUrl")
                  if form.get(k)})

    def send(self, message: OutboundMessage) -> SendResult:
        """A call carries no text: replies to hotline tickets go by SMS."""
        return SendResult(False, retryable=False, error="calls cannot carry text; reply by SMS")

    def fetch_recording(self, url: str, max_bytes: int) -> tuple[bytes, str]:
        """The recording's MP3 from Twilio's API, with the account's Basic auth.

        Only Twilio's API host is ever given the credentials; TWILIO_API_BASE (a gateway or
        a test stub) replaces it. Raises DownloadError.
        """
        parts = urlsplit(url or "")
        if f"{parts.scheme}://{parts.netloc}" != TWILIO_API or not parts.path:
            raise DownloadError(f"not a Twilio API URL: {url[:100]!r}")
        base = (self.settings.get("TWILIO_API_BASE") or TWILIO_API).rstrip("/")
        path = parts.path if "." in parts.path.rsplit("/", 1)[-1] else parts.path + ".mp3"
        auth = (self.settings["TWILIO_ACCOUNT_SID"], self.settings["TWILIO_AUTH_TOKEN"])
        return download(base + path, max_bytes, auth=auth)


def download(url: str, max_bytes: int, **options) -> tuple[bytes, str]:
    """GET a file of at most `max_bytes`; 5xx, 404 (not ready yet) and network errors retryable."""
    try:
        with requests.get(url, timeout=TIMEOUT, stream=True, **options) as response:
            if response.status_code != 200:
                retryable = response.status_code >= 500 or response.status_code in (404, 429)
                raise DownloadError(f"HTTP {response.status_code} for the recording",
                                    retryable=retryable)
            data = bytearray()
            for chunk in response.iter_content(64 * 1024):
                data += chunk
                if len(data) > max_bytes:
                    raise DownloadError(f"the recording is larger than {max_bytes} bytes")
            kind = response.headers.get("Content-Type", "audio/mpeg").split(";")[0].strip()
            return bytes(data), kind or "audio/mpeg"
    except requests.RequestException as exc:
        raise DownloadError(f"recording unreachable: {exc}"[:300], retryable=True) from None


def _kind(step: str, form) -> str:
    """Twilio's word for what happened → our event kind (an unknown one is only logged)."""
    if step == "incoming":
        return IVR
    if step == "gather":
        return GATHER
    if step == "dial":
        return ANSWERED if form.get("DialCallStatus") in DIAL_ANSWERED else MISSED
    if step == "recording":
        status = form.get("RecordingStatus")
        return RECORDING if status in (None, "", "completed") else f"recording-{status}"[:32]
    status = (form.get("CallStatus") or "").lower()
    if form.get("ParentCallSid"):
        return ANSWERED if status == "in-progress" else f"agent-{status}"[:32]
    return ENDED if status in FINAL_STATUSES else f"status-{status}"[:32]


def _recording(form, kind: str) -> Recording | None:
    if kind != RECORDING:
        return None
    url, sid = form.get("RecordingUrl"), clean(form.get("RecordingSid"))
    if not url or not sid:
        raise BadPayload("RecordingUrl and RecordingSid are required")
    if urlsplit(url).scheme != "https":
        raise BadPayload("RecordingUrl must be an https URL")
    return Recording(recording_id=sid, url=url, duration=_seconds(form.get("RecordingDuration")))


def _seconds(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        raise BadPayload(f"not a number of seconds: {str(value)[:20]!r}") from None
    if seconds < 0:
        raise BadPayload("a duration cannot be negative")
    return seconds


def _timestamp(value) -> datetime:
    """Twilio's RFC 2822 `Timestamp` of status callbacks, else now."""
    if value:
        try:
            stamp = parsedate_to_datetime(value)
            if stamp.tzinfo is not None:
                return stamp.astimezone(timezone.utc)
        except (TypeError, ValueError):
            pass
    return datetime.now(timezone.utc)


class Twiml:
    """A TwiML answer in Vietnamese: every <Say> uses the vi-VN voice."""

    def __init__(self):
        self.response = VoiceResponse()

    def say(self, text: str) -> "Twiml":
        self.response.say(text, language=LANGUAGE, voice=VOICE)
        return self

    def ask(self, prompt: str, action: str, *, digits: int = 1, timeout: int = 6) -> "Twiml":
        """Read `prompt` while listening for keys; the action is called even with none."""
        gather = Gather(input="dtmf", action=action, method="POST", num_digits=digits,
                        timeout=timeout, action_on_empty_result=True,
                        finish_on_key="#" if digits > 1 else None)
        gather.say(prompt, language=LANGUAGE, voice=VOICE)
        self.response.append(gather)
        return self

    def record(self, action: str, *, max_length: int = 120) -> "Twiml":
        """Record after a beep until # or hang-up; both the action and the status callback
        go to `action` (whichever arrives first stores the message)."""
        self.response.record(action=action, method="POST", recording_status_callback=action,
                             recording_status_callback_method="POST", max_length=max_length,
                             finish_on_key="#", play_beep=True, timeout=5)
        return self

    def dial(self, target: str, action: str, status_callback: str, *,
             timeout: int = 30) -> "Twiml":
        """Put the caller through to a number or a sip: URI; Twilio tells `status_callback`
        when the agent answers and `action` how the dial ended."""
        dial = self.response.dial(action=action, method="POST", timeout=timeout)
        callback = dict(status_callback_event="answered", status_callback=status_callback,
                        status_callback_method="POST")
        if target.lower().startswith("sip:"):
            dial.sip(target, **callback)
        else:
            dial.number(dial_number(target), **callback)
        return self

    def hangup(self) -> "Twiml":
        self.response.hangup()
        return self

    def __str__(self) -> str:
        return str(self.response)


def dial_number(text: str) -> str:
    """E.164 for a number written the Vietnamese way (0283…); as given when not a number."""
    try:
        number = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException:
        return text.strip()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
