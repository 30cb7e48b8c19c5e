"""Inbox latency on the bench database, through the app's own code: `crm.inbox.queries`
(ticket_page by activity and by due time, status_counts, changed_since) and whole `GET /`
requests (the inbox is the home page).

    .venv/bin/python bench/inbox.py [--iterations 200] [--no-http] [--json out.json]

Every sample starts with an empty session, as a request does. An OFFSET query on the same
ordering (plain SQL) is timed beside the keyset pages to show why the inbox pages by key.
"""
from __future__ import annotations

import argparse
import random
from datetime import timedelta
from types import SimpleNamespace

import common  # noqa: F401  (puts the project root on sys.path)
import sqlalchemy as sa
from common import (BENCH_URL, load_note, login_client, make_app, print_table, summary,
                    time_call, write_json)

OPEN = "('new', 'open', 'pending_customer', 'deferred')"
OFFSET_SQL = f"""SELECT id, code, subject, status, updated_at FROM tickets
    WHERE status IN {OPEN} {{district}} ORDER BY updated_at DESC, id DESC LIMIT 50 OFFSET :offset"""
KEYSET_SQL = f"""SELECT id, code, subject, status, updated_at FROM tickets
    WHERE status IN {OPEN} {{district}} AND (updated_at, id) < (:updated_at, :id)
    ORDER BY updated_at DESC, id DESC LIMIT 50"""


def cursor_at(page: int, district_id: int | None = None, open_only: bool = True) -> str | None:
    """The cursor that opens page `page` (1-based) of a list, found with one OFFSET query."""
    from crm.extensions import db
    from crm.inbox.queries import PAGE_SIZE, encode_cursor

    if page <= 1:
        return None
    where = [f"status IN {OPEN}"] if open_only else ["true"]
    if district_id:
        where.append(f"district_id = {int(district_id)}")
    row = db.session.execute(sa.text(
        f"SELECT updated_at, id FROM tickets WHERE {' AND '.join(where)} "
        "ORDER BY updated_at DESC, id DESC LIMIT 1 OFFSET :n"), {"n": (page - 1) * PAGE_SIZE - 1}
    ).one_or_none()
    if row is None:
        return None
    return encode_cursor(SimpleNamespace(updated_at=row.updated_at, id=row.id))


def _fresh():
    from crm.extensions import db
    db.session.remove()


