"""Recompute every open ticket's clock on PostgreSQL in a few set-based statements.

`clock.recompute_open` hands over to this module on PostgreSQL. The results equal what
`clock.apply` gives ticket by ticket (tests/integration/test_sweep_recompute.py proves it on
random tickets with pauses, holidays and odd office hours); only a million tickets take
seconds instead of hours. The SQL is in `recompute_sql.py`.

How (all in the caller's transaction; the temporary tables drop at commit):
1. The policy is chosen once per distinct (type, subtype, area type, day received) of the open
   tickets, with the rules of `policies.find_policy` (active, matching or blank subtype and
   area, in force on the day, lowest priority then oldest id).
2. One pass gathers every open ticket's clock and policy (`sla_open`), and the pauses of
   those whose status history has any, rebuilt as `clock.pauses_for` does.
3. A working-day table (day, is_working, ord = working days before it) is built in Python
   from `store.load_calendar()` for the days the deadlines can reach.
4. One UPDATE writes the clocks whose values change: time outside the pauses, in office hours
   (business clocks) or around the clock (24/7), as `clock.due_times` counts it.
5. Open tickets without a clock row or without a policy go through `clock.apply`, which
   creates or removes their row.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from crm.extensions import db
from crm.models import OPEN_STATUSES, Ticket, TicketSla, utcnow
from crm.models.base import UTCDateTime
from workflows.sla import clock
from workflows.sla import recompute_sql as q
from workflows.sla.calendar import WorkCalendar
from workflows.sla.store import load_calendar

PAUSING = [str(s) for s in clock.PAUSING]
OPEN = [str(s) for s in OPEN_STATUSES]
NUL = "\x01"                        #: stands for NULL in the policy choice's join columns
TEMP_TABLES = ("sla_paused", "sla_policy_choice", "sla_open", "sla_rest", "sla_open_paused",
               "sla_pauses", "sla_workdays", "sla_working", "sla_paused_calc")


@dataclass(frozen=True)
class RecomputeResult:
    set_based: int          #: open tickets computed in SQL
    changed: int            #: clock rows written by the SQL (values that changed)
    python: int             #: open tickets handed to `clock.apply` (no clock row or policy)

    @property
    def total(self) -> int:
        return self.set_based + self.python


def recompute_open(now: datetime | None = None, batch_size: int = 2000) -> RecomputeResult:
    """Re-select the policy and recompute the due time of every open ticket. Flushes."""
    db.session.flush()
    calendar, now = load_calendar(), now or utcnow()
    tz = calendar.tz.key
    # Hash joins over a million rows stay in memory, and these one-off statements do not
    # pay for JIT compilation (seconds); SET LOCAL ends with this transaction. The planner
    # underestimates the four-column join to the policy choice (correlated columns) and would
    # pick nested loops over a million rows: the whole-table statements use hash joins only.
    for setting in ("work_mem = '64MB'", "jit = off", "enable_nestloop = off"):
        _execute(f"SET LOCAL {setting}")
    for sql in q.GATHER:
        _execute(sql, tz=tz, open=OPEN, pausing=PAUSING, nul=NUL)
    set_based, *bounds = _execute(q.BOUNDS, tz=tz).one()
    _build_workdays(calendar, *bounds)
    pieces = q.slot_sql(calendar)
    _execute("RESET enable_nestloop")     # the paused few: per-row lookups are right there
    _execute(q.paused_calc_sql(pieces), tz=tz)
    _execute("SET LOCAL enable_nestloop = off")
    changed, missed = _execute(q.UPDATE.format(**pieces), tz=tz, now=now).one()
    if missed:          # the working-day table did not reach a deadline: a bug, not data
        raise RuntimeError(f"{missed} deadlines fell outside the working-day table")
    _execute("RESET enable_nestloop")
    python = _apply_the_rest(calendar, now, batch_size)
    _execute(f"DROP TABLE IF EXISTS {', '.join(TEMP_TABLES)}")
    for obj in list(db.session.identity_map.values()):   # written behind the ORM's back
        if isinstance(obj, TicketSla):
            db.session.expire(obj)
    return RecomputeResult(set_based, changed, python)


def _execute(sql: str, **params):
    binds = [sa.bindparam("now", type_=UTCDateTime)] if "now" in params else []
    return db.session.execute(sa.text(sql).bindparams(*binds), params)


def _build_workdays(calendar: WorkCalendar, first: date | None, last: date | None,
                    budget: int | None) -> None:
    """sla_workdays(day, is_working, ord) and sla_working(ord, day) over the needed days."""
    days, flags, ords = workdays(calendar, first, last, budget or 0)
    _execute("""
        CREATE TEMPORARY TABLE sla_workdays ON COMMIT DROP AS
        SELECT * FROM unnest(CAST(:days AS date[]), CAST(:flags AS boolean[]),
                             CAST(:ords AS integer[])) AS d(day, is_working, ord)""",
             days=days, flags=flags, ords=ords)
    for sql in ("ALTER TABLE sla_workdays ADD PRIMARY KEY (day)",
                "CREATE TEMPORARY TABLE sla_working ON COMMIT DROP AS"
                " SELECT ord, day FROM sla_workdays WHERE is_working",
                "ALTER TABLE sla_working ADD PRIMARY KEY (ord)",
                "ANALYZE sla_workdays", "ANALYZE sla_working"):
        _execute(sql)


def workdays(calendar: WorkCalendar, first: date | None, last: date | None, budget: int):
    """(days, is_working, ord) from `first` until `budget` seconds of office time after `last`
    is surely covered; ord counts the working days before each day."""
    if first is None:
        return [], [], []
    day_length = calendar.office_hours.day_length.total_seconds()
    needed = int(budget // day_length) + 2          # working days after the last day
    days, flags, ords, count, after = [], [], [], 0, 0
    day = first
    while day <= last or after < needed:
        working = calendar.is_working_day(day)
        days.append(day)
        flags.append(working)
        ords.append(count)
        count += working
        after += working and day > last
        day += timedelta(days=1)
    return days, flags, ords


def _apply_the_rest(calendar: WorkCalendar, now: datetime, batch_size: int) -> int:
    """Open tickets without a clock row or a policy, through `clock.apply`; how many."""
    done, after = 0, 0
    while True:
        ids = db.session.scalars(sa.text(
            "SELECT ticket_id FROM sla_rest WHERE ticket_id > :after ORDER BY ticket_id"
            " LIMIT :limit"), {"after": after, "limit": batch_size}).all()
        if not ids:
            return done
        for ticket in db.session.scalars(
                sa.select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id)):
            clock.apply(ticket, calendar=calendar, now=now)   # creates or removes the row
        db.session.flush()
        done, after = done + len(ids), ids[-1]
