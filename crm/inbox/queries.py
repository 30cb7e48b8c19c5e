"""The agent inbox: filtered ticket lists with keyset pages and bounded counts.

Lists are ordered by latest activity, `(updated_at, id)` descending, and paged by the
last row's key, never by OFFSET, so page 1,000 costs what page 1 costs.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from crm.core.permissions import ticket_visible, tickets_for
from crm.extensions import db
from crm.models import OPEN_STATUSES, Customer, Status, Ticket

PAGE_SIZE = 50
#: The default list: every status that still needs work (new, open, waiting, deferred).
ACTIVE = "active"
#: Counts stop here and show "1000+": exact counts over millions of rows cost too much.
COUNT_CAP = 1000


@dataclass
class Filters:
    status: str | None = ACTIVE          #: a Status value, ACTIVE (every open status) or None
    type: str | None = None
    channel: str | None = None
    district_id: int | None = None
    assignee: str | None = None           #: "me", "none" or a user id
    unrouted: bool = False                #: tickets that no district owns yet

    @classmethod
    def from_args(cls, args) -> "Filters":
        def _int(name):
            value = args.get(name, "")
            return int(value) if value.isdigit() else None
        status = args.get("status", ACTIVE)
        return cls(status=None if status in ("", "all") else status, type=args.get("type") or None,
                   channel=args.get("channel") or None, district_id=_int("district"),
                   assignee=args.get("assignee") or None, unrouted=args.get("unrouted") == "1")

    def where(self, user) -> list:
        clauses = [ticket_visible(user)]
        if self.status == ACTIVE:
            clauses.append(Ticket.status.in_(OPEN_STATUSES))
        elif self.status in Status.values():
            clauses.append(Ticket.status == Status(self.status))
        if self.type:
            clauses.append(Ticket.type == self.type)
        if self.channel:
            clauses.append(Ticket.channel == self.channel)
        if self.district_id:
            clauses.append(Ticket.district_id == self.district_id)
        if self.unrouted:
            clauses.append(Ticket.district_id.is_(None))
        if self.assignee == "me":
            clauses.append(Ticket.assignee_id == user.id)
        elif self.assignee == "none":
            clauses.append(Ticket.assignee_id.is_(None))
        elif self.assignee and self.assignee.isdigit():
            clauses.append(Ticket.assignee_id == int(self.assignee))
        return clauses


def encode_cursor(ticket: Ticket) -> str:
    raw = f"{ticket.updated_at.isoformat()}|{ticket.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The (updated_at, id) key of a cursor; None for a missing or tampered one."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, ticket_id = raw.split("|")
        return datetime.fromisoformat(stamp), int(ticket_id)
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass
class Page:
    tickets: list[Ticket]
    next_cursor: str | None
    counts: dict[str, int] = field(default_factory=dict)


def _with_relations(query: sa.Select) -> sa.Select:
    """Everything a list row shows, loaded with the page (no query per row)."""
    return query.options(joinedload(Ticket.customer).selectinload(Customer.contact_points),
                         joinedload(Ticket.district), joinedload(Ticket.assignee),
                         joinedload(Ticket.sla))


def ticket_page(user, filters: Filters, cursor: str | None = None,
                size: int = PAGE_SIZE) -> Page:
    """One page of the inbox for `user`, newest activity first."""
    query = _with_relations(sa.select(Ticket).where(*filters.where(user)))
    if key := decode_cursor(cursor):
        query = query.where(sa.tuple_(Ticket.updated_at, Ticket.id) < sa.tuple_(*key))
    rows = db.session.scalars(
        query.order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(size + 1)).unique().all()
    next_cursor = encode_cursor(rows[size - 1]) if len(rows) > size else None
    return Page(rows[:size], next_cursor)


def status_counts(user, filters: Filters) -> dict[str, int]:
    """Per-status counts under the other filters, each capped at COUNT_CAP."""
    base = Filters(**{**filters.__dict__, "status": None})
    counts = {}
    for status in OPEN_STATUSES:
        capped = (sa.select(Ticket.id).where(*base.where(user), Ticket.status == status)
                  .limit(COUNT_CAP + 1).subquery())
        counts[str(status)] = db.session.scalar(sa.select(sa.func.count()).select_from(capped))
    return counts


def changed_since(user, filters: Filters, since: datetime, limit: int = 100) -> list[Ticket]:
    """Tickets in the list whose activity is newer than `since` (for the live refresh)."""
    query = _with_relations(sa.select(Ticket).where(*filters.where(user),
                                                    Ticket.updated_at > since))
    return db.session.scalars(
        query.order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(limit)).unique().all()


def customer_tickets(user, customer: Customer, limit: int = 50) -> list[Ticket]:
    query = _with_relations(tickets_for(user).where(Ticket.customer_id == customer.id))
    return db.session.scalars(
        query.order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(limit)).unique().all()


