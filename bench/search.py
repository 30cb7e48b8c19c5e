"""Search latency on the bench database through `crm.customers.queries.search(user, q)`:
a fixed mix of codes, phones in many formats, names with and without accents, rare and very
common words and ticket codes, for an agent and for a district_staff user.

    .venv/bin/python bench/search.py [--repeat 10] [--explain-over 300] [--no-http]
                                     [--json out.json]

Inputs that must exist (codes, phones, names) are read from fixed rows of the bench data, so
the mix is the same on every build of the same size.
"""
from __future__ import annotations

import argparse
import random
import time

import common  # noqa: F401  (puts the project root on sys.path)
import sqlalchemy as sa
from common import (BENCH_URL, LastStatement, explain, load_note, login_client, make_app,
                    print_table, summary, time_call, write_json)
from vocab import phone_of

#: Query texts that do not depend on the data (words, phrases, rare names, junk).
FIXED = [
    "mat dien", "mất điện", "Mất Điện", "mat dien keo dai", "mất điện cả xóm", "cap dien moi",
    "cấp điện mới", "cong to", "công tơ chạy nhanh", "hoa don tien dien", "hóa đơn",
    "dien", "điện", "nguyen", "thi", "nguyen thi", "Nguyễn Thị Hồng Nhung",
    "nguyen thi hong nhung", "tran van hung", "Lê Thị Thu Hà", "xuyen chap chon",
    "cột điện nghiêng", "mui khet", "Khuê", "xoan", "tran thi khue", "le loi", "hòa khánh",
    "nguy", "nhun", "tra cuu lich cat dien", "khieu nai", "zzzz", "!!!", "YC9901-999999",
]
PHONE_FORMATS = ["{e164}", "0{n}", "84{n}", "+84 {a} {b} {c}", "0{a}.{b}.{c}", "(0{a}) {b}-{c}",
                 "0084{n}"]


