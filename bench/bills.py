"""Month-end bill notices: `flask bills import` of a 1,000,000-row bills file, then the same
file again (nothing new), on a database of its own (`cskh_bench_bills`).

    .venv/bin/python bench/bills.py [--rows 1000000] [--bad-rows 500] [--json out.json]

Target: queue 1 million bill notices in ≤ 60 s on PostgreSQL. The database is recreated,
migrated to every head, and given `--rows` customers, last month's bills for all of them and
the same month last year as readings (so every notice carries both comparisons), with COPY.
Then the real command runs in a fresh process; the import phase (read, check, write bills)
and the queueing phase (one `notifications` row per bill) are timed apart, and the rate of
each is printed. Nothing is sent: no dispatcher runs, no Redis is used.
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
from common import copy_customers, load_note, make_app, write_json
from dataset import migrate, recreate_database

URL = "postgresql+psycopg://postgres@127.0.0.1/cskh_bench_bills"
PERIOD, LAST_MONTH, LAST_YEAR = "2026-10", "2026-09", "2025-10"
SEED = 20261031


def recreate_and_migrate() -> str:
    """A fresh database at the newest migration (the same steps as `dataset.py`)."""
    recreate_database(URL)
    return migrate(URL)


def prepare(rows: int, bad_rows: int, csv_path: Path) -> dict:
    """Customers, September's bills and last October's readings by COPY; October's CSV."""
    rng, bad_every = random.Random(SEED), max(rows // max(bad_rows, 1), 1)
    engine = sa.create_engine(URL)
    bad = 0
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor:
            copy_customers(cursor, rows, "2020-01-01T00:00:00Z")
            with cursor.copy("COPY bills (customer_id, period, kwh, amount, due_on, "
                             "created_at) FROM STDIN") as copy:
                for n in range(1, rows + 1):
                    copy.write_row((n, LAST_MONTH, 200, 450_000, "2026-10-25",
                                    "2026-10-01T00:00:00Z"))
            with cursor.copy("COPY readings (customer_id, period, kwh, is_flagged) "
                             "FROM STDIN") as copy:
                for n in range(1, rows + 1):
                    copy.write_row((n, LAST_YEAR, 180, False))
        conn.exec_driver_sql("SELECT setval('customers_id_seq', %s)" % rows)
        conn.exec_driver_sql("ANALYZE customers; ANALYZE bills; ANALYZE readings")
    engine.dispose()
    with csv_path.open("w", encoding="utf-8") as out:
        out.write("ma_kh,ky,kwh,so_tien,han_thanh_toan\n")
        for n in range(1, rows + 1):
            kwh = rng.randint(50, 900)
            if bad < bad_rows and n % bad_every == 0:
                out.write(f"PC99ZZ{n:07d},{PERIOD},{kwh},{kwh * 2500},25/11/2026\n")
                bad += 1
                continue
            amount = f"{kwh * 2500:,}".replace(",", ".")          # 1.234.567, as bills write it
            out.write(f"PC05AA{n:07d},{PERIOD},{kwh},{amount},25/11/2026\n")
    return {"rows": rows, "bad_rows": bad, "csv_bytes": csv_path.stat().st_size}


def run_import(csv_path: str) -> dict:
    """The real `flask bills import FILE.csv` in this (fresh) process, phases timed apart."""
    from crm.billing import bills

    app = make_app(URL)
    timings = {"queue": 0.0}
    real = bills.queue_bill_notices

    def timed(*args, **kw):
        start = time.perf_counter()
        try:
            return real(*args, **kw)
        finally:
            timings["queue"] = time.perf_counter() - start
    bills.queue_bill_notices = timed
    start = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["bills", "import", csv_path])
    seconds = time.perf_counter() - start
    if result.exit_code != 0:
        raise SystemExit(f"import failed: {result.output}\n{result.exception!r}")
    summary = json.loads(result.stdout)
    read = seconds - timings["queue"]
    queued = summary["queued"]
    return {"summary": {k: v for k, v in summary.items() if k != "errors"},
            "first_error": summary["errors"][:1], "seconds": round(seconds, 1),
            "import_seconds": round(read, 1), "rows_per_s": round(summary["rows"] / read),
            "queue_seconds": round(timings["queue"], 1),
            "notices_per_s": round(queued / timings["queue"]) if queued else None}


def in_child(fn, *args):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bad-rows", type=int, default=500)
    parser.add_argument("--json")
    args = parser.parse_args()
    print(f"bill notices bench on {sa.make_url(URL).database}; {load_note()}")
    print(f"  alembic revisions: {recreate_and_migrate()}")
    workdir = tempfile.TemporaryDirectory()
    csv_path = Path(workdir.name) / f"bills_{PERIOD}.csv"
    start = time.perf_counter()
    prepared = prepare(args.rows, args.bad_rows, csv_path)
    print(f"  customers, last month and last year loaded, CSV written "
          f"({prepared['csv_bytes']:,} bytes) in {time.perf_counter() - start:.1f} s")
    first = in_child(run_import, str(csv_path))
    second = in_child(run_import, str(csv_path))
    engine = sa.create_engine(URL)
    with engine.connect() as conn:
        notices = conn.scalar(sa.text("SELECT count(*) FROM notifications WHERE event = 'bill'"))
        with_both = conn.scalar(sa.text(
            "SELECT count(*) FROM notifications WHERE event = 'bill' "
            "AND context->>'kwh_ky_truoc' IS NOT NULL AND context->>'kwh_ky_nam_truoc' IS NOT NULL"))
    workdir.cleanup()
    report = {"prepared": prepared, "first": first, "second": second,
              "notices": notices, "notices_with_both_comparisons": with_both}
    for name in ("first", "second"):
        run = report[name]
        print(f"  {name} run: {run['summary']}  total {run['seconds']} s; import "
              f"{run['import_seconds']} s ({run['rows_per_s']:,} rows/s); queue "
              f"{run['queue_seconds']} s ({run['notices_per_s'] or 0:,} notices/s)")
    print(f"  notices in the outbox: {notices:,} ({with_both:,} with last month and last year)")
    target = first["queue_seconds"] <= 60 * max(args.rows, 1) / 1_000_000
    print(f"  target (1 M notices queued in ≤ 60 s, pro rata): {'met' if target else 'MISSED'}")
    write_json(args.json, report)


if __name__ == "__main__":
    main()
