"""What agents, the IVR and the bots say about a known outage in the caller's area."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from crm.core.timefmt import fmt_date, fmt_time, local
from crm.extensions import db
from crm.models import Customer, Incident, Ticket, Ward, utcnow


def area_name(incident: Incident) -> str:
    """The ward's name, with the feeder when known (what customers recognise)."""
    ward = incident.ward.name if incident.ward else ""
    if incident.feeder:
        return _("%(ward)s (xuất tuyến %(feeder)s)", ward=ward, feeder=incident.feeder)
    return ward


@dataclass(frozen=True)
class IncidentInfo:
    """A known incident, as plain data: safe to hand to a template, a bot or the IVR."""

    incident_id: int
    area: str
    district: str | None
    feeder: str | None
    report_count: int
    started_at: datetime
    last_report_at: datetime
    expected_restore_at: datetime | None

    @classmethod
    def of(cls, incident: Incident) -> "IncidentInfo":
        return cls(incident.id, area_name(incident),
                   incident.district.name if incident.district else None, incident.feeder,
                   incident.report_count, incident.started_at, incident.last_report_at,
                   incident.expected_restore_at)

    def summary(self, now: datetime | None = None) -> str:
        """The sentence "known incident, N reports, expected restore at HH:MM" (current locale)."""
        expected = self.expected_restore_at
        if expected is None:
            return _("Đã ghi nhận sự cố mất điện tại %(area)s (%(count)s phản ánh); đang xác "
                     "định thời gian có điện trở lại.", area=self.area, count=self.report_count)
        if local(expected).date() == local(now or utcnow()).date():
            return _("Đã ghi nhận sự cố mất điện tại %(area)s (%(count)s phản ánh); dự kiến có "
                     "điện trở lại lúc %(time)s.", area=self.area, count=self.report_count,
                     time=fmt_time(expected))
        return _("Đã ghi nhận sự cố mất điện tại %(area)s (%(count)s phản ánh); dự kiến có điện "
                 "trở lại lúc %(time)s ngày %(date)s.", area=self.area, count=self.report_count,
                 time=fmt_time(expected), date=fmt_date(expected))


def known_incident_for(*, ward: Ward | int | None = None, customer: Customer | int | None = None,
                       at: datetime | None = None) -> IncidentInfo | None:
    """The incident going on at `at` (default now) for a customer or a ward, or None.

    A customer's own reported incident comes first, then the newest incident of their ward
    (or of `ward`): one opened there, or one of another ward that has reports from it.
    """
    known = _ongoing(at or utcnow())
    if customer is not None:
        customer_id = getattr(customer, "id", customer)
        own = db.session.scalar(known.where(sa.exists().where(
            Ticket.incident_id == Incident.id, Ticket.customer_id == customer_id)))
        if own is not None:
            return IncidentInfo.of(own)
        if ward is None:
            ward = customer.ward_id if isinstance(customer, Customer) else db.session.scalar(
                sa.select(Customer.ward_id).where(Customer.id == customer_id))
    if ward is None:
        return None
    ward_id = getattr(ward, "id", ward)
    found = db.session.scalar(known.where(sa.or_(
        Incident.ward_id == ward_id,
        sa.exists().where(Ticket.incident_id == Incident.id, Ticket.ward_id == ward_id))))
    return IncidentInfo.of(found) if found is not None else None


def _ongoing(at: datetime) -> sa.Select:
    """Incidents started by `at` and not restored by then, newest report first (one row)."""
    return (sa.select(Incident)
            .where(Incident.started_at <= at,
                   sa.or_(Incident.restored_at.is_(None), Incident.restored_at > at))
            .options(joinedload(Incident.ward), joinedload(Incident.district))
            .order_by(Incident.last_report_at.desc(), Incident.id.desc()).limit(1))
