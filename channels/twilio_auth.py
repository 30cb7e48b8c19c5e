"""Twilio's webhook signature, checked the one way for SMS and Voice.

`X-Twilio-Signature` is an HMAC-SHA1 of the URL Twilio called (our public URL, query string
included) and the posted fields, keyed with the auth token; the `twilio` package's own
`RequestValidator` computes it.
"""
from __future__ import annotations

from typing import Any, Mapping

from twilio.request_validator import RequestValidator

from channels.base import WebhookRequest
from channels.sms_common import header


def signed_by_twilio(settings: Mapping[str, Any], request: WebhookRequest) -> bool:
    signature = header(request.headers, "X-Twilio-Signature")
    token = settings.get("TWILIO_AUTH_TOKEN")
    if not signature or not token:
        return False
    return RequestValidator(token).validate(request.url, dict(request.form), signature)
