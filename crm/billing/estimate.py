"""Ước tính tiền điện sinh hoạt (the residential bill estimate), as a pure function.

No database and no clock here: the caller passes the tariff versions, the VAT rates and the
day to price on, so the rules below are tested as plain arithmetic (README, "Bill estimate").

- kWh are whole numbers: a meter registers whole kWh and a bill shows whole kWh.
- The period runs from `period_from`, the first day of use (the day after the previous
  reading), to `period_to`, the reading day, both included. Without a period the estimate
  is for one whole month at the prices and VAT in force on `on`.
- Quotas (định mức): each tier's width × the households sharing the meter × the months of
  the period, counted as whole calendar months from `period_from` plus the remaining days
  / 30; every quota is rounded half-up to a whole kWh. So 01/02–28/02 and 16/09–15/10 are
  one month each (full quotas), 20/10–31/10 is 12/30 of a month, and 16/09–31/10, the month
  a reading day moves from the 15th to the month end, is 1 + 16/30 months.
- A period spanning a price change is split by days: the kWh go to each price version in
  proportion to its days (rounded half-up, the last part takes the rest so the parts add
  up), and each part gets the quotas of its share of the period, rounded on their own.
- Money: each tier line is kWh × price (whole đồng, so exact); the subtotal is the sum of
  the lines; VAT is the subtotal × the rate rounded half-up to a đồng; total = subtotal +
  VAT. The VAT rate is the one in force on the reading day: for electricity the tax point
  is the meter-reading date.
"""
from __future__ import annotations

import math
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Sequence

from flask_babel import gettext as _

from crm.core.timefmt import fmt_date

DAYS_PER_MONTH = 30          #: the days of the month that leftover days are counted against
MAX_KWH = 1_000_000          #: a residential meter never registers a GWh: a typing slip
MAX_HOUSEHOLDS = 100
MAX_DAYS = 366


class EstimateError(ValueError):
    """Bad input, with the field it concerns (kwh, households, from, to) for form and API."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Tariff:
    """A price table: (upper bound in kWh or None for the last tier, price đ/kWh) per tier."""

    valid_from: date
    valid_to: date | None
    tiers: tuple[tuple[int | None, int], ...]


@dataclass(frozen=True)
class Vat:
    valid_from: date
    valid_to: date | None
    percent: int


def in_force(items: Sequence, day: date):
    """The item whose effective range contains `day`, or None."""
    return next((item for item in items if item.valid_from <= day
                 and (item.valid_to is None or day <= item.valid_to)), None)


def round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the end of a shorter month (31/01 → 28/02)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def months_in(first: date, last: date) -> Fraction:
    """Whole calendar months from `first`, plus the leftover days / 30 (see the module doc)."""
    whole = 0
    while add_months(first, whole + 1) - timedelta(days=1) <= last:
        whole += 1
    leftover = (last - add_months(first, whole)).days + 1
    return whole + Fraction(leftover, DAYS_PER_MONTH)


def split(first: date, last: date, tariffs: Sequence[Tariff]) -> list[tuple[date, date, Tariff]]:
    """The period cut at every price change: (first day, last day, tariff) per part."""
    parts, day = [], first
    while day <= last:
        tariff = in_force(tariffs, day)
        if tariff is None:
            raise EstimateError("from", _("Chưa có biểu giá áp dụng cho ngày %(day)s.",
                                          day=fmt_date(day)))
        end = min(last, tariff.valid_to or last)
        parts.append((day, end, tariff))
        day = end + timedelta(days=1)
    return parts


def apportion(kwh: int, days: Sequence[int]) -> list[int]:
    """kWh shared by days, rounded half-up; the last part takes the rest."""
    total = sum(days)
    shares = [round_half_up(Fraction(kwh * d, total)) for d in days[:-1]]
    return shares + [kwh - sum(shares)]


def quotas(tariff: Tariff, households: int, months: Fraction) -> list[int | None]:
    """Each tier's kWh allowance for the part (None: the unbounded last tier)."""
    out, lower = [], 0
    for bound, _price in tariff.tiers[:-1]:
        out.append(round_half_up((bound - lower) * households * months))
        lower = bound
    return out + [None]


