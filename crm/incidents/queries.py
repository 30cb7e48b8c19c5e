"""What the incident and suspension pages list: one query per list, keyset pages, scoped."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import joinedload

from crm.core.permissions import ticket_visible, tickets_for
from crm.extensions import db
from crm.models import Customer, Incident, IncidentStatus, Status, Suspension, Ticket, utcnow

PAGE = 50
DEFERRED_PAGE = 100


@dataclass(frozen=True)
class Page:
    rows: list
    next_cursor: int | None      #: id to pass as the next page's cursor; None on the last page


def incident_visible(user):
    """A WHERE clause on incidents: a district sees its own, the care centre sees all."""
    if user.is_district_scoped:
        return Incident.district_id == user.district_id
    return sa.true()


def incident_or_404(user, incident_id: int) -> Incident:
    incident = db.session.scalar(_incidents(user).where(Incident.id == incident_id))
    if incident is None:
        abort(404)
    return incident


def _incidents(user) -> sa.Select:
    return (sa.select(Incident).where(incident_visible(user))
            .options(joinedload(Incident.ward), joinedload(Incident.district)))


def open_incidents(user, limit: int = 500) -> list[Incident]:
    """Open incidents, the most recently reported first (there are only ever a few)."""
    return db.session.scalars(
        _incidents(user).where(Incident.status == IncidentStatus.OPEN)
        .order_by(Incident.last_report_at.desc(), Incident.id.desc()).limit(limit)).all()


def restored_incidents(user, before: int | None = None) -> Page:
    """Restored incidents, newest restoration first, a keyset page after incident `before`."""
    query = _incidents(user).where(Incident.status == IncidentStatus.RESTORED)
    cursor = db.session.scalar(sa.select(Incident.restored_at).where(
        Incident.id == before, incident_visible(user))) if before else None
    if cursor is not None:
        query = query.where(sa.or_(Incident.restored_at < cursor,
                                   sa.and_(Incident.restored_at == cursor, Incident.id < before)))
    rows = db.session.scalars(query.order_by(Incident.restored_at.desc(), Incident.id.desc())
                              .limit(PAGE + 1)).all()
    return Page(rows[:PAGE], rows[PAGE - 1].id if len(rows) > PAGE else None)


def reports(user, incident: Incident) -> list[Ticket]:
    """The incident's outage tickets the user may see, oldest first, with their customers."""
    return db.session.scalars(
        sa.select(Ticket).where(Ticket.incident_id == incident.id, ticket_visible(user))
        .options(joinedload(Ticket.customer).selectinload(Customer.contact_points),
                 joinedload(Ticket.ward))
        .order_by(Ticket.created_at, Ticket.id)).unique().all()


def deferred_tickets(user, after: int | None = None) -> Page:
    """The "contact after suspension" list: DEFERRED tickets of suspensions not yet resumed,
    oldest first, each as (ticket, suspension)."""
    query = (tickets_for(user).add_columns(Suspension)
             .join(Suspension, Suspension.id == Ticket.suspension_id)
             .where(Ticket.status == Status.DEFERRED, Suspension.resumed_at.is_(None))
             .options(joinedload(Ticket.customer).selectinload(Customer.contact_points),
                      joinedload(Ticket.district), joinedload(Ticket.ward)))
    cursor = db.session.scalar(tickets_for(user).with_only_columns(Ticket.created_at)
                               .where(Ticket.id == after)) if after else None
    if cursor is not None:
        query = query.where(sa.or_(Ticket.created_at > cursor,
                                   sa.and_(Ticket.created_at == cursor, Ticket.id > after)))
    rows = db.session.execute(query.order_by(Ticket.created_at, Ticket.id)
                              .limit(DEFERRED_PAGE + 1)).unique().all()
    rows = [tuple(row) for row in rows]
    next_cursor = rows[DEFERRED_PAGE - 1][0].id if len(rows) > DEFERRED_PAGE else None
    return Page(rows[:DEFERRED_PAGE], next_cursor)


def suspensions_page(before: int | None = None) -> Page:
    """Every suspension, the latest start first, a keyset page after suspension `before`."""
    query = sa.select(Suspension).options(joinedload(Suspension.created_by))
    cursor = db.session.scalar(sa.select(Suspension.starts_at).where(Suspension.id == before)) \
        if before else None
    if cursor is not None:
        query = query.where(sa.or_(Suspension.starts_at < cursor,
                                   sa.and_(Suspension.starts_at == cursor,
                                           Suspension.id < before)))
    rows = db.session.scalars(query.order_by(Suspension.starts_at.desc(), Suspension.id.desc())
                              .limit(PAGE + 1)).all()
    return Page(rows[:PAGE], rows[PAGE - 1].id if len(rows) > PAGE else None)


def suspension_state(suspension: Suspension, now: datetime | None = None) -> str:
    """scheduled | active | ended | lifted."""
    now = now or utcnow()
    if suspension.lifted_at and suspension.lifted_at <= now:
        return "lifted"
    if suspension.ends_at and suspension.ends_at <= now:
        return "ended"
    return "scheduled" if suspension.starts_at > now else "active"
