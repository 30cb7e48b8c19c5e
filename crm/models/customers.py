"""Customers (khách hàng), their contact points, contracts and meters."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Model, StrEnum, Timestamped, UTCDateTime, enum_column
from crm.models.org import Ward


class ContactKind(StrEnum):
    PHONE = "phone"          # E.164, e.g. +84905123456
    EMAIL = "email"          # lower-cased
    ZALO = "zalo"            # Zalo user id (per OA)
    TELEGRAM = "telegram"    # Telegram chat id


class UsagePurpose(StrEnum):
    RESIDENTIAL = "residential"      # sinh hoạt
    BUSINESS = "business"            # kinh doanh
    PRODUCTION = "production"        # sản xuất
    ADMINISTRATIVE = "administrative"  # hành chính sự nghiệp


class Customer(Timestamped, Model):
    """A customer, or a provisional contact (no code yet) that an agent can link later."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(sa.String(20), unique=True)   #: mã KH, PC05AA0000001
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    ward_id: Mapped[int | None] = mapped_column(sa.ForeignKey("wards.id"), index=True)
    is_provisional: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(sa.Text)

    ward: Mapped[Ward | None] = relationship()
    contact_points: Mapped[list["ContactPoint"]] = relationship(
        back_populates="customer", order_by="ContactPoint.id")
    contracts: Mapped[list["Contract"]] = relationship(back_populates="customer",
                                                       order_by="Contract.id")

    def contact(self, kind: ContactKind) -> str | None:
        return next((c.value for c in self.contact_points if c.kind == kind), None)

    @property
    def phone(self) -> str | None:
        return self.contact(ContactKind.PHONE)

    def __str__(self) -> str:
        return self.name


class ContactPoint(Timestamped, Model):
    """One way to reach a customer; (kind, value) identifies the sender of a message."""

    __tablename__ = "contact_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"),
                                             index=True)
    kind: Mapped[ContactKind] = enum_column(ContactKind)
    value: Mapped[str] = mapped_column(sa.String(254))
    display_name: Mapped[str | None] = mapped_column(sa.String(200))

    customer: Mapped[Customer] = relationship(back_populates="contact_points")

    __table_args__ = (sa.UniqueConstraint("kind", "value", name="uq_contact_points_kind_value"),)


class Contract(Timestamped, Model):
    """Hợp đồng mua bán điện (electricity sales contract)."""

    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"),
                                             index=True)
    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    usage_purpose: Mapped[UsagePurpose] = enum_column(UsagePurpose,
                                                      default=UsagePurpose.RESIDENTIAL)
    households: Mapped[int] = mapped_column(default=1)   #: số hộ dùng chung công tơ
    signed_on: Mapped[date | None]
    is_active: Mapped[bool] = mapped_column(default=True)

    customer: Mapped[Customer] = relationship(back_populates="contracts")
    meters: Mapped[list["Meter"]] = relationship(back_populates="contract", order_by="Meter.id")

    __table_args__ = (sa.CheckConstraint("households >= 1", name="households_positive"),)


class Meter(Timestamped, Model):
    """Công tơ (electricity meter)."""

    __tablename__ = "meters"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id", ondelete="CASCADE"),
                                             index=True)
    serial: Mapped[str] = mapped_column(sa.String(32), unique=True)
    model: Mapped[str | None] = mapped_column(sa.String(64))
    phases: Mapped[int] = mapped_column(default=1)
    installed_on: Mapped[date | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    #: where it is supplied from, when known: planned outages name feeders and stations
    feeder: Mapped[str | None] = mapped_column(sa.String(64), index=True)    #: xuất tuyến
    station: Mapped[str | None] = mapped_column(sa.String(64), index=True)   #: trạm biến áp

    contract: Mapped[Contract] = relationship(back_populates="meters")


class Reading(Model):
    """A monthly meter reading (chỉ số công tơ): kWh consumed in a billing period."""

    __tablename__ = "readings"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(sa.String(7))   #: YYYY-MM
    kwh: Mapped[int]
    read_on: Mapped[date | None]
    #: the consumption check (crm.consumption.rules): a change of ≥ the threshold against
    #: the latest earlier period on record; NULL change when there is none or it was 0 kWh
    is_flagged: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    change_percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 1))
    #: when the check last changed this row; NULL for readings loaded some other way
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("customer_id", "period", name="uq_readings_customer_period"),
        sa.CheckConstraint("kwh >= 0", name="kwh_not_negative"),
    )
