"""Who serves a ward, over time, and how work is shared out inside a team."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Model, StrEnum, Timestamped, enum_column
from crm.models.org import District, Ward


class WardAssignment(Timestamped, Model):
    """From `valid_from` (until `valid_to`, inclusive) this district office serves the ward.

    Keyed on the utility's service-area code (the ward row), not on administrative names:
    the power offices' areas move on their own schedule.
    """

    __tablename__ = "ward_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(sa.ForeignKey("wards.id", ondelete="CASCADE"))
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("districts.id"))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]

    ward: Mapped[Ward] = relationship()
    district: Mapped[District] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("ward_id", "valid_from", name="uq_ward_assignments_ward_from"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_range"),
    )


class AssignmentMode(StrEnum):
    MANUAL = "manual"              # supervisors assign by hand
    ROUND_ROBIN = "round_robin"    # next available person in turn
    LOAD = "load"                  # the available person with the fewest open tickets


class AssignmentRule(Timestamped, Model):
    """How new work is shared in one pool: a district office, or the care centre (no district)."""

    __tablename__ = "assignment_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("districts.id"), unique=True)
    mode: Mapped[AssignmentMode] = enum_column(AssignmentMode, default=AssignmentMode.LOAD)

    district: Mapped[District | None] = relationship()
