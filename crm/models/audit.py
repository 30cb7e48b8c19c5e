"""Nhật ký thay đổi (audit trail): who changed what, and when."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Model, UTCDateTime, utcnow
from crm.models.tickets import JSON
from crm.models.users import User


class AuditEvent(Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor_label: Mapped[str | None] = mapped_column(sa.String(64))   #: "system", "zalo", ...
    entity: Mapped[str] = mapped_column(sa.String(32))                #: "ticket", "customer", ...
    entity_id: Mapped[int]
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(sa.String(48))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)         #: {field: [old, new]}

    actor: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.Index("ix_audit_events_ticket", "ticket_id", "id"),
        sa.Index("ix_audit_events_entity", "entity", "entity_id", "id"),
    )
