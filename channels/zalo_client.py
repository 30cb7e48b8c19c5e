"""A small HTTP client for Zalo: OAuth v4 token refresh, OA messages v3, ZNS, webhook MAC.

Our own client on `requests` rather than a PyPI package (README, "Zalo OA"): none of them
verifies webhooks, the only one that speaks v3/v4 is a small single-vendor project, and
what we need fits in this file. Zalo answers HTTP 200 for most failures and says why in
the body's `error` (0 is success), so every call returns a `ZaloReply` and never raises
for a refusal; only an unreachable host (network error, HTTP 5xx) raises `ZaloUnreachable`.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

import requests

from channels import http_pool
from channels.base import ChannelError

API_BASE = "https://openapi.zalo.me"
OAUTH_BASE = "https://oauth.zaloapp.com"
ZNS_BASE = "https://business.openapi.zalo.me"
TIMEOUT = 15

#: Zalo's error codes, by what the caller should do about them (research notes §2.5–2.6).
TOKEN_ERRORS = frozenset({-216, -220, -124})      # invalid / expired access token: refresh
WINDOW_ERRORS = frozenset({-230, -232})           # the 7-day customer-service window is over
NOT_FOLLOWER_ERRORS = frozenset({-213})           # the user does not follow the OA
RETRY_ERRORS = frozenset({-32, -234})             # rate limit; no sending 22:00–06:00


class ZaloUnreachable(ChannelError):
    """No answer from Zalo (network error, HTTP 5xx): safe to try again later."""


class RefreshRefused(ChannelError):
    """Zalo refused the refresh token (spent, expired or revoked): an admin must re-grant."""


@dataclass(frozen=True)
class ZaloReply:
    error: int
    message: str = ""
    data: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error == 0


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int                       #: seconds (Zalo sends a string)


def signature(app_id: str, raw: bytes, timestamp: str, oa_secret: str) -> str:
    """Zalo's webhook MAC: plain SHA-256 of app id + raw body + timestamp + OA secret key."""
    return hashlib.sha256(app_id.encode() + raw + timestamp.encode()
                          + oa_secret.encode()).hexdigest()


def signature_ok(raw: bytes, header_value: str | None, app_id: str, oa_secret: str) -> bool:
    """True when `X-ZEvent-Signature` ("mac=<hex>") matches; False if the body has no timestamp."""
    if not header_value or not app_id or not oa_secret:
        return False
    given = header_value.strip()
    if given.lower().startswith("mac="):
        given = given[4:]
    try:
        timestamp = json.loads(raw)["timestamp"]
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        return False
    if not isinstance(timestamp, (str, int)) or isinstance(timestamp, bool):
        return False
    expected = signature(app_id, raw, str(timestamp), oa_secret)
    return hmac.compare_digest(expected, given.strip().lower())


class ZaloClient:
    """Stateless calls; the access token is passed in by the caller, which owns refreshing."""

    def __init__(self, api_base: str | None = None, oauth_base: str | None = None,
                 zns_base: str | None = None):
        self.api_base = (api_base or API_BASE).rstrip("/")
        self.oauth_base = (oauth_base or OAUTH_BASE).rstrip("/")
        self.zns_base = (zns_base or ZNS_BASE).rstrip("/")

    def send_cs(self, access_token: str, user_id: str, message: dict) -> ZaloReply:
        """POST /v3.0/oa/message/cs: a customer-service ("tin tư vấn") message to one user."""
        return self._post_json(f"{self.api_base}/v3.0/oa/message/cs", access_token,
                               {"recipient": {"user_id": user_id}, "message": message})

    def send_zns(self, access_token: str, body: dict) -> ZaloReply:
        """POST /message/template: a pre-approved ZNS template to a phone number."""
        return self._post_json(f"{self.zns_base}/message/template", access_token, body)

    def refresh(self, app_id: str, app_secret: str, refresh_token: str) -> TokenPair:
        """Spend the single-use refresh token for a new pair; raises RefreshRefused/Unreachable."""
        try:
            response = http_pool.post(
                f"{self.oauth_base}/v4/oa/access_token", timeout=TIMEOUT,
                headers={"secret_key": app_secret},
                data={"refresh_token": refresh_token, "app_id": app_id,
                      "grant_type": "refresh_token"})
        except requests.RequestException as exc:
            raise ZaloUnreachable(f"Zalo OAuth unreachable: {exc}") from None
        data = _json_body(response)
        try:
            return TokenPair(str(data["access_token"]), str(data["refresh_token"]),
                             int(data.get("expires_in") or 0))
        except (KeyError, TypeError, ValueError):
            reason = data.get("error_description") or data.get("error_name") or data
            raise RefreshRefused(f"Zalo {data.get('error', '?')}: {reason}"[:300]) from None

    def _post_json(self, url: str, access_token: str, body: dict) -> ZaloReply:
        try:
            response = http_pool.post_json(url, body, timeout=TIMEOUT,
                                           headers={"access_token": access_token})
        except requests.RequestException as exc:
            raise ZaloUnreachable(f"Zalo unreachable: {exc}") from None
        data = _json_body(response)
        try:
            error = int(data.get("error", -1))
        except (TypeError, ValueError):
            error = -1
        payload = data.get("data")
        return ZaloReply(error, str(data.get("message") or ""),
                         payload if isinstance(payload, dict) else {})


def _json_body(response: requests.Response) -> dict[str, Any]:
    """The JSON object Zalo answered; 5xx is ZaloUnreachable, anything else not JSON is {}."""
    if response.status_code >= 500 or response.status_code == 429:
        raise ZaloUnreachable(f"Zalo HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return {"error": -1, "message": f"HTTP {response.status_code}: {response.text[:200]}"}
    return data
