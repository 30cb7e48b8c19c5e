"""Outage incidents: many reports from one area become one incident, restored once.

An incident (sự cố) groups the outage tickets of one ward, or of one feeder (xuất tuyến)
when the report names it, that arrive within `outage_window_minutes` of each other.
Restoring it closes every open report and tells every reporter, exactly once.
"""
from __future__ import annotations

import zlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy.orm import joinedload, selectinload

from crm.core import audit, settings
from crm.core.db import dialect
from crm.core.timefmt import fmt_date, fmt_time
from crm.extensions import db
from crm.incidents.info import IncidentInfo, area_name, known_incident_for  # noqa: F401
from crm.models import (OPEN_STATUSES, Incident, IncidentStatus, Status, Ticket, TicketParty,
                        User, utcnow)
from crm.tickets import services as tickets
from crm.tickets.notify import notify_customer

#: Namespaces of `pg_advisory_xact_lock(int, int)`: first reports of one area queue up here.
LOCK_WARD, LOCK_FEEDER = 0x1C1D, 0x1C1E


class IncidentError(ValueError):
    """A change the incident does not allow; the message says why, in the user's language."""


def feeder_of(ticket: Ticket) -> str | None:
    """The feeder the report names (`details["feeder"]`), trimmed; None when unknown."""
    value = str((ticket.details or {}).get("feeder") or "").strip()
    return value[:64] or None


def attach(ticket: Ticket) -> Incident | None:
    """Join a new outage report to the open incident of its area, or open one.

    Tickets without a ward join nothing; a ticket already attached is counted once. Safe
    against two first reports at once: on PostgreSQL the area is locked for the transaction
    before looking. Flushes.
    """
    if ticket.incident_id is not None:          # already counted: attaching is idempotent
        return db.session.get(Incident, ticket.incident_id)
    if ticket.ward_id is None:
        return None
    feeder, now = feeder_of(ticket), utcnow()
    _lock_area(ticket.ward_id, ticket.district_id, feeder)
    since = now - timedelta(minutes=int(settings.get("outage_window_minutes")))
    incident = _open_incident(ticket, feeder, since)
    if incident is None:
        incident = Incident(district_id=ticket.district_id, ward_id=ticket.ward_id, feeder=feeder,
                            started_at=now, last_report_at=now, report_count=0)
        db.session.add(incident)
        db.session.flush()
        audit.record("incident", incident.id, "opened", {"ticket": [None, ticket.code]})
    elif feeder and not incident.feeder:
        incident.feeder = feeder
    ticket.incident_id = incident.id
    incident.report_count += 1
    incident.last_report_at = now
    db.session.flush()
    return incident


def _lock_area(ward_id: int, district_id: int | None, feeder: str | None) -> None:
    """Serialise attach() per ward (then per feeder; always in that order, so no deadlock)."""
    if dialect() != "postgresql":
        return          # SQLite has one writer at a time already
    lock = sa.text("SELECT pg_advisory_xact_lock(:space, :key)")
    db.session.execute(lock, {"space": LOCK_WARD, "key": ward_id})
    if feeder:
        key = zlib.crc32(f"{district_id}:{feeder}".encode()) - 2 ** 31   # into int4's range
        db.session.execute(lock, {"space": LOCK_FEEDER, "key": key})


def _open_incident(ticket: Ticket, feeder: str | None, since: datetime) -> Incident | None:
    """The open incident this report belongs to: same feeder first, else same ward."""
    recent = sa.select(Incident).where(Incident.status == IncidentStatus.OPEN,
                                       Incident.last_report_at >= since)
    candidates = []
    if feeder:
        candidates.append(recent.where(
            Incident.feeder == feeder,
            Incident.district_id.is_not_distinct_from(ticket.district_id)))
    same_ward = recent.where(Incident.ward_id == ticket.ward_id)
    if feeder:     # another feeder's outage in the same ward is another incident
        same_ward = same_ward.where(sa.or_(Incident.feeder.is_(None), Incident.feeder == feeder))
    candidates.append(same_ward)
    for query in candidates:
        # FOR UPDATE: a concurrent restore() either finishes first (then this one is no
        # longer OPEN) or waits for this report to be linked and closes it too.
        found = db.session.scalar(
            query.order_by(Incident.last_report_at.desc(), Incident.id.desc()).limit(1)
            .with_for_update().execution_options(populate_existing=True))
        if found is not None:
            return found
    return None


