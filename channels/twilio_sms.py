"""Twilio Programmable Messaging: inbound SMS, delivery receipts and outbound SMS.

Twilio does not carry two-way SMS in Vietnam, so inbound here serves customers writing to
a foreign Twilio number, and outbound needs a registered brandname sender. That is why
the local gateway (`channels.sms_gateway`) is preferred for outbound SMS when configured.
"""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from channels import register
from channels.base import (BadPayload, ChannelAdapter, ContactRef, InboundMessage,
                           OutboundMessage, SendResult, WebhookRequest)
from channels.sms_common import DELIVERED, FAILED, SENT, DeliveryReceipt, sender_phone
from channels.twilio_auth import signed_by_twilio

#: Twilio's MessageStatus → ours; queued/accepted/sending/scheduled change nothing.
STATUSES = {"sent": SENT, "delivered": DELIVERED, "read": DELIVERED,
            "undelivered": FAILED, "failed": FAILED, "canceled": FAILED}
#: Seconds before a call to Twilio's API is given up (and retried by the job).
TIMEOUT = 15
MAX_MEDIA = 10


@register
class TwilioSms(ChannelAdapter):
    """SMS through Twilio; verifies X-Twilio-Signature against the public URL."""

    name = "twilio_sms"
    channel = "sms"
    contact_kind = "phone"
    webhook_paths = ("/channels/twilio/sms", "/channels/twilio/sms/status")
    status_callback_path = "/channels/twilio/sms/status"
    setting_names = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER",
                     "TWILIO_API_BASE")

    def is_configured(self) -> bool:
        return all(self.settings.get(key) for key in
                   ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER"))

    def verify(self, request: WebhookRequest) -> bool:
        """Twilio's own validator over the public URL and every posted field."""
        return signed_by_twilio(self.settings, request)

    def parse(self, request: WebhookRequest) -> list[InboundMessage]:
        """One inbound SMS (or MMS: media URLs kept in meta); raises BadPayload."""
        form = request.form
        sid = form.get("MessageSid") or form.get("SmsMessageSid")
        if not sid:
            raise BadPayload("MessageSid is missing")
        phone = sender_phone(form.get("From"))
        text = (form.get("Body") or "").strip()
        media = _media(form)
        if not text and not media:
            raise BadPayload("the message is empty")
        meta = {"provider": self.name, "to": form.get("To"), "media": media,
                "num_segments": form.get("NumSegments"),
                "messaging_service_sid": form.get("MessagingServiceSid")}
        # SMS has no subject: the body is where a customer quotes a ticket code.
        return [InboundMessage(channel="sms", external_id=sid, sender=ContactRef("phone", phone),
                               received_at=datetime.now(timezone.utc), text=text,
                               thread_hint=text or None,
                               meta={k: v for k, v in meta.items() if v})]

    def parse_status(self, request: WebhookRequest) -> DeliveryReceipt:
        """A StatusCallback: MessageSid, MessageStatus, ErrorCode; our `ref` is in the URL."""
        form = request.form
        sid = form.get("MessageSid") or form.get("SmsSid")
        status = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
        if not sid or not status:
            raise BadPayload("MessageSid and MessageStatus are required")
        reference = parse_qs(urlsplit(request.url).query).get("ref", [None])[0]
        return DeliveryReceipt(external_id=sid, status=STATUSES.get(status),
                               reference=reference, error_code=form.get("ErrorCode") or None,
                               error=form.get("ErrorMessage") or None)

    def send(self, message: OutboundMessage) -> SendResult:
        """POST …/Messages.json; 5xx, 429 and network errors are retryable, the rest final."""
        options = {"to": message.to.address, "body": message.text}
        if callback := message.meta.get("status_callback"):
            options["status_callback"] = callback
        sender = self.settings["TWILIO_FROM_NUMBER"]
        if sender.startswith("MG"):            # a Messaging Service picks the number itself
            options["messaging_service_sid"] = sender
        else:
            options["from_"] = sender
        try:
            created = self._client().api.account.messages.create(**options)
        except TwilioRestException as exc:
            retryable = exc.status == 429 or exc.status >= 500
            return SendResult(False, retryable=retryable,
                              error=f"Twilio {exc.code or exc.status}: {exc.msg}"[:500])
        except requests.RequestException as exc:
            return SendResult(False, retryable=True, error=f"Twilio unreachable: {exc}"[:500])
        except TwilioException as exc:
            return SendResult(False, error=f"Twilio: {exc}"[:500])
        return SendResult(True, external_id=created.sid)

    def _client(self) -> Client:
        """Twilio's client, pointed at TWILIO_API_BASE when set (a gateway or a test stub)."""
        client = Client(self.settings["TWILIO_ACCOUNT_SID"], self.settings["TWILIO_AUTH_TOKEN"],
                        http_client=TwilioHttpClient(timeout=TIMEOUT))
        if base := self.settings.get("TWILIO_API_BASE"):
            client.api.base_url = base.rstrip("/")
        return client


def _media(form) -> list[dict]:
    """MediaUrlN / MediaContentTypeN for N < NumMedia (fetched later, if ever: they need auth)."""
    try:
        count = min(int(form.get("NumMedia") or 0), MAX_MEDIA)
    except ValueError:
        raise BadPayload("NumMedia is not a number") from None
    return [{"url": form.get(f"MediaUrl{n}"), "content_type": form.get(f"MediaContentType{n}")}
            for n in range(count) if form.get(f"MediaUrl{n}")]
