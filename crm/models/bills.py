"""Monthly bills (hóa đơn tiền điện) loaded from the billing system, and their import runs."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Model, UTCDateTime, enum_column, utcnow
from crm.models.consumption import ImportStatus
from crm.models.customers import Customer
from crm.models.tickets import JSON
from crm.models.users import User


class BillImport(Model):
    """One bills file: its rows become `bills`, then one notice per bill is queued.

    Queueing walks the import's bills in id order, in batches, each committed together with
    `queued_through_id`, so a run that stops (a crash, a deploy) is resumed by queueing
    again from there (`bills queue IMPORT_ID`). A cursor, not a flag per bill: marking a
    million bills would cost as much as writing their notices.
    """

    __tablename__ = "bill_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    status: Mapped[ImportStatus] = enum_column(ImportStatus, default=ImportStatus.QUEUED)
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    progress_bytes: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    bills_total: Mapped[int] = mapped_column(default=0)      #: bills this file wrote
    notices_queued: Mapped[int] = mapped_column(default=0)   #: of those, notices queued
    #: the bills of this import with ids up to this one have their notice
    queued_through_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: the same JSON the command prints
    summary: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id",
                                                                    ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        """Reading the file is the first half of the work, queueing the notices the second."""
        if self.is_finished:
            return 100
        read = self.progress_bytes * 50 // self.size_bytes if self.size_bytes else 0
        queued = self.notices_queued * 50 // self.bills_total if self.bills_total else 0
        return min(99, read + queued)


class Bill(Model):
    """A customer's bill for one period (YYYY-MM): kWh, amount in đồng, due date."""

    __tablename__ = "bills"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(sa.String(7))
    kwh: Mapped[int] = mapped_column(sa.BigInteger)
    amount: Mapped[int] = mapped_column(sa.BigInteger)            #: đồng, VAT included
    due_on: Mapped[date]
    import_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("bill_imports.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("customer_id", "period", name="uq_bills_customer_period"),
        sa.CheckConstraint("amount >= 0 AND kwh >= 0", name="not_negative"),
        # an import's bills in id order (queueing walks them)
        sa.Index("ix_bills_import_id", "import_id", "id"),
    )
