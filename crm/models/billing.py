"""Biểu giá điện sinh hoạt (the residential tariff) and the VAT rate, both with effective dates.

Prices change by ministerial decision on a given day, and the VAT on electricity has moved
between 8 % and 10 % with each tax-relief decree, so both are data an admin edits, never
constants in code. A bill period that spans a change is split by days (`crm.billing`).
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Model, Timestamped


class TariffVersion(Timestamped, Model):
    """One residential price table, in force from `valid_from` to `valid_to` (inclusive)."""

    __tablename__ = "tariff_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    valid_from: Mapped[date] = mapped_column(unique=True)
    valid_to: Mapped[date | None]          #: last day in force; NULL: until further notice
    note: Mapped[str | None] = mapped_column(sa.String(200))   #: e.g. the decision's number

    tiers: Mapped[list["TariffTier"]] = relationship(
        back_populates="version", order_by="TariffTier.position",
        cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_range"),
    )


class TariffTier(Model):
    """Bậc thang (a tier): the kWh above the previous tier's bound, up to `up_to_kwh`."""

    __tablename__ = "tariff_tiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tariff_versions.id", ondelete="CASCADE"))
    position: Mapped[int]                  #: 1 … 6
    up_to_kwh: Mapped[int | None]          #: NULL: no upper bound (the last tier, 401+ kWh)
    price: Mapped[int]                     #: đồng per kWh, before VAT

    version: Mapped[TariffVersion] = relationship(back_populates="tiers")

    __table_args__ = (
        sa.UniqueConstraint("version_id", "position", name="uq_tariff_tiers_version_position"),
        sa.CheckConstraint("price > 0", name="price_positive"),
        sa.CheckConstraint("up_to_kwh IS NULL OR up_to_kwh > 0", name="bound_positive"),
    )


class VatRate(Timestamped, Model):
    """Thuế GTGT (VAT) on electricity, in whole percent, from `valid_from` to `valid_to`."""

    __tablename__ = "vat_rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    valid_from: Mapped[date] = mapped_column(unique=True)
    valid_to: Mapped[date | None]
    percent: Mapped[int]
    note: Mapped[str | None] = mapped_column(sa.String(200))

    __table_args__ = (
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_range"),
        sa.CheckConstraint("percent >= 0 AND percent < 100", name="percent_range"),
    )
