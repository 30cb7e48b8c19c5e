"""The one way to write the audit trail."""
from __future__ import annotations

from typing import Any

from flask_login import current_user

from crm.extensions import db
from crm.models import AuditEvent


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def diff(obj, **changes) -> dict[str, list]:
    """Set attributes on `obj` and return {field: [old, new]} for those that really changed."""
    out = {}
    for name, new in changes.items():
        old = getattr(obj, name)
        if old != new:
            setattr(obj, name, new)
            out[name] = [_jsonable(old), _jsonable(new)]
    return out


def record(entity: str, entity_id: int, action: str, changes: dict | None = None, *,
           ticket_id: int | None = None, actor=None, actor_label: str | None = None) -> AuditEvent:
    """Add one audit event to the session (flushed with the change it describes)."""
    if actor is None and actor_label is None and current_user \
            and getattr(current_user, "is_authenticated", False):
        actor = current_user._get_current_object()
    event = AuditEvent(entity=entity, entity_id=entity_id, action=action,
                       changes=changes or {}, ticket_id=ticket_id,
                       actor_id=actor.id if actor else None,
                       actor_label=actor_label or (None if actor else "system"))
    db.session.add(event)
    return event
