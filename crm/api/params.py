"""Reading API input (query string, JSON or form body) into typed values, all errors at once."""
from __future__ import annotations

import re
from datetime import date

from flask import request
from flask_babel import gettext as _

from crm.api.errors import ApiError

DIGITS = re.compile(r"[0-9]{1,12}")
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Reader:
    """Collects every field's reason, then `done()` raises one 400 listing them all."""

    def __init__(self):
        self.source = _source()
        self.errors: dict[str, list[str]] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def integer(self, name: str, *, default=None, required=False):
        value = self.source.get(name)
        if value is None or value == "":
            if required:
                self.fail(name, _("Bắt buộc."))
            return default
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and DIGITS.fullmatch(value.strip()):
            return int(value.strip())
        self.fail(name, _("Phải là số nguyên không âm."))
        return default

    def day(self, name: str):
        value = self.source.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str) and ISO_DAY.fullmatch(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass                            # 2025-02-30: the shape is right, the day is not
        self.fail(name, _("Ngày phải theo dạng YYYY-MM-DD."))
        return None

    def done(self) -> None:
        if self.errors:
            raise ApiError(400, _("Tham số không hợp lệ."), self.errors)


def _source() -> dict:
    """The query string for GET; for POST the JSON object, or the form fields."""
    if request.method == "GET":
        return request.args.to_dict()
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ApiError(400, _("Nội dung phải là một đối tượng JSON."))
        return body
    return request.form.to_dict()