def set_expected_restore(incident: Incident, at: datetime, actor: User | None) -> Incident:
    """Record when power should be back; refused once restored or for a time before the start."""
    if incident.status != IncidentStatus.OPEN:
        raise IncidentError(_("Sự cố đã được khắc phục, không thể đổi thời gian dự kiến."))
    if at.tzinfo is None or at <= incident.started_at:
        raise IncidentError(_("Thời gian dự kiến có điện lại phải sau lúc bắt đầu sự cố."))
    changes = audit.diff(incident, expected_restore_at=at)
    if changes:
        audit.record("incident", incident.id, "expected_restore_set", changes, actor=actor)
        db.session.flush()
        _notify_reporters(incident, _open_reports(incident.id), "incident_known",
                          {"khu_vuc": area(incident), "du_kien_co_dien": at},
                          key=f"incident-known:{incident.id}:{at.isoformat()}")
    db.session.flush()
    return incident


def restore(incident: Incident, *, cause: str, actor: User | None) -> list[Ticket]:
    """Mark power restored, resolve every open report and notify each reporter once.

    Idempotent: an incident already restored changes nothing and notifies nobody (returns
    []). Raises IncidentError without a cause. Flushes; the caller commits.
    """
    cause = (cause or "").strip()
    if not cause:
        raise IncidentError(_("Cần nhập nguyên nhân sự cố."))
    incident = db.session.scalar(
        sa.select(Incident).where(Incident.id == incident.id).with_for_update()
        .execution_options(populate_existing=True))
    if incident.status == IncidentStatus.RESTORED:
        return []
    now = utcnow()
    incident.status, incident.restored_at, incident.cause = IncidentStatus.RESTORED, now, cause
    reports = _open_reports(incident.id)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):    # stored, not shown
        result = _("Đã có điện trở lại lúc %(time)s %(date)s. Nguyên nhân: %(cause)s",
                   time=fmt_time(now), date=fmt_date(now), cause=cause)
    for ticket in reports:
        tickets.change_status(ticket, Status.RESOLVED, actor=actor, result=result)
    _notify_reporters(incident, reports, "incident_restored",
                      {"khu_vuc": area(incident), "co_dien_luc": now})
    audit.record("incident", incident.id, "restored",
                 {"cause": [None, cause], "tickets": [None, len(reports)]}, actor=actor)
    db.session.flush()
    return reports


def _open_reports(incident_id: int) -> list[Ticket]:
    return db.session.scalars(
        sa.select(Ticket).where(Ticket.incident_id == incident_id,
                                Ticket.status.in_(OPEN_STATUSES))
        .options(joinedload(Ticket.customer), joinedload(Ticket.sla))
        .order_by(Ticket.id).with_for_update(of=Ticket)).unique().all()


def _notify_reporters(incident: Incident, reports: list[Ticket], event: str, values: dict, *,
                      key: str | None = None) -> None:
    """One notice per customer: the reporter of each ticket and those merged into it.

    With a `key`, each customer is told at most once per key (a repeated save says nothing).
    """
    parties = db.session.scalars(
        sa.select(TicketParty).where(TicketParty.ticket_id.in_([t.id for t in reports]))
        .options(selectinload(TicketParty.customer))).all() if reports else []
    by_ticket: dict[int, list] = {}
    for party in parties:
        by_ticket.setdefault(party.ticket_id, []).append(party.customer)
    told: set[int] = set()
    for ticket in reports:
        for customer in [ticket.customer, *by_ticket.get(ticket.id, [])]:
            if customer.id not in told:
                told.add(customer.id)
                notify_customer(ticket, event, values, customer=customer,
                                key=f"{key}:customer-{customer.id}" if key else None)


def area(incident: Incident) -> str:
    """The area's name as customers read it: in Vietnamese, whatever the staff's language."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return area_name(incident)
