"""What agents, bots, SMS and the IVR say about planned outages in a customer's area.

Callers use it like `crm.incidents.info.known_incident_for`: keyword arguments naming a
customer, a ward or a feeder, and plain frozen data back, with a Vietnamese `sentence()`.
A customer's area is their ward plus the feeders and transformer stations (trạm biến áp)
of their active meters; cancelled outages are never announced.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy.orm import selectinload

from crm.core.timefmt import LOCAL_TZ, fmt_date, fmt_time, local
from crm.extensions import db
from crm.models import (Contract, Customer, Meter, PlannedOutage, PlannedOutageFeeder,
                        PlannedOutageStatus, Ward, planned_outage_wards, utcnow)

#: Ward names a sentence lists before "and N other wards".
NAMED_WARDS = 3


def normalise_code(text: str | None) -> str:
    """Feeder and station codes compare upper-case without spaces: " 471 e12" → "471E12"."""
    return "".join((text or "").split()).upper()


@dataclass(frozen=True)
class PlannedOutageInfo:
    """A planned outage as plain data: safe to hand to a template, a bot or the IVR."""

    outage_id: int
    district: str
    area: str                   #: what customers recognise: ward names and/or feeders
    starts_at: datetime
    ends_at: datetime
    reason: str
    work: str | None
    is_cancelled: bool

    @classmethod
    def of(cls, outage: PlannedOutage, *, ward: Ward | None = None,
           codes: Iterable[str] = ()) -> "PlannedOutageInfo":
        """`ward` and `codes` name the asker's own area, so the sentence says "your ward"."""
        return cls(outage.id, outage.district.name, area_text(outage, ward=ward, codes=codes),
                   outage.starts_at, outage.ends_at, outage.reason, outage.work,
                   outage.status == PlannedOutageStatus.CANCELLED)

    def when(self) -> str:
        """"08:00–16:00 ngày 25/11/2026", or both dates when it spans midnight."""
        if local(self.starts_at).date() == local(self.ends_at).date():
            return _("%(start)s–%(end)s ngày %(date)s", start=fmt_time(self.starts_at),
                     end=fmt_time(self.ends_at), date=fmt_date(self.starts_at))
        return _("từ %(start)s ngày %(start_date)s đến %(end)s ngày %(end_date)s",
                 start=fmt_time(self.starts_at), start_date=fmt_date(self.starts_at),
                 end=fmt_time(self.ends_at), end_date=fmt_date(self.ends_at))

    def sentence(self) -> str:
        """"Lịch tạm ngừng cấp điện: 08:00–16:00 ngày 25/11/2026 tại Phường X, lý do: …"."""
        return _("Lịch tạm ngừng cấp điện: %(when)s tại %(area)s, lý do: %(reason)s",
                 when=self.when(), area=self.area, reason=self.reason)

    def vietnamese(self) -> str:
        """The sentence in Vietnamese whatever the UI language (for SMS, bots and the IVR)."""
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            return self.sentence()


def area_text(outage: PlannedOutage, *, ward: Ward | None = None,
              codes: Iterable[str] = ()) -> str:
    """The asker's ward when the outage covers it, else the outage's wards and feeders."""
    if ward is not None and any(w.id == ward.id for w in outage.wards):
        return ward.name
    own = sorted(set(outage.feeder_codes) & set(codes))
    if own:
        return _("khu vực xuất tuyến/trạm %(codes)s", codes=", ".join(own))
    parts = [w.name for w in outage.wards[:NAMED_WARDS]]
    if len(outage.wards) > NAMED_WARDS:
        parts.append(_("%(count)d phường/xã khác", count=len(outage.wards) - NAMED_WARDS))
    if outage.feeders:
        parts.append(_("khu vực xuất tuyến/trạm %(codes)s",
                       codes=", ".join(outage.feeder_codes)))
    return ", ".join(parts)


def customer_codes(customer_id: int) -> list[str]:
    """The feeders and stations of the customer's active meters, normalised."""
    rows = db.session.execute(
        sa.select(Meter.feeder, Meter.station).join(Contract)
        .where(Contract.customer_id == customer_id, Contract.is_active, Meter.is_active)).all()
    return sorted({normalise_code(c) for row in rows for c in row if c})


@dataclass(frozen=True)
class Area:
    """The wards and feeder/station codes a question is about."""

    wards: tuple[Ward, ...] = ()
    codes: tuple[str, ...] = ()

    @classmethod
    def of(cls, *, customer: Customer | int | None = None, ward: Ward | int | None = None,
           feeder: str | None = None) -> "Area":
        wards, codes = [], []
        if customer is not None and not isinstance(customer, Customer):
            customer = db.session.get(Customer, customer)
        if customer is not None:
            wards.append(customer.ward)
            codes += customer_codes(customer.id)
        if ward is not None:
            wards.append(ward if isinstance(ward, Ward) else db.session.get(Ward, ward))
        if feeder and normalise_code(feeder):
            codes.append(normalise_code(feeder))
        return cls(tuple(w for w in wards if w is not None), tuple(codes))

    def clause(self):
        """A WHERE clause on PlannedOutage: the outages that cut this area."""
        by_ward, by_code = planned_outage_wards.c, PlannedOutageFeeder
        clauses = []
        if self.wards:
            clauses.append(PlannedOutage.id.in_(sa.select(by_ward.outage_id).where(
                by_ward.ward_id.in_([w.id for w in self.wards]))))
        if self.codes:
            clauses.append(PlannedOutage.id.in_(sa.select(by_code.outage_id).where(
                by_code.code.in_(self.codes))))
        return sa.or_(*clauses) if clauses else sa.false()

    def infos(self, where) -> list[PlannedOutageInfo]:
        """The outages of this area matching `where`, not cancelled, earliest first."""
        outages = db.session.scalars(
            sa.select(PlannedOutage)
            .where(where, self.clause(), PlannedOutage.status != PlannedOutageStatus.CANCELLED)
            .options(selectinload(PlannedOutage.wards), selectinload(PlannedOutage.feeders),
                     selectinload(PlannedOutage.district))
            .order_by(PlannedOutage.starts_at, PlannedOutage.id)).all()
        own_ward = self.wards[0] if self.wards else None
        return [PlannedOutageInfo.of(o, ward=own_ward, codes=self.codes) for o in outages]


def day_start(day: date) -> datetime:
    """Local midnight of `day`, in UTC."""
    return datetime.combine(day, time(0), LOCAL_TZ).astimezone(timezone.utc)


def overlapping(since: datetime, until: datetime):
    """A WHERE clause: outages under way at some moment of [since, until)."""
    return sa.and_(PlannedOutage.starts_at < until, PlannedOutage.ends_at > since)


def planned_for(*, customer: Customer | int | None = None, ward: Ward | int | None = None,
                feeder: str | None = None, start: date | None = None,
                days: int = 7) -> list[PlannedOutageInfo]:
    """Planned outages of the area under way on any of `days` local days from `start` (today).

    Earliest first; an outage that began before `start` and is still going is included.
    """
    start = start or local(utcnow()).date()
    window = overlapping(day_start(start), day_start(start + timedelta(days=days)))
    return Area.of(customer=customer, ward=ward, feeder=feeder).infos(window)


def planned_at(*, at: datetime, customer: Customer | int | None = None,
               ward: Ward | int | None = None,
               feeder: str | None = None) -> list[PlannedOutageInfo]:
    """Planned outages of the area going on at the instant `at` (a reported loss of supply)."""
    return Area.of(customer=customer, ward=ward, feeder=feeder).infos(
        sa.and_(PlannedOutage.starts_at <= at, PlannedOutage.ends_at > at))
