"""Inbound message ingest on the bench database through `crm.inbox.ingest.ingest`, one
transaction per message as a webhook does it, then a count that proves zero duplicates.

    .venv/bin/python bench/ingest.py [--messages 20000] [--processes 1] [--json out.json]
    .venv/bin/python bench/ingest.py --processes 4     # four apps at once, same stream

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


def union_thread_lookup() -> None:
    """Time a proposal: `find_thread` with "their tickets" as a UNION of two indexed look-ups.

    The application's `customer_id = X OR id IN (ticket_parties …)` cannot use the customer
    index, so PostgreSQL walks every ticket touched in the last 7 days (20–50 ms at 2 M
    tickets) for each message from a sender without a recent thread.
    """
    from crm.inbox import ingest as module
    from crm.models import OPEN_STATUSES, Channel, Ticket, TicketParty, utcnow

    def find_thread(ctx) -> None:
        mine = Ticket.id.in_(sa.union_all(
            sa.select(Ticket.id).where(Ticket.customer_id == ctx.customer.id),
            sa.select(TicketParty.ticket_id).where(TicketParty.customer_id == ctx.customer.id)))
        hint = " ".join(filter(None, (ctx.inbound.thread_hint, ctx.inbound.subject)))
        if match := module.TICKET_CODE.search(hint):
            quoted = module.db.session.scalar(sa.select(Ticket).where(
                Ticket.code == match.group(0).upper(), mine))
            ctx.ticket = module._follow_merges(quoted)
        if ctx.ticket is None:
            ctx.ticket = module.db.session.scalar(
                sa.select(Ticket).where(mine, Ticket.channel == Channel(ctx.inbound.channel),
                                        Ticket.status.in_(OPEN_STATUSES),
                                        Ticket.updated_at >= utcnow() - module.THREAD_WINDOW)
                .order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(1))
    module.STEPS[module.STEPS.index(module.find_thread)] = find_thread


def run_worker(args: tuple) -> dict:
    """Ingest a slice of the stream in its own app; one commit per message."""
    url, items, proposal = args
    from channels.base import ContactRef, InboundMessage
    from crm.extensions import db
    from crm.inbox.ingest import ingest

    app = make_app(url)
    if proposal:
        union_thread_lookup()
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


def run(url: str, n: int, processes: int, seed: int, proposal: bool = False) -> dict:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        customers = conn.execute(sa.text("SELECT count(*) FROM customers "
                                         "WHERE NOT is_provisional")).scalar()
    engine.dispose()
    tag = f"{int(time.time()) % 100_000_000:08d}"
    stream = build_stream(n, customers, tag, seed)
    slices = [(url, stream[p::processes], proposal) for p in range(processes)]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--processes", type=int, nargs="+", default=[1],
                        help="one run per value, e.g. --processes 1 4")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--proposal", action="store_true",
                        help="time find_thread with a UNION look-up (see union_thread_lookup)")
    parser.add_argument("--url", default=BENCH_URL)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    print(load_note(), "at the start")
    outcomes = []
    for processes in args.processes:
        print(f"\ningesting {args.messages:,} messages with {processes} process(es) ...")
        out = run(args.url, args.messages, processes, args.seed, args.proposal)
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
