"""The agent inbox: filtered ticket lists with keyset pages and bounded counts.

Lists are ordered by latest activity, `(updated_at, id)` descending, or by due time,
`(due_at, id)` ascending with tickets without a running clock last; either way they are
paged by the last row's key, never by OFFSET, so page 1,000 costs what page 1 costs.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from crm.core.permissions import ticket_visible, tickets_for
from crm.extensions import db
from crm.models import OPEN_STATUSES, Customer, Status, Ticket, TicketSla, utcnow

PAGE_SIZE = 50
#: The default list: every status that still needs work (new, open, waiting, deferred).
ACTIVE = "active"
#: Counts stop here and show "1000+": exact counts over millions of rows cost too much.
COUNT_CAP = 1000
#: List orders: newest activity first (the default), or soonest due first.
SORT_ACTIVITY, SORT_DUE = "activity", "due"
SORTS = (SORT_ACTIVITY, SORT_DUE)
#: SLA filters: the clock's states a list can be narrowed to.
SLA_STATES = ("warning", "breached")


@dataclass
class Filters:
    status: str | None = ACTIVE          #: a Status value, ACTIVE (every open status) or None
    type: str | None = None
    channel: str | None = None
    district_id: int | None = None
    assignee: str | None = None           #: "me", "none" or a user id
    unrouted: bool = False                #: tickets that no district owns yet
    sla: str | None = None                #: "warning" or "breached" (the clock's state now)
    sort: str = SORT_ACTIVITY             #: SORT_ACTIVITY or SORT_DUE

    @classmethod
    def from_args(cls, args, user=None) -> "Filters":
        """The filters of a query string; district staff get their queue by due time."""
        def _int(name):
            value = args.get(name, "")
            return int(value) if value.isdigit() else None
        status = args.get("status", ACTIVE)
        default_sort = SORT_DUE if user is not None and user.is_district_scoped else SORT_ACTIVITY
        sort = args.get("sort") if args.get("sort") in SORTS else default_sort
        return cls(status=None if status in ("", "all") else status, type=args.get("type") or None,
                   channel=args.get("channel") or None, district_id=_int("district"),
                   assignee=args.get("assignee") or None, unrouted=args.get("unrouted") == "1",
                   sla=args.get("sla") if args.get("sla") in SLA_STATES else None, sort=sort)

    def where(self, user, now: datetime | None = None) -> list:
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
        if self.sla in SLA_STATES:
            clauses.append(sla_state_is(self.sla, now or utcnow()))
        return clauses


def sla_state_is(state: str, now: datetime):
    """WHERE clause: the ticket's clock is running and in `state` ("warning" or "breached"),
    as `workflows.sla.clock.state` would say."""
    running = (TicketSla.ticket_id == Ticket.id, TicketSla.stopped_at.is_(None),
               TicketSla.is_paused.is_(False), TicketSla.due_at.is_not(None))
    if state == "breached":
        return sa.exists().where(*running, TicketSla.due_at <= now)
    return sa.exists().where(*running, TicketSla.due_at > now, TicketSla.warn_at <= now)


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _unb64(cursor: str) -> str:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()


def encode_cursor(ticket: Ticket) -> str:
    return _b64(f"{ticket.updated_at.isoformat()}|{ticket.id}")


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The (updated_at, id) key of a cursor; None for a missing or tampered one."""
    if not cursor:
        return None
    try:
        stamp, ticket_id = _unb64(cursor).split("|")
        return datetime.fromisoformat(stamp), int(ticket_id)
    except (ValueError, UnicodeDecodeError):
        return None


def encode_due_cursor(ticket: Ticket) -> str:
    """The (due_at, id) key of the last row of a due-sorted page (due_at empty: no clock)."""
    due = ticket.sla.due_at if ticket.sla is not None else None
    return _b64(f"due|{due.isoformat() if due else ''}|{ticket.id}")


