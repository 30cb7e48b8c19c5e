"""SLA escalations and the staff alerts they raise."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Model, StrEnum, UTCDateTime, enum_column, utcnow
from crm.models.tickets import Ticket
from crm.models.users import User


class EscalationLevel(StrEnum):
    WARNING = "warning"            # 75 % of the time used: the assignee and the district
    BREACH = "breach"              # due time passed: the district head
    SUPERVISOR = "supervisor"      # still open one more budget later... the care centre


class SlaEscalation(Model):
    """One escalation of one ticket at one level: the unique key makes it happen once."""

    __tablename__ = "sla_escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    level: Mapped[EscalationLevel] = enum_column(EscalationLevel)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("ticket_id", "level", name="uq_sla_escalations_once"),)


class StaffAlert(Model):
    """Something a member of staff must see (an SLA warning, a breach, an assignment).

    `visible_from` holds it back until office hours, except for urgent (outage) alerts.
    """

    __tablename__ = "staff_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    text: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    visible_from: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    ticket: Mapped[Ticket | None] = relationship()

    __table_args__ = (sa.Index("ix_staff_alerts_user", "user_id", "read_at", "visible_from"),)
