"""Notification dispatch rate: the outbox drained to a local fake SMS gateway.

    .venv/bin/python bench/dispatch.py [--rows 20000] [--batch 200] [--json out.json]

Target: ≥ 1,000 notices per second handed to the provider and recorded as sent, on
PostgreSQL, one dispatcher process. The database (`cskh_bench_dispatch`) is recreated and
migrated to every head, then given `--rows` customers with a phone and one due notice each
(COPY). A fake gateway (the `channels.sms_gateway` MT contract, answering at once) runs in
its own process on loopback; the real dispatcher (`crm.notifications.dispatch.drain`) runs
batch after batch until nothing is due, through the real SMS adapter. The rate printed is
notices sent per second of wall time; the gateway's own count is checked against it
(every notice once, none twice).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import common  # noqa: F401  (puts the project root on sys.path)
import sqlalchemy as sa
from common import load_note, make_app, write_json
from dataset import migrate, recreate_database

URL = "postgresql+psycopg://postgres@127.0.0.1/cskh_bench_dispatch"
PORT = 18765


def recreate_and_migrate() -> str:
    """A fresh database at the newest migration (the same steps as `dataset.py`)."""
    recreate_database(URL)
    return migrate(URL)


def prepare(rows: int) -> None:
    """Customers with a phone and one due, urgent notice each, by COPY."""
    engine = sa.create_engine(URL)
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor:
            with cursor.copy("COPY customers (id, code, name, is_provisional, created_at, "
                             "updated_at) FROM STDIN") as copy:
                for n in range(1, rows + 1):
                    copy.write_row((n, f"PC05AA{n:07d}", f"Khách hàng {n}", False,
                                    "2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z"))
            with cursor.copy("COPY contact_points (customer_id, kind, value, created_at, "
                             "updated_at) FROM STDIN") as copy:
                for n in range(1, rows + 1):
                    copy.write_row((n, "phone", f"+8490{n:07d}", "2026-11-01T00:00:00Z",
                                    "2026-11-01T00:00:00Z"))
            with cursor.copy("COPY notifications (key, customer_id, event, context, urgent, "
                             "status, tried, attempts, next_attempt_at, created_at) "
                             "FROM STDIN") as copy:
                for n in range(1, rows + 1):
                    text = f"EVN: tien dien T10/2026 cua KH PC05AA{n:07d} la 456.789 d."
                    copy.write_row((f"bench:{n}", n, "bill", json.dumps({"text": text}), True,
                                    "queued", "[]", 0, "2026-11-01T00:00:00Z",
                                    "2026-11-01T00:00:00Z"))
        conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('customers', 'id'), "
                             f"{rows})")
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def serve_gateway(port: int, counts) -> None:
    """The fake gateway: answers every MT at once, counts requests and distinct client_refs."""
    seen: set[str] = set()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.add(payload["client_ref"])
            counts[0] += 1
            counts[1] = len(seen)
            body = json.dumps({"id": str(counts[0]), "status": "accepted"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        request_queue_size = 128             # a burst of connections is not refused
        daemon_threads = True

    Server(("127.0.0.1", port), Handler).serve_forever()


def drain_all(batch: int) -> int:
    """One dispatcher process: batch after batch until nothing is due; notices handled."""
    from crm.extensions import db
    from crm.notifications import dispatch

    app = make_app(URL, CHANNELS={"SMS_GATEWAY_URL": f"http://127.0.0.1:{PORT}/mt",
                                  "SMS_GATEWAY_TOKEN": "bench", "SMS_GATEWAY_SECRET": "bench"})
    handled = 0
    with app.app_context():
        while True:
            n = dispatch.drain(limit=batch)
            if n == 0:
                break
            handled += n
        db.session.remove()
    return handled


def run(batch: int, workers: int) -> tuple[int, float, dict]:
    """`workers` dispatcher processes side by side (FOR UPDATE SKIP LOCKED keeps them apart)."""
    from crm.extensions import db
    from crm.models import Notification

    started = time.perf_counter()
    if workers == 1:
        handled = drain_all(batch)
    else:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            handled = sum(pool.map(drain_all, [batch] * workers))
    elapsed = time.perf_counter() - started
    app = make_app(URL)
    with app.app_context():
        statuses = dict(db.session.execute(sa.select(Notification.status, sa.func.count())
                                           .group_by(Notification.status)).all())
        db.session.remove()
    return handled, elapsed, {str(k): v for k, v in statuses.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1, help="dispatcher processes")
    parser.add_argument("--json")
    args = parser.parse_args()
    print(load_note())
    recreate_and_migrate()
    prepare(args.rows)
    counts = multiprocessing.Array("l", 2)
    server = multiprocessing.Process(target=serve_gateway, args=(PORT, counts), daemon=True)
    server.start()
    time.sleep(0.5)
    try:
        handled, elapsed, statuses = run(args.batch, args.workers)
    finally:
        server.terminate()
    rate = handled / elapsed if elapsed else 0.0
    print(f"dispatched {handled:,} notices in {elapsed:.2f} s: {rate:,.0f} per second "
          f"(target ≥ 1,000), batches of {args.batch}, {args.workers} dispatcher process(es)")
    print(f"gateway: {counts[0]:,} requests, {counts[1]:,} distinct notices; "
          f"statuses after: {statuses}")
    write_json(args.json, {"rows": args.rows, "batch": args.batch, "workers": args.workers,
                           "handled": handled,
                           "seconds": round(elapsed, 3), "per_second": round(rate, 1),
                           "gateway_requests": counts[0], "gateway_distinct": counts[1],
                           "statuses": statuses})


if __name__ == "__main__":
    main()
