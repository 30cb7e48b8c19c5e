"""The consumption check: abnormal-consumption alerts, reading days, and import runs."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Model, StrEnum, Timestamped, UTCDateTime, enum_column, utcnow
from crm.models.customers import Customer
from crm.models.org import Ward
from crm.models.tickets import JSON, Ticket
from crm.models.users import User


class ConsumptionAlert(Model):
    """Sản lượng bất thường: one per customer and period, whatever re-imports happen.

    The unique (customer, period) is what guarantees a single abnormal-consumption ticket:
    an import claims the alert with INSERT … ON CONFLICT DO NOTHING, and only the claimed
    alert gets a ticket (`ticket_id`, filled in a short transaction right after the import).
    """

    __tablename__ = "consumption_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(sa.String(7))                  #: YYYY-MM
    kwh: Mapped[int]
    previous_period: Mapped[str] = mapped_column(sa.String(7))
    previous_kwh: Mapped[int]
    #: NULL when the previous period was 0 kWh (no percentage exists)
    change_percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 1))
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship()
    ticket: Mapped[Ticket | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("customer_id", "period", name="uq_consumption_alerts_customer_period"),
        # the alerts still waiting for their ticket, found without scanning the others
        sa.Index("ix_consumption_alerts_pending", "id",
                 postgresql_where=sa.text("ticket_id IS NULL"),
                 sqlite_where=sa.text("ticket_id IS NULL")),
    )


class ReadingDay(Timestamped, Model):
    """Ngày ghi chỉ số: a reading day set for a ward (its route) or for one customer.

    Without a row the day is month-end. A customer's own row wins over the ward's. A day
    past the end of a short month means that month's last day, so 31 is "month-end".
    """

    __tablename__ = "reading_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE"), unique=True)
    ward_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("wards.id", ondelete="CASCADE"), unique=True)
    day: Mapped[int] = mapped_column(sa.SmallInteger)

    customer: Mapped[Customer | None] = relationship()
    ward: Mapped[Ward | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("(customer_id IS NULL) <> (ward_id IS NULL)", name="one_scope"),
        sa.CheckConstraint("day BETWEEN 1 AND 31", name="day_of_month"),
    )


class ImportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"        # the file could not be read, or the run broke


class ReadingImport(Model):
    """One readings file uploaded on the web page, imported by a job on the `imports` queue."""

    __tablename__ = "reading_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    #: where the upload waits for the job (deleted, and set to NULL, once imported)
    stored_path: Mapped[str | None] = mapped_column(sa.String(500))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    progress_bytes: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    status: Mapped[ImportStatus] = enum_column(ImportStatus, default=ImportStatus.QUEUED)
    #: the same JSON the command prints: rows, imported, flagged, skipped, errors, ...
    summary: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id",
                                                                    ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        return min(99, self.progress_bytes * 100 // self.size_bytes) if self.size_bytes else 0
