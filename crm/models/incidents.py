"""Outage incidents (sự cố) and service suspensions (tạm dừng dịch vụ)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Model, StrEnum, Timestamped, UTCDateTime, enum_column
from crm.models.org import District, Ward
from crm.models.tickets import JSON
from crm.models.users import User


class IncidentStatus(StrEnum):
    OPEN = "open"
    RESTORED = "restored"


class Incident(Timestamped, Model):
    """Many outage reports from one area within a window: one incident, restored once."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("districts.id"))
    ward_id: Mapped[int | None] = mapped_column(sa.ForeignKey("wards.id"))
    feeder: Mapped[str | None] = mapped_column(sa.String(64))      #: xuất tuyến, if known
    status: Mapped[IncidentStatus] = enum_column(IncidentStatus, default=IncidentStatus.OPEN)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_report_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expected_restore_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    restored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cause: Mapped[str | None] = mapped_column(sa.Text)
    report_count: Mapped[int] = mapped_column(default=0)

    district: Mapped[District | None] = relationship()
    ward: Mapped[Ward | None] = relationship()

    __table_args__ = (
        sa.Index("ix_incidents_open_area", "status", "ward_id", "feeder", "last_report_at"),
    )


class Suspension(Timestamped, Model):
    """An admin stops taking some ticket types for a period, with a notice to customers."""

    __tablename__ = "suspensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    types: Mapped[list] = mapped_column(JSON)                       #: workflow names
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)   #: NULL: until lifted
    notice: Mapped[str] = mapped_column(sa.Text)                    #: what customers are told
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime) #: deferred tickets resumed
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    created_by: Mapped[User | None] = relationship()
