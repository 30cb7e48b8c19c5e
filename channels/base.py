"""The channel adapter interface and the plain values that cross it.

Adapters import neither Flask nor `crm`: bytes and settings in, dataclasses out, so each
one is tested without a web server or a database.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Mapping


class ChannelError(Exception):
    """Base of the errors an adapter raises."""


class NotConfigured(ChannelError):
    """The channel's credentials are missing: shown as "not configured", never a crash."""


class InvalidSignature(ChannelError):
    """The request does not come from the provider (answered 403, nothing stored)."""


class BadPayload(ChannelError):
    """The request is malformed (answered 4xx with the reason, nothing stored)."""


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, whatever its case."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


@dataclass(frozen=True)
class WebhookRequest:
    url: str                              #: PUBLIC_BASE_URL + path (what the provider signed)
    headers: Mapping[str, str]
    body: bytes
    form: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ContactRef:
    kind: str                             #: phone | email | zalo | telegram
    address: str                          #: E.164 phone, e-mail, Zalo user id, Telegram chat id
    display_name: str | None = None


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class InboundMessage:
    channel: str                          #: a crm Channel value: sms, email, zalo, ...
    external_id: str                      #: MessageSid, Message-ID, Zalo msg_id, update_id
    sender: ContactRef
    received_at: datetime                 #: aware UTC
    text: str = ""
    subject: str | None = None
    html: str | None = None               #: raw HTML; sanitised by crm before storage
    thread_hint: str | None = None        #: a ticket code, In-Reply-To, replied-to id
    kind: str = "text"                    #: text | call | voicemail | event
    attachments: tuple[InboundAttachment, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboundMessage:
    to: ContactRef
    text: str
    idempotency_key: str                  #: stable per message: a retry never double-sends
    subject: str | None = None
    in_reply_to: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    ok: bool
    external_id: str | None = None
    retryable: bool = False
    error: str | None = None


class ChannelAdapter(abc.ABC):
    """One provider of one channel (Twilio SMS, Zalo OA, ...)."""

    name: ClassVar[str]                   #: registry key, e.g. "twilio_sms"
    channel: ClassVar[str]                #: the crm Channel it serves, e.g. "sms"
    contact_kind: ClassVar[str]           #: the ContactKind it sends to, e.g. "phone"

    def __init__(self, settings: Mapping[str, Any]):
        self.settings = settings

    @abc.abstractmethod
    def is_configured(self) -> bool:
        """True when the credentials needed to send and verify are present."""

    @abc.abstractmethod
    def verify(self, request: WebhookRequest) -> bool:
        """True when the request was signed by the provider."""

    @abc.abstractmethod
    def parse(self, request: WebhookRequest) -> list[InboundMessage]:
        """The messages in a verified request; raises BadPayload."""

    @abc.abstractmethod
    def send(self, message: OutboundMessage) -> SendResult:
        """Send one message; provider errors come back in the result, never raised."""
