"""Inbound message ingest on the bench database through `crm.inbox.ingest.ingest`, one
transaction per message as a webhook does it, then a count that proves zero duplicates.

    .venv/bin/python bench/ingest.py [--messages 20000] [--processes 1] [--json out.json]
    .venv/bin/python bench/ingest.py --processes 4     # four apps at once, same stream
    .venv/bin/python bench/ingest.py --profile 500     # statements and cProfile per message

The stream is SMS (known and unknown phones) and Zalo (known and unknown user ids); 20 % of
deliveries repeat an earlier provider id, some of them right after the original, so with
several processes the twins arrive at the same moment in different processes.
"""
from __future__ import annotations

import argparse
import multiprocessing
import random
import time
from datetime import datetime, timezone

import common  # noqa: F401  (puts the project root on sys.path)
import sqlalchemy as sa
from common import BENCH_URL, load_note, make_app, print_table, summary, write_json
from vocab import MESSAGES_IN, phone_of, zalo_of

UNKNOWN_PHONES = 3000      # a pool, so unknown senders write more than once
UNKNOWN_ZALO = 2000


def build_stream(n: int, customers: int, run: str, seed: int,
                 redeliver: float = 0.2) -> list[tuple]:
    """(channel, external_id, kind, address, text) tuples, deterministic for a seed."""
    rng, stream, originals = random.Random(seed), [], []
    for i in range(n):
        if originals and rng.random() < redeliver:
            # a quarter of the repeats follow their original at once: concurrent twins
            stream.append(originals[-1] if rng.random() < 0.25 else rng.choice(originals))
            continue
        if rng.random() < 0.6:
            known = rng.random() < 0.7
            address = phone_of(rng.randint(1, customers)) if known else \
                f"+8439{rng.randrange(UNKNOWN_PHONES) * 3331 % 10_000_000:07d}"
            item = ("sms", f"SM{run}{i:07d}", "phone", address)
        else:
            known = rng.random() < 0.5
            address = zalo_of(5 * rng.randint(1, customers // 5)) if known else \
                f"77{rng.randrange(UNKNOWN_ZALO):017d}"
            item = ("zalo", f"zl{run}{i:07d}", "zalo", address)
        item += (rng.choice(MESSAGES_IN),)
        originals.append(item)
        stream.append(item)
    return stream


def run_worker(args: tuple) -> dict:
    """Ingest a slice of the stream in its own app; one commit per message."""
    url, items = args
    from channels.base import ContactRef, InboundMessage
    from crm.extensions import db
    from crm.inbox.ingest import ingest

    app = make_app(url)
    samples, duplicates, errors = [], 0, []
    start_all = time.perf_counter()
    with app.app_context():
        for channel, external_id, kind, address, text in items:
            inbound = InboundMessage(channel=channel, external_id=external_id,
                                     sender=ContactRef(kind=kind, address=address),
                                     received_at=datetime.now(timezone.utc), text=text)
            start = time.perf_counter()
            try:
                ctx = ingest(inbound)
                db.session.commit()
                duplicates += ctx.duplicate
            except Exception as exc:          # counted and shown: the point is to see them
                db.session.rollback()
                errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
            samples.append((time.perf_counter() - start) * 1000)
            db.session.remove()
        db.engine.dispose()
    return {"samples": samples, "duplicates": duplicates, "errors": errors,
            "seconds": time.perf_counter() - start_all}


def verify(url: str, run: str, stream: list[tuple]) -> dict:
    """Messages stored for this run against distinct provider ids sent."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        stored, distinct = conn.execute(sa.text(
            "SELECT count(*), count(DISTINCT (channel, provider_message_id)) FROM messages "
            "WHERE provider_message_id IN (SELECT unnest(CAST(:ids AS text[])))"),
            {"ids": sorted({item[1] for item in stream})}).one()
    engine.dispose()
    return {"sent": len(stream), "distinct_ids": len({(i[0], i[1]) for i in stream}),
            "stored": stored, "stored_distinct": distinct}


def run(url: str, n: int, processes: int, seed: int) -> dict:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        customers = conn.execute(sa.text("SELECT count(*) FROM customers "
                                         "WHERE NOT is_provisional")).scalar()
    engine.dispose()
    tag = f"{int(time.time()) % 100_000_000:08d}"
    stream = build_stream(n, customers, tag, seed)
    slices = [(url, stream[p::processes]) for p in range(processes)]
    start = time.perf_counter()
    if processes == 1:
        results = [run_worker(slices[0])]
    else:
        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            results = pool.map(run_worker, slices)
    wall = time.perf_counter() - start
    busy = max(r["seconds"] for r in results)
    samples = [ms for r in results for ms in r["samples"]]
    counts = verify(url, tag, stream)
    return {"processes": processes, "messages": n, "wall_s": wall, "busy_s": busy,
            "rate": n / busy, "latency": summary(samples),
            "duplicates_seen": sum(r["duplicates"] for r in results),
            "errors": [e for r in results for e in r["errors"]], **counts}


def _statement_kind(sql: str) -> str:
    """"SELECT … FROM tickets", "INSERT INTO audit_log", "SAVEPOINT": what a statement does."""
    words = sql.split()
    verb = words[0].upper()
    if verb in ("INSERT", "DELETE"):
        return f"{verb} {words[2]}"
    if verb == "UPDATE":
        return f"UPDATE {words[1]}"
    if verb in ("SELECT", "WITH"):
        upper = [w.upper() for w in words]
        table = words[upper.index("FROM") + 1] if "FROM" in upper else "-"
        return f"SELECT … FROM {table.strip('()')}"
    return verb


def profile(url: str, n: int, seed: int) -> None:
    """One message at a time, as `run_worker` does: statements per message by kind and
    outcome (opened a ticket, joined a thread, duplicate), time in SQL, and cProfile."""
    import cProfile
    import pstats
    from collections import Counter

    from channels.base import ContactRef, InboundMessage
    from crm.extensions import db
    from crm.inbox.ingest import ingest

    app = make_app(url)
    with app.app_context():
        customers = db.session.scalar(sa.text("SELECT count(*) FROM customers "
                                              "WHERE NOT is_provisional"))
        db.session.remove()
        stream = build_stream(n, customers, f"P{int(time.time()) % 10_000_000:07d}", seed)
        current, sql_seconds = Counter(), [0.0]

        def before(conn, cursor, statement, parameters, context, executemany):
            current[_statement_kind(statement)] += 1
            conn.info["bench_t0"] = time.perf_counter()

        def after(conn, cursor, statement, parameters, context, executemany):
            sql_seconds[0] += time.perf_counter() - conn.info.pop("bench_t0")
        sa.event.listen(db.engine, "before_cursor_execute", before)
        sa.event.listen(db.engine, "after_cursor_execute", after)
        by_outcome: dict[str, list[Counter]] = {}
        profiler, start = cProfile.Profile(), time.perf_counter()
        for channel, external_id, kind, address, text in stream:
            inbound = InboundMessage(channel=channel, external_id=external_id,
                                     sender=ContactRef(kind=kind, address=address),
                                     received_at=datetime.now(timezone.utc), text=text)
            current.clear()
            profiler.enable()
            ctx = ingest(inbound)
            opened = ctx.ticket is not None and ctx.ticket in db.session.new
            db.session.commit()
            profiler.disable()
            outcome = ("duplicate" if ctx.duplicate else "opened a ticket" if opened
                       else "joined a thread" if ctx.ticket is not None else "no ticket")
            by_outcome.setdefault(outcome, []).append(Counter(current))
            db.session.remove()
        wall = time.perf_counter() - start
    print(f"\n{n} messages in {wall:.1f} s ({n / wall:.0f} msg/s, one process); "
          f"{sql_seconds[0]:.1f} s of it waiting on SQL statements "
          f"({100 * sql_seconds[0] / wall:.0f} %)")
    for outcome, counters in sorted(by_outcome.items(), key=lambda kv: -len(kv[1])):
        total = sum(counters, Counter())
        print(f"\n{outcome}: {len(counters)} messages, "
              f"{sum(total.values()) / len(counters):.1f} statements each")
        for kind, count in total.most_common():
            print(f"  {count / len(counters):5.2f}  {kind}")
    stats = pstats.Stats(profiler).strip_dirs()
    print("\ncProfile, by cumulative time (ingest + commit only):")
    stats.sort_stats("cumulative").print_stats(45)
    print("cProfile, by own time:")
    stats.sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--processes", type=int, nargs="+", default=[1],
                        help="one run per value, e.g. --processes 1 4")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--profile", type=int, metavar="N",
                        help="instead: ingest N messages counting statements per message and "
                             "under cProfile")
    parser.add_argument("--url", default=BENCH_URL)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    print(load_note(), "at the start")
    if args.profile:
        profile(args.url, args.profile, args.seed)
        return
    outcomes = []
    for processes in args.processes:
        print(f"\ningesting {args.messages:,} messages with {processes} process(es) ...")
        out = run(args.url, args.messages, processes, args.seed)
        outcomes.append(out)
        print_table(f"crm.inbox.ingest.ingest + commit, {processes} process(es)",
                    [("per message", out["latency"])])
        ok = out["stored"] == out["stored_distinct"] == out["distinct_ids"]
        print(f"  throughput {out['rate']:.0f} msg/s ({out['busy_s']:.1f} s busy, "
              f"{out['wall_s']:.1f} s wall incl. process start)")
        print(f"  sent {out['sent']:,} deliveries of {out['distinct_ids']:,} provider ids; "
              f"stored {out['stored']:,} messages ({out['stored_distinct']:,} distinct); "
              f"ingest reported {out['duplicates_seen']:,} duplicates; "
              f"{len(out['errors'])} errors -> {'ZERO duplicates' if ok else 'MISMATCH'}")
        for error in sorted(set(out["errors"]))[:5]:
            print("   ", error)
    write_json(args.json, {"runs": outcomes})


if __name__ == "__main__":
    main()
