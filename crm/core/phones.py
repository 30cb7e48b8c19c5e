"""Vietnamese phone numbers: any written form in, E.164 out."""
from __future__ import annotations

import re

import phonenumbers

# The 2018 conversion of 11-digit mobile numbers to 10 digits (old prefix → new prefix).
LEGACY_MOBILE_PREFIXES = {
    "162": "32", "163": "33", "164": "34", "165": "35", "166": "36", "167": "37", "168": "38",
    "169": "39",                                                       # Viettel
    "120": "70", "121": "79", "122": "77", "126": "76", "128": "78",   # MobiFone
    "123": "83", "124": "84", "125": "85", "127": "81", "129": "82",   # VinaPhone
    "186": "56", "188": "58",                                          # Vietnamobile
    "199": "59",                                                       # Gmobile
}
_LEGACY = re.compile(r"^(?:\+?84|0084|0)(1\d\d)(\d{7})$")
_SEPARATORS = re.compile(r"[\s.\-()]")


class InvalidPhone(ValueError):
    """The text is not a usable Vietnamese (or international) phone number."""


def _upgrade_legacy(digits: str) -> str:
    match = _LEGACY.match(digits)
    if match and match.group(1) in LEGACY_MOBILE_PREFIXES:
        return "+84" + LEGACY_MOBILE_PREFIXES[match.group(1)] + match.group(2)
    return digits


def normalise_phone(text: str) -> str:
    """E.164 (`+84905123456`) for any Vietnamese form: 0905…, 84905…, +84 905…, 0163…; raises InvalidPhone."""
    compact = _SEPARATORS.sub("", text or "")
    if compact.startswith("0084"):
        compact = "+" + compact[2:]
    elif compact.startswith("84") and len(compact) >= 11:
        compact = "+" + compact
    compact = _upgrade_legacy(compact)
    try:
        number = phonenumbers.parse(compact, "VN")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(text) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_normalise_phone(text: str) -> str | None:
    try:
        return normalise_phone(text)
    except InvalidPhone:
        return None


def national(e164: str | None) -> str:
    """The form Vietnamese staff read aloud: `0905 123 456`."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "VN")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
