"""The SLA sweep: mark warnings and breaches, escalate once per level, alert the right staff.

Everything is set-based (a handful of statements per sweep whatever the number of tickets)
and runs in the caller's transaction; the job and the command commit.

1. `mark_due`: two UPDATEs on the narrow `ticket_sla` table, each driven by a partial index
   (`ix_ticket_sla_warn`, `ix_ticket_sla_due`), stamp `warned_at` / `breached_at` and raise
   `escalation_level`; `mark_supervisor` does the same for the supervisor level. The ids
   they touch go to a temporary table `sla_sweep_marks`.
2. `escalate`: one INSERT … ON CONFLICT DO NOTHING into `sla_escalations` (unique per ticket
   and level, so a level happens once per ticket even when a moved deadline breaches again),
   then one INSERT … SELECT of the staff alerts for the escalations that are new.

Levels and who hears of them:
- warning (≥ warn_percent of the time used): the assignee, or the district's staff when the
  ticket is unassigned. Not raised for a ticket that breaches in the same sweep.
- breach (due time passed): the district head(s) and the assignee.
- supervisor (breached and still open after a further `sla_supervisor_after_percent` % of the
  budget): every active supervisor. The threshold is `due_at + budget × pct / 100` counted in
  calendar time for both clocks, so for a business-hours policy it comes earlier than the same
  share of business time would (50 % of a 3-working-day budget: 12 h after the due time, not
  1.5 working days): an approximation that keeps the test set-based and errs towards telling.
  It reads every breached clock (no index covers them), so the periodic jobs run it every
  five minutes, the rest every minute (jobs.py); `flask sla sweep` does all levels.

Staff are alerted in office hours only: outside them an alert's `visible_from` is the next
office-hour start, except for outages, which are visible at once.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from crm.core import settings
from crm.core.db import dialect
from crm.extensions import db
from crm.models import (EscalationLevel, Role, SlaEscalation, StaffAlert, Ticket, TicketSla,
                        User, utcnow)
from crm.models.base import UTCDateTime
from workflows.sla.calendar import WorkCalendar
from workflows.sla.store import load_calendar

SLA = TicketSla.__table__
#: Ticket types whose alerts ignore office hours (customers without power cannot wait).
URGENT_TYPES = ("outage",)
#: The ticket ids marked by this sweep, per level; `escalate` is whether to escalate.
MARKS = sa.Table("sla_sweep_marks", sa.MetaData(),
                 sa.Column("ticket_id", sa.Integer, nullable=False),
                 sa.Column("level", sa.String(16), nullable=False),
                 sa.Column("escalate", sa.Boolean, nullable=False),
                 prefixes=["TEMPORARY"])
#: SQLAlchemy reports an INSERT's row count only when asked to.
COUNTED = {"preserve_rowcount": True}
LEVEL_RANK = {EscalationLevel.WARNING: 1, EscalationLevel.BREACH: 2,
              EscalationLevel.SUPERVISOR: 3}


@dataclass(frozen=True)
class SweepResult:
    warned: int
    breached: int
    escalated_supervisor: int
    alerts: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def sweep(now: datetime | None = None, *, supervisor: bool = True) -> SweepResult:
    """One pass as of `now`: warnings, breaches (and, unless `supervisor` is False, the
    supervisor level), their escalations and alerts. Idempotent; flushes, never commits."""
    now = now or utcnow()
    db.session.flush()
    _create_marks()
    warned, breached = mark_due(now)
    supervised = mark_supervisor(now) if supervisor else 0
    alerts = escalate(now, alert_visible_from(load_calendar(), now))
    _drop_marks()
    _expire_clocks()
    return SweepResult(warned, breached, supervised, alerts)


# --- 1. marking -----------------------------------------------------------------------------


def mark_due(now: datetime) -> tuple[int, int]:
    """Stamp the clocks newly past their warn and due times; (warned, breached)."""
    now_p = sa.bindparam("now", now, type_=UTCDateTime)
    running = (SLA.c.stopped_at.is_(None), SLA.c.is_paused.is_(False))
    with _index_scans():
        warned = _mark_level(
            EscalationLevel.WARNING,
            (SLA.c.warn_at <= now_p, SLA.c.warned_at.is_(None), *running),
            {"warned_at": now_p}, escalate_if=SLA.c.due_at > now_p)
        breached = _mark_level(
            EscalationLevel.BREACH,
            (SLA.c.due_at <= now_p, SLA.c.breached_at.is_(None), *running),
            {"breached_at": now_p, "warned_at": sa.func.coalesce(SLA.c.warned_at, now_p)})
    return warned, breached


def mark_supervisor(now: datetime) -> int:
    """Stamp the breached clocks still running a further share of their budget later.

    No index covers breached clocks, so this reads the whole clock table: the periodic job
    runs it every few minutes rather than every minute (see jobs.py).
    """
    now_p = sa.bindparam("now", now, type_=UTCDateTime)
    return _mark_level(
        EscalationLevel.SUPERVISOR,
        (SLA.c.breached_at.is_not(None), SLA.c.due_at <= now_p, SLA.c.stopped_at.is_(None),
         SLA.c.is_paused.is_(False),
         SLA.c.escalation_level < LEVEL_RANK[EscalationLevel.SUPERVISOR],
         _supervisor_due(now_p, int(settings.get("sla_supervisor_after_percent")))), {})


@contextmanager
def _index_scans():
    """PostgreSQL: read the partial indexes (ix_ticket_sla_warn, ix_ticket_sla_due).

    The planner multiplies the selectivities of `warn_at <= now` and `warned_at IS NULL` as if
    they were independent and expects a large share of the table, so it would read all of it;
    in fact the rows past their time are (almost) all marked already, and the index holds
    only the unmarked ones. A plain index scan (not a bitmap scan) also flags the entries of
    rows marked by earlier sweeps as dead, so the next sweep skips them before VACUUM runs.
    """
    planner = ("enable_seqscan", "enable_bitmapscan") if dialect() == "postgresql" else ()
    for name in planner:
        db.session.execute(sa.text(f"SET LOCAL {name} = off"))
    yield       # on an error the transaction rolls back, and SET LOCAL with it
    for name in planner:
        db.session.execute(sa.text(f"RESET {name}"))


def _mark_level(level: EscalationLevel, where, values: dict, escalate_if=sa.true()) -> int:
    """UPDATE the matching clocks and remember their ids in MARKS; the number updated."""
    rank = sa.literal(LEVEL_RANK[level])
    values = {**values, "escalation_level": _greatest(SLA.c.escalation_level, rank)}
    update = (sa.update(SLA).where(*where).values(**values)
              .returning(SLA.c.ticket_id, escalate_if.label("escalate")))
    if dialect() == "postgresql":
        marked = update.cte("marked")
        return db.session.execute(sa.insert(MARKS).from_select(
            ["ticket_id", "level", "escalate"],
            sa.select(marked.c.ticket_id, sa.literal(str(level)), marked.c.escalate)),
            execution_options=COUNTED).rowcount
    rows = db.session.execute(update).all()
    if rows:
        db.session.execute(sa.insert(MARKS), [
            {"ticket_id": ticket_id, "level": str(level), "escalate": bool(flag)}
            for ticket_id, flag in rows])
    return len(rows)


def _greatest(a, b):
    return sa.func.greatest(a, b) if dialect() == "postgresql" else sa.func.max(a, b)


def _supervisor_due(now_p, percent: int):
    """WHERE clause: a further `percent` % of the budget has passed since the due time."""
    if dialect() == "postgresql":
        return sa.text("ticket_sla.due_at + make_interval(secs => ticket_sla.budget_seconds"
                       " * :pct / 100.0) <= :now").bindparams(now_p, pct=percent)
    return sa.text("CAST(strftime('%s', ticket_sla.due_at) AS INTEGER)"
                   " + ticket_sla.budget_seconds * :pct / 100.0 <= :now_epoch").bindparams(
        pct=percent, now_epoch=now_p.value.timestamp())


# --- 2. escalations and alerts --------------------------------------------------------------


def escalate(now: datetime, held_until: datetime) -> int:
    """Record the marked escalations once per ticket and level; alert the recipients of the new.

    Non-urgent alerts become visible at `held_until` (now in office hours, else the next
    office-hour start). Returns the number of alerts written.
    """
    now_p = sa.bindparam("now", now, type_=UTCDateTime)
    if dialect() == "postgresql":       # a fresh temporary table has no statistics
        db.session.execute(sa.text("ANALYZE sla_sweep_marks"))
    db.session.execute(_insert_escalations(
        sa.select(MARKS.c.ticket_id, MARKS.c.level, now_p).where(MARKS.c.escalate)))
    # Keep only the escalations recorded just now: one that existed already (a moved deadline
    # breached again) has an earlier time and alerts nobody a second time.
    esc = SlaEscalation.__table__
    db.session.execute(sa.delete(MARKS).where(sa.or_(
        MARKS.c.escalate.is_(False),
        ~sa.exists().where(esc.c.ticket_id == MARKS.c.ticket_id, esc.c.level == MARKS.c.level,
                           esc.c.at == now_p))))
    return db.session.execute(_alerts_insert(now_p, held_until),
                              execution_options=COUNTED).rowcount


def _insert_escalations(select: sa.Select):
    """INSERT … SELECT … ON CONFLICT DO NOTHING (the SELECT has a WHERE, as SQLite needs)."""
    from sqlalchemy.dialects import postgresql, sqlite

    module = postgresql if dialect() == "postgresql" else sqlite
    return (module.insert(SlaEscalation.__table__).from_select(["ticket_id", "level", "at"], select)
            .on_conflict_do_nothing(index_elements=["ticket_id", "level"]))


def _recipients() -> sa.Subquery:
    """(user_id, ticket_id, level, code, type) for every new escalation left in MARKS.

    The four branches are disjoint (a head who is also the assignee is told as the assignee),
    so UNION ALL needs no de-duplicating sort.
    """
    t, u, m = Ticket.__table__, User.__table__, MARKS
    active = u.c.is_active_account.is_(True)
    base = sa.select(u.c.id.label("user_id"), m.c.ticket_id, m.c.level, t.c.code, t.c.type) \
        .select_from(m).join(t, t.c.id == m.c.ticket_id)
    warning, breach = str(EscalationLevel.WARNING), str(EscalationLevel.BREACH)
    assignee = base.join(u, u.c.id == t.c.assignee_id).where(
        active, m.c.level.in_([warning, breach]))
    district_staff = base.join(u, u.c.district_id == t.c.district_id).where(
        active, m.c.level == warning, t.c.assignee_id.is_(None),
        u.c.role == str(Role.DISTRICT_STAFF))
    heads = base.join(u, u.c.district_id == t.c.district_id).where(
        active, m.c.level == breach, u.c.is_district_head.is_(True),
        sa.or_(t.c.assignee_id.is_(None), u.c.id != t.c.assignee_id))
    supervisors = base.join(u, sa.true()).where(
        active, m.c.level == str(EscalationLevel.SUPERVISOR), u.c.role == str(Role.SUPERVISOR))
    return sa.union_all(assignee, district_staff, heads, supervisors).subquery("recipients")


def alert_sentence(level: str, code: str) -> str:
    """What an escalation alert says about ticket `code`, in the current language."""
    if level == EscalationLevel.WARNING:
        return _("Phiếu %(code)s sắp đến hạn xử lý", code=code)
    if level == EscalationLevel.BREACH:
        return _("Phiếu %(code)s đã quá hạn xử lý", code=code)
    return _("Phiếu %(code)s quá hạn kéo dài, cần giám sát can thiệp", code=code)


def _sentence(level: str) -> tuple[str, str]:
    """The alert's sentence before and after the code, translated whole (word order may vary)."""
    mark = "\x00"
    before, _mark, after = alert_sentence(level, mark).partition(mark)
    return before, after