def fill(kwh: int, tariff: Tariff, allowances: list[int | None]) -> list[dict]:
    """The tier lines: kWh poured into the tiers in order, each line priced exactly."""
    lines, left = [], kwh
    for position, ((_bound, price), quota) in enumerate(zip(tariff.tiers, allowances), 1):
        take = left if quota is None else min(left, quota)
        if take > 0:
            lines.append({"tier": position, "kwh": take, "price": price, "amount": take * price})
        left -= take
    return lines


def check(kwh, households, period_from: date | None, period_to: date | None) -> None:
    """Refuse input no bill could have, naming the field."""
    if isinstance(kwh, bool) or not isinstance(kwh, int) or not 0 <= kwh <= MAX_KWH:
        raise EstimateError("kwh", _("Sản lượng phải là số nguyên kWh từ 0 đến %(max)s.",
                                     max=f"{MAX_KWH:,}".replace(",", ".")))
    if isinstance(households, bool) or not isinstance(households, int) \
            or not 1 <= households <= MAX_HOUSEHOLDS:
        raise EstimateError("households", _("Số hộ phải là số nguyên từ 1 đến %(max)d.",
                                            max=MAX_HOUSEHOLDS))
    if (period_from is None) != (period_to is None):
        field = "to" if period_to is None else "from"
        raise EstimateError(field, _("Cần nhập cả ngày bắt đầu và ngày kết thúc kỳ."))
    if period_from is not None and period_from > period_to:
        raise EstimateError("to", _("Ngày kết thúc kỳ không được trước ngày bắt đầu."))
    if period_from is not None and (period_to - period_from).days + 1 > MAX_DAYS:
        raise EstimateError("to", _("Kỳ tính tiền dài tối đa %(n)d ngày.", n=MAX_DAYS))


def estimate(kwh: int, *, households: int = 1, period_from: date | None = None,
             period_to: date | None = None, tariffs: Sequence[Tariff],
             vat_rates: Sequence[Vat], on: date) -> dict:
    """The bill as DESIGN's JSON (plus `households`, `from`, `to`, `days`, `parts`).

    Raises EstimateError for bad input or a day without a tariff or VAT rate.
    """
    check(kwh, households, period_from, period_to)
    if period_from is None:
        tariff = in_force(tariffs, on)
        if tariff is None:
            raise EstimateError("from", _("Chưa có biểu giá áp dụng cho ngày %(day)s.",
                                          day=fmt_date(on)))
        parts = [_part(None, None, tariff, kwh, quotas(tariff, households, Fraction(1)))]
        vat_day, days = on, None
    else:
        days = (period_to - period_from).days + 1
        months = months_in(period_from, period_to)
        pieces = split(period_from, period_to, tariffs)
        part_days = [(end - start).days + 1 for start, end, _t in pieces]
        parts = [_part(start, end, tariff, share,
                       quotas(tariff, households, months * Fraction(n, days)))
                 for (start, end, tariff), n, share
                 in zip(pieces, part_days, apportion(kwh, part_days))]
        vat_day = period_to
    return _total(kwh, households, period_from, period_to, days, parts,
                  _vat(vat_rates, vat_day))


def _vat(vat_rates: Sequence[Vat], day: date) -> int:
    rate = in_force(vat_rates, day)
    if rate is None:
        raise EstimateError("to", _("Chưa có thuế suất GTGT áp dụng cho ngày %(day)s.",
                                    day=fmt_date(day)))
    return rate.percent


def _part(start: date | None, end: date | None, tariff: Tariff, kwh: int,
          allowances: list[int | None]) -> dict:
    lines = fill(kwh, tariff, allowances)
    return {"from": _iso(start), "to": _iso(end),
            "days": (end - start).days + 1 if start else None,
            "tariff_from": tariff.valid_from.isoformat(), "kwh": kwh, "quotas": allowances,
            "tiers": lines, "subtotal": sum(line["amount"] for line in lines)}


def _total(kwh, households, period_from, period_to, days, parts, percent: int) -> dict:
    lines = [line for part in parts for line in part["tiers"]]
    subtotal = sum(line["amount"] for line in lines)
    vat = round_half_up(Fraction(subtotal * percent, 100))
    return {"kwh": kwh, "tiers": lines, "subtotal": subtotal, "vat_rate": percent, "vat": vat,
            "total": subtotal + vat, "households": households, "from": _iso(period_from),
            "to": _iso(period_to), "days": days, "parts": parts}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
