"""Lịch ghi chỉ số (meter-reading schedule): on which day each customer's meter is read.

The rule: the customer's own day if one is set, else their ward's (the ward is the reading
route), else month-end, the corporation's standard since 2024. A day past the end of a
short month is read on that month's last day (31 is "month-end", 30 in February is the
28th/29th). The reading day itself still counts as "next": on the 30/11 the next reading is
today. Bots, the IVR and agents all answer from `next_reading_date` / `answer`.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from crm.core.timefmt import fmt_date
from crm.extensions import db
from crm.models import Customer, ReadingDay, Ward

MONTH_END = 31


@dataclass(frozen=True)
class ReadingRule:
    day: int                 #: 1–31; 31 reads on the last day of every month
    source: str              #: "customer", "ward" or "default"

    @property
    def is_month_end(self) -> bool:
        return self.day == MONTH_END


def rule_for(customer: Customer) -> ReadingRule:
    """The reading day that applies to `customer`, and where it comes from."""
    scopes = [ReadingDay.customer_id == customer.id]
    if customer.ward_id is not None:
        scopes.append(ReadingDay.ward_id == customer.ward_id)
    found = {("customer" if row.customer_id else "ward"): row.day
             for row in db.session.scalars(sa.select(ReadingDay).where(sa.or_(*scopes)))}
    for source in ("customer", "ward"):
        if source in found:
            return ReadingRule(found[source], source)
    return ReadingRule(MONTH_END, "default")


def reading_date_in(year: int, month: int, day: int) -> date:
    """The reading date of a month for a reading day (clamped to the month's last day)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def next_reading_date(customer: Customer, today: date) -> date:
    """The customer's next meter-reading date, today included."""
    return next_date(rule_for(customer).day, today)


def next_date(day: int, today: date) -> date:
    """The next date, today included, that is reading day `day` of its month."""
    this_month = reading_date_in(today.year, today.month, day)
    if this_month >= today:
        return this_month
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return reading_date_in(year, month, day)


def answer(customer: Customer, today: date) -> str:
    """What a customer is told: "Ngày ghi chỉ số công tơ kỳ tới: 30/11/2026"."""
    return _("Ngày ghi chỉ số công tơ kỳ tới: %(date)s",
             date=fmt_date(next_reading_date(customer, today)))


def set_reading_day(day: int | None, *, customer: Customer | None = None,
                    ward: Ward | None = None) -> ReadingDay | None:
    """Set (1–31) or clear (None) the reading day of one customer or one ward; flushes."""
    if (customer is None) == (ward is None):
        raise ValueError("give a customer or a ward")
    if day is not None and not 1 <= day <= MONTH_END:
        raise ValueError("day must be 1-31")
    scope = (ReadingDay.customer_id == customer.id) if customer else (ReadingDay.ward_id
                                                                       == ward.id)
    row = db.session.scalar(sa.select(ReadingDay).where(scope))
    if day is None:
        if row is not None:
            db.session.delete(row)
        db.session.flush()
        return None
    if row is None:
        row = ReadingDay(customer=customer, ward=ward, day=day)
        db.session.add(row)
    row.day = day
    db.session.flush()
    return row
