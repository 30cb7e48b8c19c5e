"""Every API answer that is not a success: `{"error": "...", "fields": {name: [reasons]}}`."""
from __future__ import annotations

import json

from flask import current_app

#: A client tells a missing token from a bad one by the `error` of the challenge (RFC 6750).
CHALLENGE = 'Bearer realm="cskh"'


class ApiError(Exception):
    """Raised anywhere in an API view; answered as JSON with `status`."""

    def __init__(self, status: int, message: str, fields: dict[str, list[str]] | None = None,
                 *, challenge: str | None = None):
        super().__init__(message)
        self.status, self.message, self.fields = status, message, fields or {}
        self.challenge = challenge


def json_response(data, status: int = 200):
    """JSON in the order it was built (Flask's own JSON sorts the keys), UTF-8 unescaped."""
    return current_app.response_class(json.dumps(data, ensure_ascii=False) + "\n",
                                      status=status, mimetype="application/json")


def answer(error: ApiError):
    """The JSON answer of an ApiError (with the Bearer challenge on a 401)."""
    body = {"error": error.message}
    if error.fields:
        body["fields"] = error.fields
    response = json_response(body, error.status)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = error.challenge or CHALLENGE
    return response
