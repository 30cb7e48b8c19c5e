"""Automatic assignment (phân công tự động) inside a pool: round robin or by load, within
each person's capacity, to available people only; the oldest waiting ticket goes first.

Each pool's AssignmentRule gives the mode (no rule: manual, nothing automatic):
- round_robin: the available person below capacity who was given work longest ago
  (never given any: first);
- load: the available person with the fewest open assigned tickets below capacity, ties to
  whoever was given work longest ago.
Pools and the locking that keeps two workers from handing out the same ticket are in
`crm.routing.pools`.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from crm.core import audit
from crm.extensions import db
from crm.models import OPEN_STATUSES, AssignmentMode, Presence, Ticket, User, utcnow
from crm.routing import pools
from crm.routing.pools import Candidate, Pool

_NEVER = datetime.min.replace(tzinfo=timezone.utc)


def auto_assign(ticket: Ticket) -> User | None:
    """Hand a new unassigned ticket's pool its waiting work (older tickets first); flushes.

    Returns the ticket's assignee afterwards (None in a manual pool or when nobody is free).
    """
    if ticket.assignee_id is None and ticket.status in pools.WAITING_STATUSES:
        fill(Pool.of_ticket(ticket))
    return ticket.assignee


def on_status_changed(ticket: Ticket, old_status) -> None:
    """Resolving or closing frees its assignee's capacity for the oldest waiting ticket of
    their pool; an unassigned ticket that becomes workable again joins its pool's queue."""
    if ticket.assignee_id and old_status in OPEN_STATUSES and not ticket.is_open:
        # by id: `services.assign` sets the id and may leave a loaded relation behind
        pool = Pool.of_user(db.session.get(User, ticket.assignee_id))
        if pool is not None:
            fill(pool)
    elif ticket.assignee_id is None and ticket.status in pools.WAITING_STATUSES \
            and old_status not in pools.WAITING_STATUSES:
        fill(Pool.of_ticket(ticket))


def set_presence(user: User, presence: Presence | str, *, actor: User | None = None) -> dict:
    """Mark a user available / away / lunch / offline, audited; becoming available pulls
    the pool's waiting work at once. Returns the changes (empty when nothing changed)."""
    presence = Presence(presence)
    pool = Pool.of_user(user)
    if pool is not None:
        pools.lock_members(pool)       # the pool first, as `fill` locks it: no deadlock
    changes = audit.diff(user, presence=presence)
    if changes:
        audit.record("user", user.id, "presence_changed", changes, actor=actor or user)
        db.session.flush()
        if presence == Presence.AVAILABLE and pool is not None:
            fill(pool)
    return changes


def fill(pool: Pool, now: datetime | None = None) -> list[Ticket]:
    """Give the pool's waiting tickets, oldest first, to its available members by the pool's
    rule while anyone has capacity left; audited as the system. Returns them; flushes."""
    mode = pools.mode(pool)
    if mode == AssignmentMode.MANUAL:
        return []
    pools.lock_members(pool)
    staff = pools.candidates(pool)
    free = sum(c.free for c in staff)
    if not free:
        return []
    from crm.tickets import services    # services calls this module: import at use

    now = now or utcnow()
    given = []
    for n, ticket in enumerate(pools.waiting(pool, free)):
        chosen = pick(staff, mode)
        if chosen is None:
            break
        services.assign(ticket, chosen.user, actor=None, actor_label="system")
        ticket.assignee = chosen.user      # `assign` sets the id; keep the relation in step
        chosen.load += 1
        # Distinct stamps keep the turn order strict within one batch.
        chosen.user.last_assigned_at = now + timedelta(microseconds=n)
        given.append(ticket)
    db.session.flush()
    return given


def pick(staff: list[Candidate], mode: AssignmentMode) -> Candidate | None:
    """Who gets the next ticket among `staff` (None when everyone is full)."""
    open_ = [c for c in staff if c.free > 0]
    if not open_:
        return None

    def longest_ago(c: Candidate) -> tuple:
        return (c.user.last_assigned_at is not None, c.user.last_assigned_at or _NEVER, c.user.id)

    if mode == AssignmentMode.LOAD:
        return min(open_, key=lambda c: (c.load, *longest_ago(c)))
    return min(open_, key=longest_ago)
