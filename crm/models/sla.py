"""SLA policies and the working-day calendar that admins edit."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Model, StrEnum, Timestamped, UTCDateTime, enum_column, utcnow
from crm.models.org import AreaType
from crm.models.tickets import SlaClock
from crm.models.users import User


class SlaPolicy(Timestamped, Model):
    """How long a kind of ticket may take. The matching policy with the lowest priority wins.

    A blank subtype or area type matches any; a blank type is not allowed (no catch-all by
    accident). Effective dates choose the policy in force on the day the ticket arrived.
    """

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[str] = mapped_column(sa.String(32))
    subtype: Mapped[str | None] = mapped_column(sa.String(32))
    area_type: Mapped[AreaType | None] = enum_column(AreaType, nullable=True)
    priority: Mapped[int] = mapped_column(default=100)
    clock: Mapped[SlaClock] = enum_column(SlaClock, default=SlaClock.BUSINESS)
    duration_minutes: Mapped[int]
    warn_percent: Mapped[int] = mapped_column(default=75)
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]          #: last day in force; NULL: open-ended
    is_active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (
        sa.CheckConstraint("duration_minutes > 0", name="duration_positive"),
        sa.CheckConstraint("warn_percent > 0 AND warn_percent < 100", name="warn_percent_range"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_range"),
        sa.Index("ix_sla_policies_type", "type", "priority"),
    )


class CalendarDayKind(StrEnum):
    DAY_OFF = "day_off"            # ngày nghỉ thêm (admin-added day off)
    WORKING_DAY = "working_day"    # ngày làm bù (make-up working day)


class CalendarOverride(Timestamped, Model):
    """An admin's change to the national calendar: an extra day off or a make-up working day."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[CalendarDayKind] = enum_column(CalendarDayKind)
    name: Mapped[str | None] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    created_by: Mapped[User | None] = relationship()


class CalendarYear(Model):
    """A year whose holiday dates an admin has checked against the government's decision."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
