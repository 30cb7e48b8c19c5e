"""Writing canned replies (câu trả lời mẫu). Services flush, never commit: the caller owns the
transaction and rolls back when one raises."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from crm.core import audit
from crm.extensions import db
from crm.inbox import canned
from crm.models import CannedReply

AUDIT_ENTITY = "canned_reply"


class CannedReplyError(ValueError):
    """A reply that cannot be saved as given; `field` names the culprit, the message says why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def check_body(body: str) -> None:
    """Raise CannedReplyError unless the braces pair up and every placeholder exists."""
    try:
        canned.check(body)
    except canned.UnknownPlaceholder as exc:
        names = str(exc)
        if not names.startswith("{"):       # braces that do not pair up
            raise CannedReplyError("body", _("Dấu ngoặc nhọn { } không khớp nhau.")) from None
        raise CannedReplyError("body", _("Biến không tồn tại: %(names)s", names=names)) from None


def check_shortcut(shortcut: str, reply_id: int | None = None) -> None:
    """Raise CannedReplyError if a reply other than `reply_id` already uses `shortcut`."""
    query = sa.select(CannedReply.id).where(CannedReply.shortcut == shortcut)
    if reply_id is not None:
        query = query.where(CannedReply.id != reply_id)
    if db.session.scalar(query) is not None:
        raise _duplicate(shortcut)


def save_canned_reply(reply: CannedReply | None, *, shortcut: str, title: str,
                      body: str) -> CannedReply:
    """Create (`reply` None) or update a reply, audited; flushes; raises CannedReplyError."""
    check_body(body)
    check_shortcut(shortcut, reply.id if reply else None)
    action = "updated" if reply else "created"
    reply = reply or CannedReply(is_active=True)
    try:
        # Flushed in a savepoint: a refused save leaves the caller's transaction usable.
        with db.session.begin_nested():
            changes = audit.diff(reply, shortcut=shortcut, title=title, body=body)
            if not changes:
                return reply
            db.session.add(reply)
            db.session.flush()
    except IntegrityError:
        # Two editors took the same shortcut at once: the unique constraint decided.
        raise _duplicate(shortcut) from None
    audit.record(AUDIT_ENTITY, reply.id, action, changes)
    return reply


def toggle_canned_reply(reply: CannedReply) -> CannedReply:
    """Switch a reply on or off (agents only see active ones), audited; flushes."""
    changes = audit.diff(reply, is_active=not reply.is_active)
    db.session.flush()
    audit.record(AUDIT_ENTITY, reply.id, "updated", changes)
    return reply


def _duplicate(shortcut: str) -> CannedReplyError:
    return CannedReplyError("shortcut", _("Phím tắt “%(shortcut)s” đã được dùng.",
                                          shortcut=shortcut))
