"""Reading the tariff tables, estimating a bill from them, and a customer's latest figures."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from crm.billing.estimate import Tariff, Vat, estimate
from crm.core.timefmt import local
from crm.extensions import db
from crm.models import Contract, Customer, Reading, TariffVersion, UsagePurpose, VatRate, utcnow


def today() -> date:
    """Today in Vietnam: the day whose prices an estimate without a period uses."""
    return local(utcnow()).date()


def tariff_versions() -> list[TariffVersion]:
    """Every price table, newest first, with its tiers."""
    return list(db.session.scalars(sa.select(TariffVersion).options(
        selectinload(TariffVersion.tiers)).order_by(TariffVersion.valid_from.desc())))


def vat_rates() -> list[VatRate]:
    """Every VAT rate, newest first."""
    return list(db.session.scalars(sa.select(VatRate).order_by(VatRate.valid_from.desc())))


def tariffs() -> list[Tariff]:
    """The price tables as the plain values the estimate works on."""
    return [Tariff(v.valid_from, v.valid_to, tuple((t.up_to_kwh, t.price) for t in v.tiers))
            for v in tariff_versions()]


def vats() -> list[Vat]:
    """The VAT rates as the plain values the estimate works on."""
    return [Vat(r.valid_from, r.valid_to, r.percent) for r in vat_rates()]


def estimate_bill(kwh: int, *, households: int = 1, period_from: date | None = None,
                  period_to: date | None = None, on: date | None = None) -> dict:
    """`estimate()` with the tables in the database; raises EstimateError for bad input."""
    return estimate(kwh, households=households, period_from=period_from,
                    period_to=period_to, tariffs=tariffs(), vat_rates=vats(),
                    on=on or today())


@dataclass(frozen=True)
class CustomerFigures:
    """What the estimate form is prefilled with for a customer."""

    kwh: int | None
    households: int
    period_from: date | None
    period_to: date | None
    reading_period: str | None          #: YYYY-MM of the reading used


def customer_figures(customer: Customer) -> CustomerFigures:
    """The latest reading (and the period since the one before) and the contract's households."""
    rows = db.session.scalars(
        sa.select(Reading).where(Reading.customer_id == customer.id)
        .order_by(Reading.period.desc()).limit(2)).all()
    latest, previous = (rows + [None, None])[:2]
    period_from = period_to = None
    if latest is not None and previous is not None and latest.read_on and previous.read_on \
            and previous.read_on < latest.read_on:
        period_from, period_to = previous.read_on + timedelta(days=1), latest.read_on
    return CustomerFigures(kwh=latest.kwh if latest else None,
                           households=_households(customer), period_from=period_from,
                           period_to=period_to, reading_period=latest.period if latest else None)


def _households(customer: Customer) -> int:
    """Households of the customer's active residential contract (1 when there is none)."""
    households = db.session.scalar(
        sa.select(Contract.households).where(
            Contract.customer_id == customer.id, Contract.is_active.is_(True),
            Contract.usage_purpose == UsagePurpose.RESIDENTIAL)
        .order_by(Contract.id).limit(1))
    return households or 1
