"""E-mail: raw RFC 822 in (a relay's POST or the IMAP poller), SMTP out.

Settings: SMTP_URL (smtp:// with STARTTLS when the server offers it, or smtps://;
credentials in the URL) and MAIL_FROM to send; INBOUND_EMAIL_TOKEN for the relay's bearer
token; IMAP_URL for the poller (`channels.email_imap`). Parsing is `channels.email_parse`,
sending `channels.email_send`.
"""
from __future__ import annotations

import hmac

from channels import register
from channels.base import ChannelAdapter, InboundMessage, OutboundMessage, SendResult, \
    WebhookRequest
from channels.email_parse import parse_message
from channels.email_send import build_message, deliver


@register
class EmailAdapter(ChannelAdapter):
    name = "email"
    channel = "email"
    contact_kind = "email"
    webhook_paths = ("/channels/email/inbound",)
    setting_names = ("SMTP_URL", "MAIL_FROM", "IMAP_URL", "INBOUND_EMAIL_TOKEN")

    def is_configured(self) -> bool:
        """Sending needs SMTP_URL and MAIL_FROM (receiving has its own settings)."""
        return bool(self.settings.get("SMTP_URL") and self.settings.get("MAIL_FROM"))

    def verify(self, request: WebhookRequest) -> bool:
        """The relay's `Authorization: Bearer` equals INBOUND_EMAIL_TOKEN (constant time)."""
        expected = self.settings.get("INBOUND_EMAIL_TOKEN") or ""
        headers = {k.lower(): v for k, v in request.headers.items()}
        scheme, _, token = headers.get("authorization", "").partition(" ")
        return bool(expected) and scheme.lower() == "bearer" and \
            hmac.compare_digest(token.strip().encode(), expected.encode())

    def parse(self, request: WebhookRequest) -> list[InboundMessage]:
        """The one message in the body; raises BadPayload when it has no sender."""
        return [parse_message(request.body)]

    def send(self, message: OutboundMessage) -> SendResult:
        """Send one mail through SMTP_URL; 4xx and connection trouble are retryable, 5xx not."""
        mail_from = self.settings.get("MAIL_FROM") or ""
        try:
            mail, message_id = build_message(message, mail_from)
        except ValueError as exc:
            return SendResult(ok=False, error=str(exc))
        return deliver(self.settings.get("SMTP_URL") or "", mail, mail_from, message_id)
