"""What the SMS adapters share: the sender's number, header look-up, delivery receipts.

Like every adapter module this imports neither Flask nor `crm`; phone numbers are parsed
with `phonenumbers` directly (region VN, so `0905…` and `84905…` both work).
"""
from __future__ import annotations

from dataclasses import dataclass

import phonenumbers

from channels.base import BadPayload, header  # noqa: F401  (header: shared by the SMS adapters)

#: What a provider's delivery status means for us; anything else changes nothing.
SENT, DELIVERED, FAILED = "sent", "delivered", "failed"


@dataclass(frozen=True)
class DeliveryReceipt:
    """A provider's word on one outbound message: sent, delivered or failed."""

    external_id: str | None               #: the provider's id of the message
    status: str | None                    #: SENT | DELIVERED | FAILED, None for in-between states
    reference: str | None = None          #: our idempotency key ("message-42"), when echoed
    error_code: str | None = None
    error: str | None = None

    def error_text(self) -> str | None:
        """The error as "30003: Unreachable handset", or whichever half is known."""
        text = ": ".join(filter(None, (self.error_code, self.error)))
        return text[:500] or None


def sender_phone(text: str | None) -> str:
    """E.164 (`+84905123456`) for a sender's number; raises BadPayload when it is not one.

    Foreign numbers are kept (customers abroad); short codes and alphanumeric senders
    cannot be answered or matched to a customer, so they are refused.
    """
    if not text or not text.strip():
        raise BadPayload("the sender's number is missing")
    try:
        number = phonenumbers.parse(text.strip(), "VN")
    except phonenumbers.NumberParseException:
        raise BadPayload(f"not a phone number: {text[:40]!r}") from None
    if not phonenumbers.is_valid_number(number):
        raise BadPayload(f"not a valid phone number: {text[:40]!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
