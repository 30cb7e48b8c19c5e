"""`POST /channels/email/inbound`: a mail relay posts one raw RFC 822 message.

The relay proves itself with `Authorization: Bearer $INBOUND_EMAIL_TOKEN`: 401 without
it, 403 when wrong, 404 while no token is configured (the endpoint does not exist then).
The mail is stored exactly once (the same Message-ID posted again is a no-op) and the
answer is 202 with the ticket code it landed on.
"""
from __future__ import annotations

from flask import abort, current_app, jsonify, request
from flask_babel import gettext as _

from channels.base import BadPayload
from crm.core import channel_state
from crm.extensions import db
from crm.inbox import mail
from crm.webhooks import bearer_token, blueprint, in_vietnamese, secret_matches, settings

bp = blueprint("email_webhook", __name__)


def _refuse(status: int, message: str):
    response = jsonify(error=message)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="email"'
    return response


@bp.post("/email/inbound")
@in_vietnamese
def inbound():
    """Store the posted mail; 202 {"ticket": code, "duplicate": bool, "automatic": kind}."""
    expected = settings().get("INBOUND_EMAIL_TOKEN")
    if not expected:
        abort(404)
    given = bearer_token()
    if not given:
        return _refuse(401, _("Thiếu mã xác thực (Authorization: Bearer)."))
    if not secret_matches(given, expected):
        return _refuse(403, _("Mã xác thực không đúng."))
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None and request.content_length > limit:
        return _refuse(413, _("Thư quá lớn: tối đa %(mb)s MB.", mb=limit // (1024 * 1024)))
    try:
        ctx = mail.receive(request.get_data())
    except BadPayload as exc:
        channel_state.record_error("email", f"inbound: {exc}")
        db.session.commit()
        return _refuse(400, _("Không đọc được thư: %(reason)s", reason=str(exc)))
    db.session.commit()
    ticket = ctx.ticket or (ctx.message.ticket if ctx.message else None)
    return jsonify(ticket=ticket.code if ticket else None, duplicate=ctx.duplicate,
                   message=ctx.message.id if ctx.message else None,
                   automatic=ctx.inbound.meta.get("automatic"), notes=ctx.notes), 202