def bench_queries(iterations: int, rng: random.Random) -> tuple[list, dict]:
    """Each query case through crm.inbox.queries; returns rows and cursors for the HTTP part."""
    from crm.extensions import db
    from crm.inbox.queries import SORT_DUE, Filters, changed_since, status_counts, ticket_page
    from crm.models import Role, User, utcnow

    users = db.session.scalars(sa.select(User)).all()
    agent = next(u for u in users if u.username == "bench_agent")
    staff = [u for u in users if u.role == Role.DISTRICT_STAFF]
    rows, keep = [], {}

    def case(name, fn, n=iterations):
        rows.append((name, summary(time_call(fn, n, between=_fresh))))

    case("(a) agent, all open, first page", lambda: ticket_page(agent, Filters()))
    rows.append(("(b) agent, all open, pages 1-100 by cursor (per page)",
                 summary(_walk(agent, Filters(), pages=100, walks=max(2, iterations // 100)))))
    deep = {n: cursor_at(n) for n in (100, 1000)}
    keep["agent_page100_cursor"] = deep[100]
    for n, cur in deep.items():
        case(f"    agent, all open, page {n:,} (keyset)", lambda c=cur: ticket_page(agent,
                                                                               Filters(), c))
    case("(c) district staff (random district), open, first page",
         lambda: ticket_page(rng.choice(staff), Filters()))
    case("    district staff, open, by due time (their default), page 1",
         lambda: ticket_page(rng.choice(staff), Filters(sort=SORT_DUE)))
    rows.append(("    district staff, by due time, pages 1-20 by cursor",
                 summary([ms for u in rng.sample(staff, max(2, iterations // 20))
                          for ms in _walk(u, Filters(sort=SORT_DUE), pages=20, walks=1)])))
    # a full sort of every open ticket: a few samples are enough to see its size
    case("    agent, all open, by due time, page 1 (few samples)",
         lambda: ticket_page(agent, Filters(sort=SORT_DUE)), n=max(5, iterations // 20))
    sample = rng.sample(staff, 20)
    deep_district = [(u, cursor_at(50, u.district_id, open_only=False)) for u in sample]
    case("    district staff, all statuses, page 50 by cursor",
         lambda: ticket_page(*_pick(rng, deep_district, Filters(status=None))))
    deep_open = [(u, cursor_at(30, u.district_id)) for u in sample]
    case("    district staff, open, page 30 by cursor",
         lambda: ticket_page(*_pick(rng, deep_open, Filters())))
    case("(d) status_counts, one district (district staff)",
         lambda: status_counts(rng.choice(staff), Filters()))
    case("    status_counts, all districts (agent; capped at 1000)",
         lambda: status_counts(agent, Filters()))
    touched = _touch_some(rng, 20)

    def since():
        return utcnow() - timedelta(seconds=10)
    case(f"(e) changed_since(last 10 s), agent ({touched} touched)",
         lambda: changed_since(agent, Filters(), since()))
    case("    changed_since(last 10 s), district staff",
         lambda: changed_since(rng.choice(staff), Filters(), since()))
    rows += _offset_rows(iterations, rng, sample)
    keep.update(agent="bench_agent", staff=sample[0].username)
    db.session.remove()
    return rows, keep


def _pick(rng, choices, filters):
    user, cursor = rng.choice(choices)
    return user, filters, cursor


def _walk(user, filters, pages: int, walks: int) -> list[float]:
    """Milliseconds per page while following next_cursor `pages` deep, `walks` times."""
    import time

    from crm.inbox.queries import ticket_page
    samples = []
    for _ in range(walks):
        cursor = None
        for _ in range(pages):
            start = time.perf_counter()
            page = ticket_page(user, filters, cursor)
            samples.append((time.perf_counter() - start) * 1000)
            _fresh()
            cursor = page.next_cursor
            if cursor is None:
                break
    return samples


def _touch_some(rng, n: int) -> int:
    """Give `n` open tickets new activity through the ticket service, as a live inbox sees."""
    from crm.extensions import db
    from crm.models import OPEN_STATUSES, Ticket
    from crm.tickets.services import touch

    top = db.session.scalar(sa.select(sa.func.max(Ticket.id)))
    ids = [rng.randint(1, top) for _ in range(n * 10)]
    tickets = db.session.scalars(sa.select(Ticket).where(Ticket.id.in_(ids),
                                                         Ticket.status.in_(OPEN_STATUSES))
                                 .limit(n)).all()
    for ticket in tickets:
        touch(ticket)
    db.session.commit()
    return len(tickets)


def _offset_rows(iterations: int, rng, sample) -> list:
    """Plain SQL: OFFSET vs keyset on the same ordering and filter, same pages."""
    from crm.extensions import db
    from crm.inbox.queries import decode_cursor

    def run(sql, params):
        return lambda: db.session.execute(sa.text(sql), params).all()

    rows = []
    for page in (100, 1000):
        updated_at, ticket_id = decode_cursor(cursor_at(page))
        offset = run(OFFSET_SQL.format(district=""), {"offset": (page - 1) * 50})
        keyset = run(KEYSET_SQL.format(district=""), {"updated_at": updated_at, "id": ticket_id})
        rows.append((f"SQL all open, page {page:,}: OFFSET {(page - 1) * 50:,}",
                     summary(time_call(offset, iterations, between=_fresh))))
        rows.append((f"SQL all open, page {page:,}: keyset",
                     summary(time_call(keyset, iterations, between=_fresh))))
    user = sample[0]
    district = f"AND district_id = {int(user.district_id)}"
    updated_at, ticket_id = decode_cursor(cursor_at(30, user.district_id))
    rows.append(("SQL one district open, page 30: OFFSET 1,450", summary(time_call(
        run(OFFSET_SQL.format(district=district), {"offset": 1450}), iterations,
        between=_fresh))))
    rows.append(("SQL one district open, page 30: keyset", summary(time_call(
        run(KEYSET_SQL.format(district=district), {"updated_at": updated_at, "id": ticket_id}),
        iterations, between=_fresh))))
    return rows


def bench_http(app, iterations: int, keep: dict) -> tuple[list, list[str]]:
    """Whole requests through the Flask test client (no network): routing, login, queries,
    template. Each request gets its own app context and session, as in production."""
    from crm.models import utcnow
    from crm.core.timefmt import iso

    notes, rows = [], []
    agent, staff = login_client(app, keep["agent"]), login_client(app, keep["staff"])
    if agent is None or staff is None:
        return rows, ["HTTP skipped: logging in through /login failed."]
    few = max(5, iterations // 20)
    cases = [("GET / (agent: all open by activity + status chips)", agent, lambda: "/"),
             ("GET /inbox?cursor=<page 100> (agent)", agent,
              lambda: f"/inbox?cursor={keep['agent_page100_cursor']}"),
             ("GET / (district staff: open, by due time)", staff, lambda: "/"),
             ("GET /?sort=activity (district staff)", staff, lambda: "/?sort=activity"),
             ("GET /?sort=due (agent; few samples)", agent, lambda: "/?sort=due", few),
             ("GET /inbox/changes?since=<10 s ago> (agent)", agent,
              lambda: "/inbox/changes?" + _query(since=iso(utcnow() - timedelta(seconds=10))))]
    for name, client, url, *n in cases:
        statuses = set()

        def get(client=client, url=url):
            response = client.get(url())
            statuses.add(response.status_code)
            response.close()
        rows.append((name, summary(time_call(get, n[0] if n else iterations))))
        if statuses != {200}:
            notes.append(f"{name}: status codes {sorted(statuses)}")
    return rows, notes


def _query(**params) -> str:
    from urllib.parse import urlencode
    return urlencode(params)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--url", default=BENCH_URL)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    print(load_note(), "at the start")
    measure(args)


def measure(args) -> None:
    app = make_app(args.url)
    rng = random.Random(args.seed)
    with app.app_context():
        from crm.extensions import db
        open_count = db.session.scalar(sa.text(f"SELECT count(*) FROM tickets "
                                               f"WHERE status IN {OPEN}"))
        total = db.session.scalar(sa.text("SELECT count(*) FROM tickets"))
        db.session.remove()
        print(f"tickets: {total:,}, open: {open_count:,}; {args.iterations} samples per case")
        rows, keep = bench_queries(args.iterations, rng)
    print_table("crm.inbox.queries (server-side, one Python process, 50 rows per page)", rows)
    http_rows, notes = ([], ["HTTP skipped (--no-http)."]) if args.no_http else \
        bench_http(app, args.iterations, keep)
    if http_rows:
        print_table("HTTP through the Flask test client (full request, template rendered)",
                    http_rows)
    for note in notes:
        print("  note:", note)
    write_json(args.json, {"tickets": total, "open": open_count, "queries": dict(rows),
                           "http": dict(http_rows), "notes": notes})


if __name__ == "__main__":
    main()
