"""Mẫu thông báo (notification templates) that an admin changed from the defaults in code."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Model, UTCDateTime, utcnow
from crm.models.users import User


class NotificationTemplate(Model):
    """One (event, channel) template overriding the default; deleting it restores the default.

    Only edits are stored, so a default improved in code reaches every template an admin
    never touched.
    """

    __tablename__ = "notification_templates"
    __table_args__ = (sa.UniqueConstraint("event", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(sa.String(32))
    channel: Mapped[str] = mapped_column(sa.String(16))
    subject: Mapped[str | None] = mapped_column(sa.String(200))     #: e-mail only
    body: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))

    updated_by: Mapped[User | None] = relationship()
