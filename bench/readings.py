"""`flask readings import` on the bench database: a 1,000,000-row month of readings for the
customers of `cskh_bench`, imported twice through the real command (the second run must
change nothing and create nothing).

    .venv/bin/python bench/readings.py [--rows 1000000] [--abnormal-share 0.005]
                                       [--bad-rows 500] [--keep-state] [--json out.json]

Before the runs it applies the migrations the bench database lacks, removes what an
earlier run of this script left (the two bench periods' readings and their alerts; the
tickets those opened stay, so each run adds its own), loads the previous month for every
customer with COPY (the comparison base), and writes the CSV. Notices go to a private Redis
database (13) as they would in production, and are dropped afterwards: nothing is sent.
"""
from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import common  # noqa: F401  (puts the project root on sys.path)
import sqlalchemy as sa
from common import BENCH_URL, load_note, make_app, write_json

PERIOD, PREVIOUS = "2026-10", "2026-09"
REDIS_URL = "redis://127.0.0.1:6379/13"
SEED = 20261031


def migrate(app) -> str:
    """Bring the bench database to the newest revisions (a build older than 0007 lacks the
    consumption tables), as `dataset.py` does; returns the revisions it is at."""
    from flask_migrate import upgrade

    from crm.extensions import db
    with app.app_context():
        upgrade(revision="heads")
        at = db.session.scalars(sa.text("SELECT version_num FROM alembic_version")).all()
        db.session.remove()
        return ", ".join(sorted(at))


def reset(conn) -> None:
    """Forget the readings and alerts earlier runs wrote, so every run starts the same way.

    The tickets they opened stay (deleting tickets checks `merged_into_id`, which has no
    index, with a scan of every ticket per deleted row): each run adds its tickets.
    """
    conn.execute(sa.text("DELETE FROM consumption_alerts WHERE period IN (:p, :q)"),
                 {"p": PERIOD, "q": PREVIOUS})
    conn.execute(sa.text("DELETE FROM readings WHERE period IN (:p, :q)"),
                 {"p": PERIOD, "q": PREVIOUS})


def customers(conn, limit: int) -> list[tuple[int, str]]:
    return conn.execute(sa.text("SELECT id, code FROM customers WHERE code IS NOT NULL "
                                "ORDER BY id LIMIT :n"), {"n": limit}).all()


def month_pair(rng: random.Random, share: float) -> tuple[int, int]:
    """(September, October) kWh: ±20 % for most, 35–80 % up or down for `share` of them."""
    before = rng.randint(60, 600)
    if rng.random() < share:
        factor = rng.uniform(1.35, 1.8) if rng.random() < 0.7 else rng.uniform(0.2, 0.65)
    else:
        factor = rng.uniform(0.8, 1.2)
    return before, round(before * factor)


def prepare(conn, raw, people, args, csv_path: Path) -> dict:
    """Load September with COPY and write October's CSV (header, bad rows mixed in)."""
    rng, bad_every = random.Random(SEED), max(len(people) // max(args.bad_rows, 1), 1)
    expected_flagged, bad = 0, 0
    with raw.cursor() as cursor, csv_path.open("w", encoding="utf-8") as out, \
            cursor.copy("COPY readings (customer_id, period, kwh, read_on, is_flagged) "
                        "FROM STDIN") as copy:
        out.write("ma_kh,ky,kwh,ngay_ghi\n")
        for n, (customer_id, code) in enumerate(people):
            before, after = month_pair(rng, args.abnormal_share)
            copy.write_row((customer_id, PREVIOUS, before, "2026-09-30", False))
            if bad < args.bad_rows and n % bad_every == bad_every - 1:
                out.write(f"PC99ZZ{n:07d},{PERIOD},{after},31/10/2026\n")   # unknown customer
                bad += 1
                continue
            expected_flagged += abs(after - before) * 100 >= 30 * before
            out.write(f"{code},{PERIOD},{after},31/10/2026\n")
    return {"rows": len(people), "bad_rows": bad, "expected_flagged": expected_flagged,
            "csv_bytes": csv_path.stat().st_size}


def counts(conn) -> dict:
    return dict(conn.execute(sa.text("""
        SELECT 'readings', count(*) FROM readings UNION ALL
        SELECT 'alerts', count(*) FROM consumption_alerts UNION ALL
        SELECT 'tickets', count(*) FROM tickets UNION ALL
        SELECT 'messages', count(*) FROM messages""")).all())


def run_import(csv_path: str) -> dict:
    """The real `flask readings import FILE.csv` in a fresh process (so its peak memory is
    the import's own), timed; the rules and the tickets phase are timed apart."""
    from redis import Redis

    from crm.consumption import importer

    app = make_app(BENCH_URL, REDIS_URL=REDIS_URL)
    app.extensions["cskh_redis"] = Redis.from_url(REDIS_URL)   # notices queue as in production
    timings = {"rules": 0.0, "tickets": 0.0}

    def timed(name, fn):
        def wrapper(*args, **kw):
            start = time.perf_counter()
            try:
                return fn(*args, **kw)
            finally:
                timings[name] = time.perf_counter() - start
        return wrapper
    importer._apply_rules = timed("rules", importer._apply_rules)
    importer.tickets.open_pending = timed("tickets", importer.tickets.open_pending)
    start = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["readings", "import", csv_path])
    seconds = time.perf_counter() - start
    if result.exit_code != 0:
        raise SystemExit(f"import failed: {result.output}\n{result.exception!r}")
    summary = json.loads(result.stdout)
    rows, readings = summary["rows"], seconds - timings["tickets"]
    return {"summary": {k: v for k, v in summary.items() if k != "errors"},
            "errors_listed": len(summary["errors"]), "first_error": summary["errors"][:1],
            "seconds": round(seconds, 1), "rows_per_s": round(rows / seconds),
            "readings_seconds": round(readings, 1), "readings_rows_per_s": round(rows / readings),
            "read_and_load_seconds": round(readings - timings["rules"], 1),
            "rules_seconds": round(timings["rules"], 1),
            "tickets_seconds": round(timings["tickets"], 1),
            "tickets_per_s": round(summary["tickets"] / timings["tickets"], 1)
            if summary["tickets"] else None,
            "max_rss_mb": peak_rss_mb()}


