"""SLA benchmark on PostgreSQL: 1,000,000 open tickets, the full recompute of their due times,
a sweep marking 100,000 new breaches, and a steady-state sweep.

    .venv/bin/python bench/sla.py [--tickets 1000000] [--keep] [--reuse] [--no-readme]

Creates (and afterwards drops, unless --keep) the `cskh_bench_sla` database on the server of
BENCH_SLA_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1/cskh_bench_sla),
migrates it with the app's own migrations, generates the data set-based (INSERT … SELECT
generate_series), runs the application's own code (`clock.recompute_open`, `sweep`), prints
the figures and writes them into bench/README_sla.md with the machine facts.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:      # `python bench/sla.py` puts bench/, not the root, on the path
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

URL = os.environ.get("BENCH_SLA_DATABASE_URL",
                     "postgresql+psycopg://postgres@127.0.0.1/cskh_bench_sla")
TZ_NAME = "Asia/Ho_Chi_Minh"
#: A Monday morning: tickets arrived during the 6 days before it, and the sweeps measured
#: run at the first deadlines after it.
T0 = datetime.fromisoformat("2026-12-14T10:00:00+07:00")
DISTRICTS, WARDS_PER_DISTRICT, STAFF_PER_DISTRICT, CUSTOMERS = 200, 10, 10, 200_000
README = Path(__file__).with_name("README_sla.md")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--breaches", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept database as loaded")
    parser.add_argument("--no-readme", action="store_true", help="print only")
    parser.add_argument("--load-only", action="store_true", help="load, keep, measure nothing")
    args = parser.parse_args()

    if not args.reuse:
        recreate_database(URL)
    app = make_app(URL)
    figures: dict[str, str] = {}
    try:
        with app.app_context():
            from crm.extensions import db
            if not args.reuse:
                from flask_migrate import upgrade
                upgrade()
                step(figures, "load: data set", lambda: generate(db, args.tickets))
            if args.load_only:
                return
            run(db, figures, args.breaches)
    finally:
        with app.app_context():
            from crm.extensions import db
            db.engine.dispose()
        if not (args.keep or args.load_only):
            drop_database(URL)
    facts = machine_facts()
    print("\n" + "\n".join(f"  {k}: {v}" for k, v in facts.items()))
    if not args.no_readme:
        write_readme(figures, facts, args)


# --- database -------------------------------------------------------------------------------


def _server(url: str):
    target = sa.make_url(url)
    return target, sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")


def recreate_database(url: str) -> None:
    target, admin = _server(url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    admin.dispose()


def drop_database(url: str) -> None:
    target, admin = _server(url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
    admin.dispose()


def make_app(url: str):
    from crm import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RUN_PERIODIC_THREAD": False,
                      "REDIS_URL": None, "SERVER_NAME": None, "CHANNELS": {}})
    app.extensions.pop("cskh_redis", None)
    return app


# --- data -----------------------------------------------------------------------------------

#: (share in %, type, subtype): the mix of open work at a district office.
MIX = [(10, "outage", None), (20, "inquiry", None), (15, "new_connection", "low_voltage"),
       (5, "new_connection", "medium_voltage"), (15, "contract_change", "renew"),
       (15, "meter_inspection", "check"), (10, "complaint", None), (10, "contract_change",
                                                                    "change_owner")]


def _mix_case(column: str) -> str:
    """CASE on `g % 100` choosing the type (column='type') or subtype of ticket g."""
    whens, upto = [], 0
    for share, type_, subtype in MIX:
        upto += share
        value = type_ if column == "type" else subtype
        whens.append(f"WHEN g % 100 < {upto} THEN {_sql(value)}")
    return "CASE " + " ".join(whens) + " END"


def _sql(value) -> str:
    return "NULL" if value is None else f"'{value}'"


def generate(db, tickets: int) -> None:
    """Organisation, staff, customers and `tickets` open tickets with clocks, set-based."""
    sql = [
        "DROP INDEX IF EXISTS ix_tickets_search",      # full-text search plays no part here
        "INSERT INTO companies (code, name, created_at, updated_at) "
        "VALUES ('PB', 'Công ty Điện lực Bench', now(), now())",
        f"INSERT INTO districts (id, company_id, code, name, created_at, updated_at) "
        f"SELECT d, 1, 'PB' || lpad(d::text, 4, '0'), 'Điện lực ' || d, now(), now() "
        f"FROM generate_series(1, {DISTRICTS}) d",
        f"INSERT INTO wards (id, code, name, area_type, district_id, created_at, updated_at) "
        f"SELECT w, 'WB' || lpad(w::text, 6, '0'), 'Phường ' || w, "
        f"CASE WHEN w % 10 < 6 THEN 'urban' ELSE 'rural' END, "
        f"1 + (w - 1) / {WARDS_PER_DISTRICT}, now(), now() "
        f"FROM generate_series(1, {DISTRICTS * WARDS_PER_DISTRICT}) w",
        # per district: its head first, then its staff; then supervisors and agents
        f"INSERT INTO users (id, username, full_name, password_hash, role, district_id, "
        f"is_district_head, is_active_account, presence, capacity, created_at, updated_at) "
        f"SELECT u, 'nv' || u, 'Nhân viên ' || u, 'x', 'district_staff', "
        f"1 + (u - 1) / {STAFF_PER_DISTRICT + 1}, (u - 1) % {STAFF_PER_DISTRICT + 1} = 0, true, "
        f"'available', 20, now(), now() "
        f"FROM generate_series(1, {DISTRICTS * (STAFF_PER_DISTRICT + 1)}) u",
        "SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))",
        f"INSERT INTO users (username, full_name, password_hash, role, is_district_head, "
        f"is_active_account, presence, capacity, created_at, updated_at) "
        f"SELECT 'gs' || s, 'Giám sát ' || s, 'x', CASE WHEN s <= 5 THEN 'supervisor' "
        f"ELSE 'agent' END, false, true, 'available', 20, now(), now() "
        f"FROM generate_series(1, 25) s",
        f"INSERT INTO customers (id, code, name, ward_id, is_provisional, created_at, updated_at) "
        f"SELECT c, 'PB' || lpad(c::text, 11, '0'), 'Khách hàng ' || c, "
        f"1 + c % {DISTRICTS * WARDS_PER_DISTRICT}, false, now(), now() "
        f"FROM generate_series(1, {CUSTOMERS}) c",
        _tickets_sql(tickets),
        # every ticket was received; 5 % then waited for the customer, half of them resumed
        "INSERT INTO ticket_status_changes (ticket_id, status, at) "
        "SELECT id, 'new', created_at FROM tickets",
        "INSERT INTO ticket_status_changes (ticket_id, status, at) "
        "SELECT id, 'pending_customer', created_at + interval '2 hours' FROM tickets "
        "WHERE id % 20 = 0",
        "INSERT INTO ticket_status_changes (ticket_id, status, at) "
        "SELECT id, 'open', created_at + interval '26 hours' FROM tickets "
        "WHERE id % 20 = 0 AND id % 40 <> 0",
        # clocks started with their policy (as creating a ticket does) but no due time yet:
        # the first recompute writes every row
        "INSERT INTO ticket_sla (ticket_id, started_at, policy_id, policy_key, clock, "
        "budget_seconds, warn_percent, is_paused, escalation_level) "
        "SELECT t.id, t.created_at, p.id, left(p.name, 64), p.clock, p.duration_minutes * 60, "
        "p.warn_percent, t.status = 'pending_customer', 0 "
        "FROM tickets t JOIN wards w ON w.id = t.ward_id CROSS JOIN LATERAL ("
        "  SELECT * FROM sla_policies p WHERE p.is_active AND p.type = t.type"
        "  AND (p.subtype IS NULL OR p.subtype = t.subtype)"
        "  AND (p.area_type IS NULL OR p.area_type = w.area_type)"
        "  ORDER BY p.priority, p.id LIMIT 1) p",
        *(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))"
          for t in ("districts", "wards", "customers", "tickets")),
        "ANALYZE",
    ]
    for statement in sql:
        db.session.execute(sa.text(statement))
    db.session.commit()


def _tickets_sql(tickets: int) -> str:
    wards = DISTRICTS * WARDS_PER_DISTRICT
    return f"""
        INSERT INTO tickets (id, code, type, subtype, status, step, priority, channel, subject,
                             customer_id, district_id, ward_id, assignee_id, details,
                             created_at, updated_at)
        SELECT g, 'YB' || lpad(g::text, 9, '0'), {_mix_case('type')}, {_mix_case('subtype')},
               CASE WHEN g % 40 = 0 THEN 'pending_customer' WHEN g % 3 = 0 THEN 'open'
                    ELSE 'new' END,
               'received', 'normal', 'hotline', 'Yêu cầu số ' || g, 1 + g % {CUSTOMERS},
               1 + (w - 1) / {WARDS_PER_DISTRICT}, w,
               CASE WHEN g % 5 < 3 THEN ((w - 1) / {WARDS_PER_DISTRICT}) * {STAFF_PER_DISTRICT + 1}
                                         + 2 + g % {STAFF_PER_DISTRICT} END,
               '{{}}'::jsonb, at, at
        FROM generate_series(1, {tickets}) g
        CROSS JOIN LATERAL (SELECT (1 + (g::bigint * 7919) % {wards})::int AS w,
               timestamptz '{T0.isoformat()}' - (g * 7 % 518400) * interval '1 second'
               - (g % 997) * interval '1 millisecond' AS at) x"""


# --- the measurements -----------------------------------------------------------------------


def step(figures: dict, name: str, fn):
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    figures[name] = f"{seconds:.3f} s"
    print(f"  {name}: {seconds:.3f} s{'' if result is None else f'  {result}'}", flush=True)
    return result


def run(db, figures: dict, breaches: int) -> None:
    from workflows.sla import clock, recompute, store, sweep

    open_count = db.session.scalar(sa.text("SELECT count(*) FROM tickets"))
    figures["open tickets"] = f"{open_count:,}"
    first = step(figures, "(a) full recompute: the first due time of every clock "
                          "(clock.recompute_open)", lambda: _commit(db, clock.recompute_open()))
    figures["(a) tickets recomputed"] = f"{first:,}"
    _vacuum(db)
    store.set_office_hours([("07:30", "11:30"), ("13:30", "17:30")])
    moved = step(figures, "(a2) full recompute after an office-hours change "
                          "(every business deadline moves)",
                 lambda: _commit(db, recompute.recompute_open()))
    figures["(a2) tickets computed in SQL / by clock.apply / clock rows written"] = _split(moved)
    _vacuum(db)
    same = step(figures, "(a3) full recompute, nothing changes",
                lambda: _commit(db, recompute.recompute_open()))
    figures["(a3) tickets computed in SQL / by clock.apply / clock rows written"] = _split(same)
    day_off = (T0 + timedelta(days=2)).date()
    store.set_day(day_off, "day_off", "Nghỉ đột xuất (bench)")
    off = step(figures, f"(a4) full recompute after a day off on {day_off:%d/%m/%Y}",
               lambda: _commit(db, recompute.recompute_open()))
    figures["(a4) tickets computed in SQL / by clock.apply / clock rows written"] = _split(off)
    _vacuum(db)

    start, t1 = _window(db, breaches)
    step(figures, f"setup: the sweeps' work up to {_local(start)} (set-based, not timed in "
                  "the targets)", lambda: _history_until(db, start))
    _warn_until(db, t1)
    _timed_sweep(db, figures, "(b) sweep with the new breaches", t1)
    _timed_sweep(db, figures, "(c) minute job one second later, nothing new",
                 t1 + timedelta(seconds=1), supervisor=False)
    _timed_sweep(db, figures, "(c2) minute job one minute later",
                 t1 + timedelta(minutes=1), supervisor=False)
    _timed_sweep(db, figures, "(c3) five-minute job (all levels) five minutes later",
                 t1 + timedelta(minutes=5))


def _split(result) -> str:
    return f"{result.set_based:,} / {result.python:,} / {result.changed:,}"


def _local(moment: datetime) -> str:
    from crm.core.timefmt import iso
    return iso(moment)


def _commit(db, result):
    db.session.commit()
    return result


HISTORY = [
    # what the sweeps of the days before T0 did: warnings, breaches and the supervisor level
    # marked at the instant each fell due, with their escalations (alerts are left out)
    """UPDATE ticket_sla SET warned_at = CASE WHEN warn_at <= :t THEN warn_at END,
           breached_at = CASE WHEN due_at <= :t THEN due_at END,
           escalation_level = CASE
               WHEN due_at + make_interval(secs => budget_seconds * :pct / 100.0) <= :t THEN 3
               WHEN due_at <= :t THEN 2 WHEN warn_at <= :t THEN 1 ELSE 0 END
       WHERE stopped_at IS NULL AND NOT is_paused AND warn_at <= :t""",
    """INSERT INTO sla_escalations (ticket_id, level, at)
       SELECT ticket_id, 'warning', warned_at FROM ticket_sla
       WHERE warned_at IS NOT NULL AND (breached_at IS NULL OR breached_at > warned_at)
       UNION ALL SELECT ticket_id, 'breach', breached_at FROM ticket_sla
       WHERE breached_at IS NOT NULL
       UNION ALL SELECT ticket_id, 'supervisor',
              due_at + make_interval(secs => budget_seconds * :pct / 100.0)
       FROM ticket_sla WHERE escalation_level = 3""",
]


def _history_until(db, t: datetime) -> str:
    from crm.core import settings

    pct = int(settings.get("sla_supervisor_after_percent"))
    for sql in HISTORY:
        db.session.execute(sa.text(sql), {"t": t, "pct": pct})
    db.session.commit()
    _vacuum(db)
    counts = db.session.execute(sa.text(
        "SELECT level, count(*) FROM sla_escalations GROUP BY level ORDER BY level")).all()
    return ", ".join(f"{level}: {n:,}" for level, n in counts)


def _window(db, breaches: int) -> tuple[datetime, datetime]:
    """(start, T1): `breaches` running clocks fall due in (start, T1], with T1 after T0.

    Deadlines bunch at the ends of office slots (every ticket received at night is due at
    a slot's end), so the window ends at a deadline and starts where it holds the number
    wanted, or holds just the bunch when that alone is larger."""
    due = ("FROM ticket_sla WHERE breached_at IS NULL AND stopped_at IS NULL"
           " AND NOT is_paused AND due_at IS NOT NULL")
    t1 = db.session.scalar(sa.text(
        f"SELECT due_at {due} AND due_at > :t0 ORDER BY due_at OFFSET :n LIMIT 1"),
        {"t0": T0, "n": breaches - 1})
    start = db.session.scalar(sa.text(
        f"SELECT due_at {due} AND due_at <= :t1 ORDER BY due_at DESC OFFSET :n LIMIT 1"),
        {"t1": t1, "n": breaches})
    if start >= t1:         # the bunch at T1 alone holds more than wanted: the bunch it is
        start = db.session.scalar(sa.text(f"SELECT max(due_at) {due} AND due_at < :t1"),
                                  {"t1": t1})
    return start, t1


def _warn_until(db, t1: datetime) -> None:
    """Warnings up to T1 marked beforehand, as the sweeps of the minutes before would have."""
    db.session.execute(sa.text(
        "UPDATE ticket_sla SET warned_at = warn_at,"
        " escalation_level = greatest(escalation_level, 1) "
        "WHERE warn_at <= :t1 AND warned_at IS NULL AND stopped_at IS NULL AND NOT is_paused"),
        {"t1": t1})
    db.session.commit()
    _vacuum(db)


def _vacuum(db) -> None:
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE ticket_sla")
        conn.exec_driver_sql("VACUUM ANALYZE sla_escalations")
        conn.exec_driver_sql("VACUUM ANALYZE staff_alerts")


def _timed_sweep(db, figures: dict, label: str, now: datetime, supervisor: bool = True) -> None:
    """One sweep with its parts timed apart: warnings and breaches (the minute job), the
    supervisor level (the five-minute job), escalations + alerts, commit."""
    from workflows.sla import sweep
    from workflows.sla.store import load_calendar

    start = time.perf_counter()
    sweep._create_marks()
    warned, breached = sweep.mark_due(now)
    marked = time.perf_counter()
    supervised = sweep.mark_supervisor(now) if supervisor else 0
    supervisor_done = time.perf_counter()
    alerts = sweep.escalate(now, sweep.alert_visible_from(load_calendar(), now))
    sweep._drop_marks()
    escalated = time.perf_counter()
    db.session.commit()
    done = time.perf_counter()
    counts = dict(warned=warned, breached=breached, escalated_supervisor=supervised,
                  alerts=alerts)
    ms = lambda a, b: f"{(b - a) * 1000:.0f} ms"    # noqa: E731
    figures[f"{label}: counts"] = str(counts)
    figures[f"{label}: marking warnings + breaches (2 UPDATEs)"] = ms(start, marked)
    if supervisor:
        figures[f"{label}: supervisor level (1 UPDATE)"] = ms(marked, supervisor_done)
    figures[f"{label}: escalations + alerts (2 INSERT … SELECT)"] = ms(supervisor_done, escalated)
    figures[f"{label}: whole sweep incl. commit"] = ms(start, done)
    print(f"  {label} at {_local(now)}: {counts}; marking {ms(start, marked)}, supervisor "
          f"{ms(marked, supervisor_done)}, escalations + alerts {ms(supervisor_done, escalated)},"
          f" total {ms(start, done)}", flush=True)


# --- report ---------------------------------------------------------------------------------


def machine_facts() -> dict[str, str]:
    facts = {"python": platform.python_version(), "cpus": str(os.cpu_count())}
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        model = next(line.split(":", 1)[1].strip() for line in lines
                     if line.startswith("model name"))
        facts["cpu"] = model
        kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
        facts["memory"] = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    target, admin = _server(URL)
    with admin.connect() as conn:
        facts["postgresql"] = conn.exec_driver_sql("SHOW server_version").scalar()
        for name in ("shared_buffers", "work_mem", "max_wal_size", "synchronous_commit",
                     "max_parallel_workers_per_gather"):
            facts[name] = conn.exec_driver_sql(f"SHOW {name}").scalar()
    admin.dispose()
    return facts


def write_readme(figures: dict, facts: dict, args) -> None:
    text = README.read_text() if README.exists() else ""
    head = text.split(RESULTS_MARK)[0] if text else DEFAULT_HEAD
    lines = [RESULTS_MARK, "",
             f"Run of `python bench/sla.py --tickets {args.tickets} --breaches {args.breaches}` "
             f"on {datetime.now().astimezone():%d/%m/%Y %H:%M %z}.", "",
             "| measurement | result |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in figures.items()]
    lines += ["", "Machine:", ""] + [f"- {k}: {v}" for k, v in facts.items()] + [""]
    README.write_text(head + "\n".join(lines))
    print(f"\nfigures written to {README}")


RESULTS_MARK = "## Results"
DEFAULT_HEAD = "# SLA benchmark\n\n"


if __name__ == "__main__":
    main()
