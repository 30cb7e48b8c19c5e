"""Bearer tokens: made and shown once, stored as SHA-256, revocable, last use recorded.

The token is 256 random bits, so a plain SHA-256 is enough to store it (a slow password
hash protects guessable secrets, not random ones) and lets a request find its row by index.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import wraps

import sqlalchemy as sa
from flask import g, request
from flask_babel import gettext as _

from crm.api.errors import CHALLENGE, ApiError
from crm.extensions import db
from crm.models import ApiToken, District, utcnow

PREFIX = "cskh_"
#: `last_used_at` is written at most this often per token (no write on every request).
TOUCH_EVERY = timedelta(minutes=1)


class TokenError(ValueError):
    pass


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(name: str, district: District | None = None) -> tuple[ApiToken, str]:
    """A new token row and the token itself (shown once, never stored); flushes."""
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise TokenError(_("Tên token phải có từ 1 đến 64 ký tự."))
    if db.session.scalar(sa.select(ApiToken.id).where(ApiToken.name == name)):
        raise TokenError(_("Đã có token tên “%(name)s”.", name=name))
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, token_hash=digest(token), district=district)
    db.session.add(row)
    db.session.flush()
    return row, token


def revoke_token(name: str) -> ApiToken:
    """Revoke a token by name (idempotent: a second revoke keeps the first time); flushes."""
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.name == (name or "").strip()))
    if row is None:
        raise TokenError(_("Không có token tên “%(name)s”.", name=name))
    row.revoked_at = row.revoked_at or utcnow()
    db.session.flush()
    return row


def authenticate() -> ApiToken:
    """The request's live token; ApiError 401 when it is missing, unknown or revoked."""
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiError(401, _("Thiếu token: gửi tiêu đề “Authorization: Bearer <token>”."))
    row = db.session.scalar(sa.select(ApiToken).where(
        ApiToken.token_hash == digest(value.strip())))
    if row is None or row.is_revoked:
        raise ApiError(401, _("Token không hợp lệ hoặc đã bị thu hồi."),
                       challenge=CHALLENGE + ', error="invalid_token"')
    _touch(row)
    return row


def _touch(row: ApiToken) -> None:
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = now
        db.session.commit()


def require_token(view):
    """View decorator: `g.api_token` is the caller's token, or the answer is 401."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.api_token = authenticate()
        return view(*args, **kwargs)
    return wrapper
