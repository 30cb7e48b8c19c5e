"""Citizen ID numbers (số căn cước công dân, CCCD): checked, masked and digested.

A CCCD has 12 digits (Circular 59/2021/TT-BCA, before it 07/2016/TT-BCA): a 3-digit code
of the province where the birth was registered (001–096), a digit for century and sex, two
for the year of birth, then six random digits. The 9-digit CMND stopped being valid on
31/12/2024, so only the 12-digit form is accepted.

The number is personal data: pages show `mask()` unless `crm.core.permissions` allows the
full number, the audit trail keeps only the mask, and company-wide comparisons use
`digest()`, an HMAC keyed from SECRET_KEY (after changing SECRET_KEY, run
`flask --app wsgi households rehash`).
"""
from __future__ import annotations

import hashlib
import hmac
import re

from flask import current_app

_GROUPING = re.compile(r"[\s.\-]")          # "001 099 012 345" and "001.099.012.345" as typed
_FORM = re.compile(r"[0-9]{12}")          # ASCII only: other scripts' digits compare unequal
PROVINCE_CODES = range(1, 97)               #: 001 Hà Nội … 096 Cà Mau (not every code is used)
#: Separates this key from every other use of SECRET_KEY (sessions, CSRF).
KEY_LABEL = b"cskh/households/citizen-id/v1"


class InvalidCitizenId(ValueError):
    """Not 12 digits, or no province code in 001–096."""


def normalise(text: str | None) -> str:
    """The 12 digits of a typed citizen ID; InvalidCitizenId otherwise."""
    digits = _GROUPING.sub("", text or "")
    if not _FORM.fullmatch(digits):
        raise InvalidCitizenId("format")
    if int(digits[:3]) not in PROVINCE_CODES:
        raise InvalidCitizenId("province")
    return digits


def mask(citizen_id: str | None) -> str:
    """`****2345`: the last four digits, enough to tell two people apart on the phone."""
    return f"****{citizen_id[-4:]}" if citizen_id else ""


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, KEY_LABEL, hashlib.sha256).digest()


def digest(citizen_id: str) -> str:
    """The keyed digest every comparison uses (64 hex characters)."""
    return hmac.new(_key(), citizen_id.encode(), hashlib.sha256).hexdigest()