def decode_due_cursor(cursor: str | None) -> tuple[datetime | None, int] | None:
    """The (due_at or None, id) key of a due cursor; None for a missing or tampered one."""
    if not cursor:
        return None
    try:
        tag, stamp, ticket_id = _unb64(cursor).split("|")
        if tag != "due":
            return None
        due = datetime.fromisoformat(stamp) if stamp else None
        if due is not None and due.tzinfo is None:
            return None
        return due, int(ticket_id)
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass
class Page:
    tickets: list[Ticket]
    next_cursor: str | None
    counts: dict[str, int] = field(default_factory=dict)


def _with_relations(query: sa.Select, *, sla_joined: bool = False) -> sa.Select:
    """Everything a list row shows, loaded with the page (no query per row)."""
    return query.options(joinedload(Ticket.customer).selectinload(Customer.contact_points),
                         joinedload(Ticket.district), joinedload(Ticket.assignee),
                         contains_eager(Ticket.sla) if sla_joined else joinedload(Ticket.sla))


def ticket_page(user, filters: Filters, cursor: str | None = None,
                size: int = PAGE_SIZE, now: datetime | None = None) -> Page:
    """One page of the inbox for `user`: newest activity first, or soonest due first."""
    if filters.sort == SORT_DUE:
        return _due_page(user, filters, cursor, size, now)
    query = _with_relations(sa.select(Ticket).where(*filters.where(user, now)))
    if key := decode_cursor(cursor):
        query = query.where(sa.tuple_(Ticket.updated_at, Ticket.id) < sa.tuple_(*key))
    rows = db.session.scalars(
        query.order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(size + 1)).unique().all()
    next_cursor = encode_cursor(rows[size - 1]) if len(rows) > size else None
    return Page(rows[:size], next_cursor)


def _due_page(user, filters: Filters, cursor: str | None, size: int, now) -> Page:
    """Soonest due first, `(due_at, id)` ascending; tickets without a due time at the end.

    Two ordered reads: tickets with a due time, then, once those run out, the ones without,
    by id. A company-wide list is walked in `ix_ticket_sla_due_order` (ordering by the
    `ticket_sla` columns lets PostgreSQL stop after a page instead of sorting 400 k open
    tickets: 1.5 s → 9 ms); a list narrowed to a district or an assignee (a few thousand rows)
    is cheaper to sort than to fish out of that company-wide index, so it orders by
    `Ticket.id`, which keeps the planner off the index (29 ms instead of 47–95 ms).
    """
    narrow = user.is_district_scoped or bool(filters.district_id or filters.assignee)
    tie = Ticket.id if narrow else TicketSla.ticket_id
    key = decode_due_cursor(cursor)
    rows: list[Ticket] = []
    if key is None or key[0] is not None:
        timed = _with_relations(
            sa.select(Ticket).join(TicketSla, TicketSla.ticket_id == Ticket.id)
            .where(*filters.where(user, now), TicketSla.due_at.is_not(None)), sla_joined=True)
        if key is not None:
            timed = timed.where(sa.tuple_(TicketSla.due_at, tie) > sa.tuple_(*key))
        rows = list(db.session.scalars(
            timed.order_by(TicketSla.due_at.asc(), tie.asc())
            .limit(size + 1)).unique())
    if len(rows) <= size:
        untimed = _with_relations(
            sa.select(Ticket).outerjoin(TicketSla, TicketSla.ticket_id == Ticket.id)
            .where(*filters.where(user, now), TicketSla.due_at.is_(None)), sla_joined=True)
        if key is not None and key[0] is None:
            untimed = untimed.where(Ticket.id > key[1])
        rows += db.session.scalars(
            untimed.order_by(Ticket.id.asc()).limit(size + 1 - len(rows))).unique().all()
    next_cursor = encode_due_cursor(rows[size - 1]) if len(rows) > size else None
    return Page(rows[:size], next_cursor)


def unrouted_count(user) -> int | None:
    """Open tickets no district owns (the "needs routing" queue), capped at COUNT_CAP + 1;
    None for district staff, whose lists never hold them."""
    if user.is_district_scoped:
        return None
    capped = (sa.select(Ticket.id).where(Ticket.district_id.is_(None),
                                         Ticket.status.in_(OPEN_STATUSES))
              .limit(COUNT_CAP + 1).subquery())
    return db.session.scalar(sa.select(sa.func.count()).select_from(capped))


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


