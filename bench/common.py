"""What every benchmark shares: the bench database URL, the app, timing and percentiles.

The benchmarks run the application's own code (queries, services, views) against the
`cskh_bench` PostgreSQL database that `bench/dataset.py` builds.
"""
from __future__ import annotations

import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:          # `python bench/x.py` puts bench/, not the root, on the path
    sys.path.insert(0, str(ROOT))

BENCH_URL = os.environ.get("BENCH_DATABASE_URL",
                           "postgresql+psycopg://postgres@127.0.0.1/cskh_bench")
#: The password every bench user has (hashed once, cheaply: logins are not what we measure).
BENCH_PASSWORD = "mat-khau-bench"


def make_app(url: str = BENCH_URL, **extra):
    """The real app on the bench database: no Redis, no periodic thread, no CSRF/rate limit."""
    from crm import create_app

    config = {"SQLALCHEMY_DATABASE_URI": url, "RUN_PERIODIC_THREAD": False, "REDIS_URL": None,
              "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
              "SERVER_NAME": None, "CHANNELS": {}}
    config.update(extra)
    app = create_app(config)
    app.extensions.pop("cskh_redis", None)
    # as wsgi.py does after start-up: what lives as long as the process leaves the GC's care
    gc.collect()
    gc.freeze()
    return app


def login_client(app, username: str):
    """A Flask test client logged in as `username` through /login, or None if that failed."""
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": BENCH_PASSWORD})
    return client if response.status_code in (302, 303) else None


def percentile(sorted_ms: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_ms:
        return float("nan")
    rank = max(1, min(len(sorted_ms), round(p / 100 * len(sorted_ms) + 0.5)))
    return sorted_ms[rank - 1]


def summary(samples_ms: list[float]) -> dict:
    data = sorted(samples_ms)
    return {"n": len(data), "p50": percentile(data, 50), "p95": percentile(data, 95),
            "p99": percentile(data, 99), "max": data[-1] if data else float("nan"),
            "mean": sum(data) / len(data) if data else float("nan")}


def time_call(fn: Callable, iterations: int, between: Callable | None = None,
              warmup: int = 5) -> list[float]:
    """Milliseconds of `fn()` per call; `between()` runs untimed after each call."""
    samples = []
    for i in range(warmup + iterations):
        start = time.perf_counter()
        fn()
        elapsed = (time.perf_counter() - start) * 1000
        if i >= warmup:
            samples.append(elapsed)
        if between:
            between()
    return samples


def print_table(title: str, rows: list[tuple[str, dict]], extra: str = "") -> None:
    print(f"\n{title}")
    print(f"  {'case':<58} {'n':>5} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}  (ms)")
    for name, s in rows:
        print(f"  {name:<58} {s['n']:>5} {s['p50']:>8.2f} {s['p95']:>8.2f} {s['p99']:>8.2f} "
              f"{s['max']:>8.2f}")
    if extra:
        print(extra)


def load_note() -> str:
    """The machine's load average: the box is shared, so every report says how busy it was."""
    one, five, fifteen = os.getloadavg()
    return (f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min) "
            f"on {os.cpu_count()} CPUs")


def write_json(path: str | None, payload: dict) -> None:
    payload = {**payload, "load_at_end": load_note()}
    print(f"\n{payload['load_at_end']} at the end")
    if path:
        Path(path).write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
        print(f"\nresults written to {path}")


class Stopwatch:
    """Prints how long each named step took: `with watch("tickets"): ...`."""

    def __init__(self):
        self.steps: list[tuple[str, float]] = []

    def __call__(self, name: str):
        watch = self

        class _Step:
            def __enter__(self):
                self.start = time.perf_counter()
                print(f"  {name} ...", end="", flush=True)

            def __exit__(self, *exc):
                seconds = time.perf_counter() - self.start
                watch.steps.append((name, seconds))
                print(f" {seconds:.1f} s", flush=True)
        return _Step()

    @property
    def total(self) -> float:
        return sum(s for _, s in self.steps)


class LastStatement:
    """Records the SQL and parameters of the statements run inside `with` (for EXPLAIN)."""

    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append((statement, parameters))

    def __enter__(self):
        import sqlalchemy as sa
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        import sqlalchemy as sa
        sa.event.remove(self.engine, "before_cursor_execute", self._record)


def explain(session, statement: str, parameters) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of one recorded statement, with its own parameters."""
    cursor = session.connection().connection.driver_connection.cursor()
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
    return "\n".join(row[0] for row in cursor.fetchall())


def copy_customers(cursor, rows: int, created_at: str) -> None:
    """COPY customers 1..rows (code PC05AA0000001 …), as the bill and dispatch benches load
    them; `cursor` is a psycopg cursor inside the caller's transaction."""
    with cursor.copy("COPY customers (id, code, name, is_provisional, created_at, "
                     "updated_at) FROM STDIN") as copy:
        for n in range(1, rows + 1):
            copy.write_row((n, f"PC05AA{n:07d}", f"Khách hàng {n}", False, created_at,
                            created_at))
