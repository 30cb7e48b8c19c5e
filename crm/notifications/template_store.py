"""Saving and resetting notification templates. Services flush, never commit: the caller
owns the transaction."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from crm.core import audit
from crm.extensions import db
from crm.models import NotificationTemplate
from crm.notifications import templates
from crm.notifications.template_defaults import DEFAULTS

AUDIT_ENTITY = "notification_template"


def save_template(event: str, channel: str, *, body: str,
                  subject: str | None = None) -> NotificationTemplate | None:
    """Store the admin's template for (event, channel), audited; flushes.

    Raises TemplateError (nothing saved) when `templates.check` refuses it. Text equal to
    the default is not stored (the row is removed), so later improvements of the default
    still reach it; returns the row in force, None for the default.
    """
    subject = subject if channel == "email" else None
    templates.check(event, channel, body, subject)
    row = templates.stored(event, channel)
    if (subject, body) == DEFAULTS[(event, channel)]:
        reset_template(event, channel)
        return None
    action = "updated" if row else "created"
    row = row or NotificationTemplate(event=event, channel=channel)
    try:
        # In a savepoint: a refused save leaves the caller's transaction usable.
        with db.session.begin_nested():
            changes = audit.diff(row, subject=subject, body=body)
            if not changes:
                return row
            row.updated_by_id = _actor_id()
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        # Two admins created the same template at once: the unique constraint decided.
        raise templates.TemplateError(_("Mẫu này vừa được người khác lưu; vui lòng tải lại "
                                        "trang và thử lại.")) from None
    audit.record(AUDIT_ENTITY, row.id, action, {"key": [None, f"{event}/{channel}"]} | changes)
    return row


def reset_template(event: str, channel: str) -> bool:
    """Back to the default text: delete the admin's row, audited; flushes. False if none."""
    row = templates.stored(event, channel)
    if row is None:
        return False
    audit.record(AUDIT_ENTITY, row.id, "reset", {"key": [f"{event}/{channel}", None]})
    db.session.delete(row)
    db.session.flush()
    return True


def _actor_id() -> int | None:
    return current_user.id if getattr(current_user, "is_authenticated", False) else None
