"""Assignment pools: whose work a ticket is, who may be given it, how loaded they are.

One small rule decides the pool: a ticket belongs to its district office's pool when it has
a district and its type is not an inquiry; every other ticket (no district yet, or an
inquiry, which the care centre answers at first contact) belongs to the care centre's pool,
worked by its agents.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from crm.core.db import dialect
from crm.extensions import db
from crm.models import (OPEN_STATUSES, AssignmentMode, AssignmentRule, Presence, Role, Status,
                        Ticket, User)

#: Ticket types the care centre answers itself, wherever the customer lives.
CENTRE_TYPES = ("inquiry",)
#: An unassigned ticket in these statuses waits for a person; paused ones (waiting for the
#: customer, deferred) wait for an event and join the queue when they resume.
WAITING_STATUSES = (Status.NEW, Status.OPEN)


@dataclass(frozen=True)
class Pool:
    district_id: int | None        #: None: the care centre

    @classmethod
    def of_ticket(cls, ticket: Ticket) -> "Pool":
        if ticket.district_id and ticket.type not in CENTRE_TYPES:
            return cls(ticket.district_id)
        return cls(None)

    @classmethod
    def of_user(cls, user: User) -> "Pool | None":
        """The pool a user works in; supervisors and admins are in none (they take by hand)."""
        if user.role == Role.DISTRICT_STAFF:
            return cls(user.district_id)
        return cls(None) if user.role == Role.AGENT else None

    def members(self):
        """WHERE clause on User: the active accounts that work this pool."""
        if self.district_id is None:
            return sa.and_(User.role == Role.AGENT, User.is_active_account)
        return sa.and_(User.role == Role.DISTRICT_STAFF, User.district_id == self.district_id,
                       User.is_active_account)

    def tickets(self):
        """WHERE clause on Ticket: the tickets of this pool."""
        if self.district_id is None:
            return _is_centre_ticket()
        return sa.and_(Ticket.district_id == self.district_id, Ticket.type.not_in(CENTRE_TYPES))


def _is_centre_ticket():
    return sa.or_(Ticket.district_id.is_(None), Ticket.type.in_(CENTRE_TYPES))


def ticket_pool_key():
    """SQL expression: the district id of a ticket's pool, NULL for the care centre's."""
    return sa.case((_is_centre_ticket(), sa.null()), else_=Ticket.district_id)


def is_waiting():
    """WHERE clause on Ticket: unassigned and waiting for a person."""
    return sa.and_(Ticket.assignee_id.is_(None), Ticket.status.in_(WAITING_STATUSES),
                   Ticket.merged_into_id.is_(None))


@dataclass
class Candidate:
    """An available member of a pool and their open assigned tickets."""

    user: User
    load: int

    @property
    def free(self) -> int:
        return max(self.user.capacity - self.load, 0)


def mode(pool: Pool) -> AssignmentMode:
    """The pool's rule; a pool without one is assigned by hand."""
    found = db.session.scalar(sa.select(AssignmentRule.mode).where(
        AssignmentRule.district_id.is_(None) if pool.district_id is None
        else AssignmentRule.district_id == pool.district_id))
    return AssignmentMode(found) if found else AssignmentMode.MANUAL


def lock_members(pool: Pool) -> None:
    """Lock the pool's members (PostgreSQL), always in id order so lockers never deadlock.

    Whoever hands out this pool's work holds these locks, so loads are counted by one
    worker at a time and nobody is given more than their capacity.
    """
    if dialect() != "postgresql":
        return    # SQLite allows one writer at a time anyway
    db.session.execute(sa.select(User.id).where(pool.members()).order_by(User.id)
                       .with_for_update(key_share=True))


def candidates(pool: Pool) -> list[Candidate]:
    """The available members below capacity, with their loads: one aggregate query."""
    load = sa.func.count(Ticket.id)
    rows = db.session.execute(
        sa.select(User, load.label("load"))
        .outerjoin(Ticket, sa.and_(Ticket.assignee_id == User.id,
                                   Ticket.status.in_(OPEN_STATUSES)))
        .where(pool.members(), User.presence == Presence.AVAILABLE)
        .group_by(User.id).having(load < User.capacity).order_by(User.id)).all()
    return [Candidate(user, count) for user, count in rows]


def waiting(pool: Pool, limit: int) -> list[Ticket]:
    """The pool's oldest unassigned tickets that wait for a person, locked for this transaction.

    On PostgreSQL `FOR UPDATE SKIP LOCKED`: a ticket another transaction is handing out (or
    a supervisor is assigning by hand) is skipped, never given twice.
    """
    query = (sa.select(Ticket).where(is_waiting(), pool.tickets())
             .order_by(Ticket.created_at, Ticket.id).limit(limit))
    if dialect() == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Ticket)
    return list(db.session.scalars(query))
