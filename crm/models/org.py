"""The utility's organisation: company → district power offices → wards."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Model, StrEnum, Timestamped, enum_column


class AreaType(StrEnum):
    URBAN = "urban"        # phường / thị trấn: 3 working days for a new connection
    RURAL = "rural"        # xã, vùng núi: 5 working days


class Company(Timestamped, Model):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)   #: e.g. PC05
    name: Mapped[str] = mapped_column(sa.String(200))
    hotline: Mapped[str | None] = mapped_column(sa.String(32))

    districts: Mapped[list["District"]] = relationship(back_populates="company",
                                                       order_by="District.code")


class District(Timestamped, Model):
    """Điện lực quận/huyện (district power office): owns its tickets until the result."""

    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"))
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)   #: e.g. PC05AA
    name: Mapped[str] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    address: Mapped[str | None] = mapped_column(sa.String(300))

    company: Mapped[Company] = relationship(back_populates="districts")
    wards: Mapped[list["Ward"]] = relationship(back_populates="district", order_by="Ward.name")

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class Ward(Timestamped, Model):
    """A ward or commune (phường/xã) keyed on the utility's own service-area code.

    Administrative names change with mergers (the 2025 reform); the code does not.
    """

    __tablename__ = "wards"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    province: Mapped[str | None] = mapped_column(sa.String(100))
    area_type: Mapped[AreaType] = enum_column(AreaType, default=AreaType.URBAN)
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("districts.id"), index=True)

    district: Mapped[District | None] = relationship(back_populates="wards")

    def __str__(self) -> str:
        return self.name
