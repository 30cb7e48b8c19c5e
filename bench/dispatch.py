"""Notification dispatch rate: the outbox drained to a local fake SMS gateway.

    .venv/bin/python bench/dispatch.py [--rows 20000] [--batch 200] [--workers 1]
                                       [--gateway asyncio|threading] [--latency-ms 0]
                                       [--json out.json]

Target: ≥ 1,000 notices per second handed to the provider and recorded as sent, on
PostgreSQL. The database (`cskh_bench_dispatch`) is recreated and migrated to every head,
then given `--rows` customers with a phone, last month's bill SMS each (so `messages` is not
empty, as in production) and one due bill notice each (COPY), with the context the bill
import writes (`crm.billing.bills._queue_batch`), so every notice is rendered through the
`bill` template as in production. A fake gateway (the `channels.sms_gateway` MT contract,
answering at once or after `--latency-ms`, a repeated `client_ref` with its first answer)
runs in its own process on loopback; the real dispatch job
(`crm.notifications.dispatch.drain_job`, without its 50 s budget) runs in `--workers`
processes until nothing is due, through the real SMS adapter, with no per-provider rate
limit (the bench measures the dispatcher, not a provider's contract). The rate printed is
notices recorded as sent per second of wall time; the gateway's own counts are checked
against it (every notice once, none twice).

`--gateway threading` is the first fake (`http.server.ThreadingHTTPServer`: a thread per
connection, the standard library's header parsing): kept to reproduce the first figures.
The default fake is one asyncio process speaking keep-alive HTTP/1.1 with TCP_NODELAY.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import socket
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import common  # noqa: F401  (puts the project root on sys.path)
import sqlalchemy as sa
from common import copy_customers, load_note, make_app, write_json
from dataset import migrate, recreate_database

URL = "postgresql+psycopg://postgres@127.0.0.1/cskh_bench_dispatch"
PORT = 18765
#: When last month's bill SMS were sent (the history `prepare` loads).
HISTORY_AT = datetime(2026, 10, 1, 2, 0, tzinfo=timezone.utc)


def recreate_and_migrate() -> str:
    """A fresh database at the newest migration (the same steps as `dataset.py`)."""
    recreate_database(URL)
    return migrate(URL)


def bill_context(n: int) -> dict:
    """What `bills._queue_batch` writes for customer n: this month, last month, last year."""
    kwh = 120 + n % 400
    return {"ma_khach_hang": f"PC05AA{n:07d}", "ten_khach_hang": f"Khách hàng {n}",
            "ky": "10/2026", "kwh": kwh, "so_tien": kwh * 2_870, "han_thanh_toan": "2026-11-15",
            "ky_truoc": "09/2026", "kwh_ky_truoc": kwh - 7, "so_tien_ky_truoc": (kwh - 7) * 2_870,
            "ky_nam_truoc": "10/2025", "kwh_ky_nam_truoc": kwh + 12,
            "so_tien_ky_nam_truoc": (kwh + 12) * 2_740}


def prepare(rows: int) -> None:
    """Customers with a phone, last month's bill SMS on their timeline and one due bill
    notice each, by COPY.

    The earlier messages make `messages` what it is in production, not empty: on an empty,
    freshly analysed table PostgreSQL plans the foreign-key check of `notifications.
    message_id` (cached for the connection's life) as a sequential scan, and every notice
    then scans all the messages sent before it (sending 100,000 slowed from ~450 to ~250
    per second).
    """
    engine = sa.create_engine(URL)
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor:
            copy_customers(cursor, rows, "2026-11-01T00:00:00Z")
            with cursor.copy("COPY contact_points (customer_id, kind, value, created_at, "
                             "updated_at) FROM STDIN") as copy:
                for n in range(1, rows + 1):
                    copy.write_row((n, "phone", f"+8490{n:07d}", "2026-11-01T00:00:00Z",
                                    "2026-11-01T00:00:00Z"))
            with cursor.copy("COPY notifications (key, customer_id, event, context, urgent, "
                             "status, tried, attempts, next_attempt_at, created_at) "
                             "FROM STDIN") as copy:
                for n in range(1, rows + 1):
                    copy.write_row((f"bill:{n}:2026-10", n, "bill",
                                    json.dumps(bill_context(n), ensure_ascii=False), False,
                                    "queued", "[]", 0, "2026-11-01T00:00:00Z",
                                    "2026-11-01T00:00:00Z"))
            with cursor.copy("COPY messages (customer_id, channel, direction, address, body, "
                             "status, meta, created_at, sent_at, provider_message_id) "
                             "FROM STDIN") as copy:
                for n in range(1, rows + 1):
                    copy.write_row((n, "sms", "outbound", f"+8490{n:07d}",
                                    f"Tien dien ky 09/2026 KH PC05AA{n:07d}: 401.800 d.",
                                    "delivered", '{"event": "bill", "adapter": "sms_gateway"}',
                                    HISTORY_AT, HISTORY_AT + timedelta(seconds=1),
                                    f"gw-mt-sep-{n}"))
        conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('customers', 'id'), "
                             f"{rows})")
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def serve_gateway(port: int, counts, kind: str = "asyncio", latency: float = 0.0) -> None:
    """The fake gateway: answers every MT (a repeated client_ref with its first id) after
    `latency` seconds, counting requests and distinct client_refs in `counts`."""
    if kind == "threading":
        _serve_threading(port, counts, latency)
    else:
        asyncio.run(_serve_asyncio(port, counts, latency))


async def _serve_asyncio(port: int, counts, latency: float) -> None:
    """One event loop, keep-alive HTTP/1.1, TCP_NODELAY; just enough HTTP for the contract."""
    ids: dict[str, int] = {}

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                ref = json.loads(await reader.readexactly(length))["client_ref"]
                counts[0] += 1
                if ref not in ids:
                    ids[ref] = len(ids) + 1
                    counts[1] = len(ids)
                body = json.dumps({"id": str(ids[ref]), "status": "accepted"}).encode()
                if latency:
                    await asyncio.sleep(latency)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                if b"connection: close" in head.lower():
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(connection, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


def _serve_threading(port: int, counts, latency: float) -> None:
    """The first fake: the standard library's threading HTTP server."""
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
            if latency:
                time.sleep(latency)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        request_queue_size = 128             # a burst of connections is not refused
        daemon_threads = True

    Server(("127.0.0.1", port), Handler).serve_forever()


def drain_all(batch: int) -> tuple[int, float, float]:
    """One dispatcher process: the drain job until nothing is due.

    Returns the notices it handled and when (wall clock) it started and stopped draining,
    so the app's start-up is not counted.
    """
    from crm.extensions import db
    from crm.notifications import dispatch

    app = make_app(URL, CHANNELS={"SMS_GATEWAY_URL": f"http://127.0.0.1:{PORT}/mt",
                                  "SMS_GATEWAY_TOKEN": "bench", "SMS_GATEWAY_SECRET": "bench"})
    with app.app_context():
        started = time.time()
        handled = dispatch.drain_job(batch=batch, budget=float("inf"))
        stopped = time.time()
        db.session.remove()
    return handled, started, stopped


def run(batch: int, workers: int) -> tuple[int, float, dict, int]:
    """`workers` dispatcher processes side by side (FOR UPDATE SKIP LOCKED keeps them apart).

    Returns notices handled, seconds from the first start to the last stop, the notices by
    status afterwards and the number of messages the run wrote.
    """
    from crm.core import settings
    from crm.extensions import db
    from crm.models import Message, Notification

    app = make_app(URL)
    with app.app_context():
        settings.put("notification_rate_limits", {})     # measure the dispatcher, not a limit
        db.session.commit()
    if workers == 1:
        results = [drain_all(batch)]
    else:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            results = pool.map(drain_all, [batch] * workers)
    handled = sum(r[0] for r in results)
    elapsed = max(r[2] for r in results) - min(r[1] for r in results)
    with app.app_context():
        statuses = dict(db.session.execute(sa.select(Notification.status, sa.func.count())
                                           .group_by(Notification.status)).all())
        messages = db.session.scalar(sa.select(sa.func.count()).select_from(Message)
                                     .where(Message.created_at > HISTORY_AT))
        db.session.remove()
    return handled, elapsed, {str(k): v for k, v in statuses.items()}, messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1, help="dispatcher processes")
    parser.add_argument("--gateway", choices=("asyncio", "threading"), default="asyncio",
                        help="the fake gateway (threading: the first, slower one)")
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="the fake gateway answers after this long (a real provider's delay)")
    parser.add_argument("--json")
    args = parser.parse_args()
    print(load_note())
    recreate_and_migrate()
    prepare(args.rows)
    counts = multiprocessing.Array("l", 2)
    server = multiprocessing.Process(
        target=serve_gateway, args=(PORT, counts, args.gateway, args.latency_ms / 1000),
        daemon=True)
    server.start()
    time.sleep(0.5)
    try:
        handled, elapsed, statuses, messages = run(args.batch, args.workers)
    finally:
        server.terminate()
    sent = statuses.get("sent", 0)
    rate = sent / elapsed if elapsed else 0.0
    print(f"sent {sent:,} notices in {elapsed:.2f} s: {rate:,.0f} per second "
          f"(target ≥ 1,000), batches of {args.batch}, {args.workers} dispatcher process(es), "
          f"{args.gateway} gateway answering after {args.latency_ms:g} ms")
    print(f"gateway: {counts[0]:,} requests, {counts[1]:,} distinct notices; "
          f"statuses after: {statuses}; {messages:,} messages")
    once = sent == counts[0] == counts[1] == messages == args.rows
    print("every notice sent once: " + ("yes" if once else "NO"))
    write_json(args.json, {"rows": args.rows, "batch": args.batch, "workers": args.workers,
                           "gateway": args.gateway, "latency_ms": args.latency_ms,
                           "handled": handled, "sent": sent, "messages": messages,
                           "every_notice_once": once,
                           "seconds": round(elapsed, 3), "per_second": round(rate, 1),
                           "gateway_requests": counts[0], "gateway_distinct": counts[1],
                           "statuses": statuses})


if __name__ == "__main__":
    main()