def data_queries(db, rng: random.Random) -> list[str]:
    """Codes, phones, names and ticket codes taken from fixed rows of the bench data."""
    top_customer = db.session.scalar(sa.text("SELECT max(id) FROM customers WHERE NOT "
                                             "is_provisional"))
    ids = [max(1, top_customer * k // 97) for k in (3, 17, 29, 41, 53, 67, 79, 91)]
    rows = db.session.execute(sa.text("SELECT c.id, c.code, c.name, m.serial, ct.number "
                                      "FROM customers c JOIN contracts ct ON ct.customer_id = c.id "
                                      "JOIN meters m ON m.contract_id = ct.id "
                                      "WHERE c.id = ANY(:ids) ORDER BY c.id"), {"ids": ids}).all()
    out = []
    for i, row in enumerate(rows):
        out.append(row.code if i % 2 else row.code.lower())
        out.append(row.name)                                     # full name, with accents
        out.append(_unaccent(row.name))                          # typed without accents
        digits = phone_of(row.id)[3:]                            # 9 national digits
        fmt = PHONE_FORMATS[i % len(PHONE_FORMATS)]
        out.append(fmt.format(e164=phone_of(row.id), n=digits, a=digits[:2], b=digits[2:5],
                              c=digits[5:]))
    out += [rows[0].serial, rows[1].number]
    top_ticket = db.session.scalar(sa.text("SELECT max(id) FROM tickets"))
    codes = db.session.scalars(sa.text("SELECT code FROM tickets WHERE id = ANY(:ids)"),
                               {"ids": [top_ticket * k // 11 for k in (1, 5, 10)]}).all()
    out += list(codes) + [codes[0].lower()]
    return out


def _unaccent(text: str) -> str:
    from crm.core.text import fold
    return fold(text)


def run_mix(users: dict, queries: list[str], repeat: int) -> dict:
    """{(user label, query): [ms, ...]}: each query `repeat` times per user, shuffled order."""
    from crm.customers.queries import search
    from crm.extensions import db

    plan = [(label, q) for label in users for q in queries] * repeat
    random.Random(11).shuffle(plan)
    for label, q in plan[:20]:                     # warm-up, untimed
        search(users[label], q)
        db.session.remove()
    samples: dict = {}
    for label, q in plan:
        start = time.perf_counter()
        search(users[label], q)
        samples.setdefault((label, q), []).append((time.perf_counter() - start) * 1000)
        db.session.remove()
    return samples


def result_ids(user, q: str) -> tuple[list[int], list[int]]:
    from crm.customers.queries import search
    result = search(user, q)
    return [c.id for c in result.customers], [t.id for t in result.tickets]


def explain_query(user, q: str) -> str:
    """EXPLAIN ANALYZE of every statement `search(user, q)` runs."""
    from crm.customers.queries import search
    from crm.extensions import db

    with LastStatement(db.engine) as recorded:
        search(user, q)
    plans = []
    for statement, params in recorded.statements:
        plans.append(f"-- {statement.splitlines()[0][:100]} …\n" + explain(db.session, statement,
                                                                         params))
    db.session.remove()
    return "\n\n".join(plans)


#: Typed searches timed as whole requests: (label, index into the data queries or a text).
HTTP_CASES = [("full name, no accents", 2), ("phone 0… (exact hit, 303)", 7),
              ("words 'mat dien'", "mat dien"), ("phrase 'cột điện nghiêng'", "cột điện nghiêng"),
              ("rare name 'xoan'", "xoan"), ("prefix 'nguy'", "nguy")]


def bench_http(app, logins: dict, queries: list[str], iterations: int) -> list:
    """`GET /customers/search?q=…` as a browser sends it: login session, search, template
    (or the 303 of an exact hit), one app context per request."""
    from urllib.parse import urlencode

    rows = []
    for label, username in logins.items():
        client = login_client(app, username)
        if client is None:
            print(f"  note: HTTP skipped, logging in as {username} failed")
            return rows
        for name, which in HTTP_CASES:
            q = queries[which] if isinstance(which, int) else which
            url, codes = "/customers/search?" + urlencode({"q": q}), set()

            def get(url=url, codes=codes):
                response = client.get(url)
                codes.add(response.status_code)
                response.close()
            samples = time_call(get, iterations)
            rows.append((f"{label}: {name} {sorted(codes)}"[:58], summary(samples)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="runs of each query per user")
    parser.add_argument("--staff", default="ds_pc05ab", help="the district_staff user")
    parser.add_argument("--explain-over", type=float, default=300.0,
                        help="print EXPLAIN ANALYZE for queries whose p50 exceeds this (ms)")
    parser.add_argument("--http-iterations", type=int, default=100,
                        help="GET /customers/search requests per case")
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--url", default=BENCH_URL)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    print(load_note(), "at the start")
    app = make_app(args.url)
    with app.app_context():
        from crm.extensions import db
        from crm.models import User
        users = {"agent": db.session.scalar(sa.select(User).where(User.username == "bench_agent")),
                 "district": db.session.scalar(sa.select(User).where(User.username == args.staff))}
        queries = data_queries(db, random.Random(5)) + FIXED
        db.session.remove()
        print(f"{len(queries)} queries x {len(users)} users x {args.repeat} runs")
        samples = run_mix(users, queries, args.repeat)
        everything = [ms for runs in samples.values() for ms in runs]
        per_query = sorted(((summary(runs), key) for key, runs in samples.items()),
                           key=lambda item: -item[0]["p50"])
        rows = [("all queries, both users", summary(everything))] + [
            (f"all queries, {label}", summary([ms for (who, _), runs in samples.items()
                                               if who == label for ms in runs]))
            for label in users]
        print_table("crm.customers.queries.search (server-side, one Python process)", rows)
        print_table("slowest queries (by p50)", [(f"{who}: {q!r}"[:58], s)
                                                 for s, (who, q) in per_query[:8]])
        same = {label: result_ids(user, "mất điện") == result_ids(user, "mat dien")
                for label, user in users.items()}
        counts = {label: [len(x) for x in result_ids(user, "mat dien")]
                  for label, user in users.items()}
        print(f"\n'mất điện' and 'mat dien' give the same ids: {same} "
              f"(customers, tickets found: {counts})")
        slow = [(who, q) for s, (who, q) in per_query if s["p50"] > args.explain_over]
        for who, q in slow[:3]:
            print(f"\nEXPLAIN ANALYZE, {who}: {q!r}\n{explain_query(users[who], q)}")
        logins = {label: user.username for label, user in users.items()}
        db.session.remove()
    http_rows = [] if args.no_http else bench_http(app, logins, queries, args.http_iterations)
    if http_rows:
        print_table("GET /customers/search through the Flask test client (full request)",
                    http_rows)
    write_json(args.json, {"overall": dict(rows), "same_results": same, "http": dict(http_rows),
                           "per_query": [{"user": who, "q": q, **s}
                                         for s, (who, q) in per_query]})


if __name__ == "__main__":
    main()