def _alerts_insert(now_p, held_until: datetime):
    r = _recipients()
    held = sa.bindparam("held", held_until, type_=UTCDateTime)
    parts = {level: _sentence(str(level)) for level in EscalationLevel}
    before = sa.case(*((r.c.level == str(lv), sa.literal(p[0])) for lv, p in parts.items()))
    after = sa.case(*((r.c.level == str(lv), sa.literal(p[1])) for lv, p in parts.items()))
    select = sa.select(r.c.user_id, r.c.ticket_id, sa.literal("sla_") + r.c.level,
                       before + r.c.code + after, now_p,
                       sa.case((r.c.type.in_(URGENT_TYPES), now_p), else_=held))
    return sa.insert(StaffAlert.__table__).from_select(
        ["user_id", "ticket_id", "kind", "text", "created_at", "visible_from"], select)


# --- office hours ----------------------------------------------------------------------------


def alert_visible_from(calendar: WorkCalendar, now: datetime) -> datetime:
    """`now` inside office hours, else the next office-hour start (the first instant ≥ now)."""
    intervals = calendar.working_intervals(now, now + timedelta(days=366))
    return next((start for start, _end in intervals), now)


# --- the temporary table ---------------------------------------------------------------------


def _create_marks() -> None:
    if dialect() == "postgresql":
        db.session.execute(sa.text(
            "CREATE TEMPORARY TABLE IF NOT EXISTS sla_sweep_marks (ticket_id integer NOT NULL,"
            " level varchar(16) NOT NULL, escalate boolean NOT NULL) ON COMMIT DROP"))
    else:
        db.session.execute(sa.text(
            "CREATE TEMPORARY TABLE IF NOT EXISTS sla_sweep_marks (ticket_id INTEGER NOT NULL,"
            " level VARCHAR(16) NOT NULL, escalate BOOLEAN NOT NULL)"))
    db.session.execute(sa.delete(MARKS))


def _drop_marks() -> None:
    db.session.execute(sa.text("DROP TABLE IF EXISTS sla_sweep_marks"))


def _expire_clocks() -> None:
    """The UPDATEs bypassed the ORM: reload any clock this session already holds."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, TicketSla):
            db.session.expire(obj)
