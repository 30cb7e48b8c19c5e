"""Provider webhooks under `/channels/…`: one module (one blueprint) per provider.

What every webhook shares lives here: the request as the provider signed it (the public
URL, not the one the proxy forwarded), the adapters configured from settings, bearer and
shared-secret checks in constant time, and Vietnamese as the locale of anything said back.
Webhooks carry no session and no CSRF token; each one proves its origin itself.
"""
from __future__ import annotations

import hmac
import logging
from functools import wraps
from typing import Callable, NoReturn, TypeVar

from flask import Blueprint, abort, current_app, request
from flask_babel import force_locale

import channels
from channels.base import BadPayload, ChannelAdapter, WebhookRequest
from crm.core import channel_state
from crm.extensions import csrf, db

log = logging.getLogger(__name__)
T = TypeVar("T")


def blueprint(name: str, import_name: str) -> Blueprint:
    """A webhook blueprint under /channels, exempt from CSRF (signatures protect it)."""
    bp = Blueprint(name, import_name, url_prefix="/channels")
    csrf.exempt(bp)
    return bp


def settings() -> dict:
    return current_app.config["CHANNELS"]


def webhook_request() -> WebhookRequest:
    """The request as the provider sent it: PUBLIC_BASE_URL + path + query string."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    query = request.query_string.decode("latin-1")
    url = base + request.path + (f"?{query}" if query else "")
    body = request.get_data(cache=True)     # first: parsing the form would consume the body
    form = request.form.to_dict() if request.mimetype in (
        "application/x-www-form-urlencoded", "multipart/form-data") else {}
    return WebhookRequest(url=url, headers=dict(request.headers), body=body, form=form)


def adapter(cls: type[ChannelAdapter]) -> ChannelAdapter:
    """An adapter built from the settings; 404 when it is not configured (nothing to verify)."""
    instance = cls(settings())
    if not instance.is_configured():
        abort(404)
    return instance


def secret_matches(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; an unset secret matches nothing."""
    if not expected or not given:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def fail(code: int, message: str | None = None) -> NoReturn:
    """Stop with the app's error body (JSON under /channels) and this status."""
    from crm.web import error_page

    response, status = error_page(code, message)
    response.status_code = status
    abort(response)


def verified(channel: ChannelAdapter, parse: Callable[[WebhookRequest], T]) -> T:
    """`parse(request)` of a request the provider signed: 403 when forged (logged, nothing
    stored), 400 with the reason when malformed (shown on the channel page too: the
    provider did send it)."""
    request_ = webhook_request()
    if not channel.verify(request_):
        log.warning("%s: rejected a request that failed verification (%s)", channel.name,
                    request_.url)
        fail(403)
    try:
        return parse(request_)
    except BadPayload as exc:
        channel_state.record_error(channel.name, f"bad request: {exc}")
        db.session.commit()
        fail(400, str(exc))


def in_vietnamese(view):
    """Anything the view says to a customer (TwiML, SMS replies) is in Vietnamese."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        with force_locale("vi"):
            return view(*args, **kwargs)
    return wrapper


__all__ = ["blueprint", "settings", "webhook_request", "adapter", "secret_matches",
           "bearer_token", "fail", "verified", "in_vietnamese", "channels"]
