"""Tra cứu yêu cầu (public status page): what a notice's link opens, for anyone with the code.

It shows exactly what the SMS keyword "TT <mã>" answers (`crm.bot.answers.ticket_status`):
type, status, step, district, due date. No name, address or phone, so no login is asked;
requests are rate-limited per address so codes cannot be walked through in bulk.
"""
from __future__ import annotations

from flask import Blueprint, make_response, render_template

from crm.bot.answers import ticket_status
from crm.extensions import limiter
from crm.inbox.ingest import TICKET_CODE

bp = Blueprint("public_status", __name__)

RATE_LIMIT = "20 per minute"


@bp.get("/status/<code>")
@limiter.limit(RATE_LIMIT)
def show(code: str):
    """The public status of ticket `code` (404 when there is none); reads only."""
    status = ticket_status(code) if TICKET_CODE.fullmatch(code.strip()) else None
    page = render_template("notifications/status.html", code=code.strip().upper()[:20],
                           status=status)
    response = make_response(page, 200 if status else 404)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
