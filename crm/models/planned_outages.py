"""Lịch tạm ngừng cấp điện (planned outages): maintenance work announced to customers ahead."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Model, StrEnum, Timestamped, UTCDateTime, enum_column, utcnow
from crm.models.customers import Customer
from crm.models.org import District, Ward
from crm.models.users import User


class PlannedOutageStatus(StrEnum):
    SCHEDULED = "scheduled"      # đã lên lịch
    CANCELLED = "cancelled"      # đã hủy
    DONE = "done"                # đã thực hiện (its end has passed)


class NoticeKind(StrEnum):
    ADVANCE = "advance"          # the first notice, N days ahead
    CHANGED = "changed"          # the time moved after the customer was told
    CANCELLED = "cancelled"      # cancelled (or no longer their area) after they were told


#: The wards an outage cuts (its area, as the utility's ward codes name it).
planned_outage_wards = sa.Table(
    "planned_outage_wards", Model.metadata,
    sa.Column("outage_id", sa.ForeignKey("planned_outages.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("ward_id", sa.ForeignKey("wards.id"), primary_key=True, index=True),
)


class PlannedOutage(Timestamped, Model):
    """One announced interruption of supply in a district, for some wards and/or feeders.

    `source_ref` makes imports idempotent: the schedule's own reference when the file gives
    one, else a digest of the natural key (district, area, start, end). `revision` counts
    the changes customers must hear of (a moved time, a cancellation); notices are stored per
    revision, so nobody is told the same thing twice.
    """

    __tablename__ = "planned_outages"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("districts.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.String(500))                 #: lý do
    work: Mapped[str | None] = mapped_column(sa.Text)                   #: nội dung công việc
    source_ref: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[PlannedOutageStatus] = enum_column(PlannedOutageStatus,
                                                      default=PlannedOutageStatus.SCHEDULED)
    revision: Mapped[int] = mapped_column(default=0)
    announced_revision: Mapped[int] = mapped_column(default=0)   #: change notices sent up to
    notices_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)   #: first notices
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    district: Mapped[District] = relationship()
    wards: Mapped[list[Ward]] = relationship(secondary=planned_outage_wards,
                                             order_by=Ward.name)
    feeders: Mapped[list["PlannedOutageFeeder"]] = relationship(
        cascade="all, delete-orphan", order_by="PlannedOutageFeeder.code")
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("district_id", "source_ref", name="uq_planned_outages_source"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.Index("ix_planned_outages_time", "starts_at", "ends_at"),
        sa.Index("ix_planned_outages_district_time", "district_id", "starts_at"),
    )

    @property
    def feeder_codes(self) -> list[str]:
        return [f.code for f in self.feeders]


class PlannedOutageFeeder(Model):
    """A feeder (xuất tuyến) or transformer station (trạm biến áp) an outage cuts."""

    __tablename__ = "planned_outage_feeders"

    outage_id: Mapped[int] = mapped_column(
        sa.ForeignKey("planned_outages.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), primary_key=True, index=True)


class PlannedOutageNotice(Model):
    """One customer told about one revision of one outage: the row is the claim to send.

    The unique key is what makes notices exactly-once, also across concurrent runs:
    the run whose insert wins sends; `message_id` stays NULL when the customer has no
    reachable channel (the attempt is audited and not repeated).
    """

    __tablename__ = "planned_outage_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    outage_id: Mapped[int] = mapped_column(
        sa.ForeignKey("planned_outages.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int]
    kind: Mapped[NoticeKind] = enum_column(NoticeKind)
    message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("messages.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("outage_id", "customer_id", "revision",
                            name="uq_planned_outage_notices_once"),
    )
