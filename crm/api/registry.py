"""The API blueprint and its registry: one declaration routes, guards and documents a view."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from flask import Blueprint, current_app, request

from crm.api.auth import require_token
from crm.api.errors import ApiError, answer
from crm.extensions import csrf, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)                      # token-authenticated: no cookies, so no CSRF to forge
bp.register_error_handler(ApiError, answer)

DEFAULT_LIMIT = "300 per minute"
FLASK_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@dataclass(frozen=True)
class Param:
    """One input: a query or path parameter (GET) or a property of the JSON body (POST)."""

    name: str
    schema: dict
    description: str = ""
    required: bool = False
    where: str = "query"             #: query | path


@dataclass(frozen=True)
class Endpoint:
    path: str                        #: OpenAPI form, relative to /api/v1: /tickets/{code}
    method: str
    name: str
    summary: str
    params: tuple[Param, ...]
    response: dict                   #: JSON schema of the 200 answer
    auth: bool
    errors: tuple[int, ...] = field(default=())


#: Every endpoint, in declaration order; `crm.api.openapi` reads it.
ENDPOINTS: list[Endpoint] = []


def _limit() -> str:
    return current_app.config.get("API_RATE_LIMIT") or DEFAULT_LIMIT


def _client_key() -> str:
    """Per client address: a caller trying token after token is slowed down like any other."""
    return "api:" + (request.remote_addr or "-")


def endpoint(rule: str, *, methods=("GET",), summary: str, params=(), response: dict,
             auth: bool = True, errors=(400,)) -> Callable:
    """Route `view` under /api/v1, behind the rate limit and (unless `auth` is False) a token."""
    def register(view):
        guarded = require_token(view) if auth else view
        guarded = limiter.limit(_limit, key_func=_client_key)(guarded)
        bp.add_url_rule(rule, view.__name__, guarded, methods=list(methods))
        codes = tuple(sorted({*errors, 429, *((401,) if auth else ())}))
        for method in methods:
            ENDPOINTS.append(Endpoint(FLASK_ARG.sub(r"{\1}", rule), method.lower(),
                                      view.__name__, summary, tuple(params), response, auth,
                                      codes))
        return guarded
    return register
