"""The demo's clock: the moment the story is at, stamped on the rows the services add.

The ticket, routing and incident services read the wall clock; the demo happens over the
last weeks. While the clock is running (`StoryClock.running`), every row of the kinds in
`STAMPED` that a service adds to the session gets the story's moment instead, so the audit
trail, the status history (which the SLA clock rebuilds its pauses from), notes, contact
logs and notices read as they happened. Where a service stamps the wall clock on a row that
already exists (a ticket's resolution, the SLA clock's stop, an incident's first report),
`crm.seed.settle` rebuilds the time from that history once every story is told.
"""
from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa

from crm.core.timefmt import LOCAL_TZ, local
from crm.extensions import db
from crm.models import (AssignmentRule, AuditEvent, ContactAttempt, Customer, Incident, Message,
                        Note, Suspension, Ticket, TicketStatusChange, WardAssignment)

STAMPED = {AuditEvent: ("at",), Note: ("created_at",), Ticket: ("created_at",),
           Customer: ("created_at", "updated_at"), TicketStatusChange: ("at",),
           ContactAttempt: ("at",), Message: ("created_at",),
           Incident: ("created_at", "updated_at"), Suspension: ("created_at", "updated_at"),
           WardAssignment: ("created_at", "updated_at"),
           AssignmentRule: ("created_at", "updated_at")}

#: When district staff are at work (local time): their calls and steps fall inside.
WORKDAY = (time(7, 30), time(17, 0))


class StoryClock:
    """Where the demo is in time; `later` moves it on, never past the real now."""

    def __init__(self, rng: random.Random, now: datetime):
        self.rng, self.now = rng, now
        self.moment: datetime | None = None

    def __call__(self, _session, obj) -> None:
        if self.moment is None:
            return
        for attr in STAMPED.get(type(obj), ()):
            setattr(obj, attr, self.moment)

    def at(self, moment: datetime) -> datetime:
        """Set the clock to `moment` and return it."""
        self.moment = moment
        return moment

    def later(self, at: datetime, low: int, high: int) -> datetime:
        """`low`–`high` minutes after `at`, but always before now; sets the clock."""
        step = timedelta(minutes=self.rng.randint(low, high))
        return self.at(min(at + step, at + (self.now - at) / 2))

    def later_at_work(self, at: datetime, low: int, high: int) -> datetime:
        """`later`, moved to the next working morning (Monday–Saturday from 07:30) when it
        falls outside the district's day, unless that is past now. Draws the same numbers
        whatever the hour, so the rest of the demo does not depend on when it is loaded."""
        moment, extra = self.later(at, low, high), self.rng.randint(0, 90)
        wall = local(moment)
        if wall.weekday() < 6 and WORKDAY[0] <= wall.time() < WORKDAY[1]:
            return moment
        day = wall.date() + timedelta(days=wall.time() >= WORKDAY[1])
        day += timedelta(days=day.weekday() == 6)
        start = datetime.combine(day, WORKDAY[0], LOCAL_TZ) + timedelta(minutes=extra)
        return self.at(start.astimezone(timezone.utc)) if start < self.now else moment

    @contextmanager
    def running(self):
        """Stamp the rows added to the session meanwhile with the story's moment."""
        session = db.session()
        sa.event.listen(session, "transient_to_pending", self)
        try:
            yield self
        finally:
            sa.event.remove(session, "transient_to_pending", self)
            self.moment = None