def peak_rss_mb() -> int:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss it is not inherited from
    the parent across fork + exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return -1


def in_child(fn, *args):
    """Run `fn(*args)` in a new process and return its result."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--abnormal-share", type=float, default=0.005,
                        help="customers whose October moves 35-80 %% (default 0.5 %%)")
    parser.add_argument("--bad-rows", type=int, default=500, help="rows of unknown customers")
    parser.add_argument("--keep-state", action="store_true",
                        help="do not reset the bench periods first")
    parser.add_argument("--json")
    args = parser.parse_args()
    print(f"readings import bench on {sa.make_url(BENCH_URL).database}; {load_note()}")

    from redis import Redis
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    print(f"  alembic revisions: {migrate(make_app(BENCH_URL))}")
    engine = sa.create_engine(BENCH_URL)
    workdir = tempfile.TemporaryDirectory()
    csv_path = Path(workdir.name) / f"readings_{PERIOD}.csv"
    with engine.begin() as conn:
        if not args.keep_state:
            reset(conn)
        start = time.perf_counter()
        prepared = prepare(conn, conn.connection.driver_connection,
                           customers(conn, args.rows), args, csv_path)
        print(f"  September loaded and October CSV written ({prepared['csv_bytes']:,} bytes) "
              f"in {time.perf_counter() - start:.1f} s")
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE readings"))
        before = counts(conn)

    first = in_child(run_import, str(csv_path))
    with engine.connect() as conn:
        after_first = counts(conn)
    second = in_child(run_import, str(csv_path))
    with engine.connect() as conn:
        after_second = counts(conn)
    queued = sum(redis.llen(key) for key in redis.keys("rq:queue:*"))
    redis.flushdb()
    workdir.cleanup()

    report = {"prepared": prepared, "first": first, "second": second,
              "counts_before": before, "counts_after_first": after_first,
              "counts_after_second": after_second, "notices_queued": queued}
    _print(report)
    write_json(args.json, report)


def _print(report: dict) -> None:
    p = report["prepared"]
    print(f"\n  file: {p['rows']:,} rows ({p['bad_rows']} of unknown customers), "
          f"{p['expected_flagged']:,} expected ≥ 30 % changes")
    for name in ("first", "second"):
        r = report[name]
        s = r["summary"]
        print(f"\n  {name} run: {r['seconds']} s = {r['rows_per_s']:,} rows/s end to end")
        print(f"    readings phase {r['readings_seconds']} s = {r['readings_rows_per_s']:,} "
              f"rows/s (read + load {r['read_and_load_seconds']} s, rules "
              f"{r['rules_seconds']} s); tickets phase {r['tickets_seconds']} s"
              + (f" = {r['tickets_per_s']} tickets/s" if r["tickets_per_s"] else ""))
        print(f"    peak memory of the importing process: {r['max_rss_mb']} MB")
        print(f"    summary: {s}; errors listed {r['errors_listed']}, e.g. {r['first_error']}")
    print(f"\n  counts before: {report['counts_before']}")
    print(f"  after run 1:   {report['counts_after_first']}")
    print(f"  after run 2:   {report['counts_after_second']}"
          f"  (identical: {report['counts_after_first'] == report['counts_after_second']})")
    print(f"  notices queued in Redis: {report['notices_queued']:,}")


if __name__ == "__main__":
    main()
