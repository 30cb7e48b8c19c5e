"""Build the `cskh_bench` PostgreSQL database: the real schema (Alembic migrations) filled
with a deterministic synthetic utility: 200 districts, 3,000 wards, N customers, M tickets.

    .venv/bin/python bench/dataset.py                 # 1,000,000 customers, 2,000,000 tickets
    .venv/bin/python bench/dataset.py --small         # 100,000 / 200,000 for quick runs

Rows are generated in SQL (INSERT … SELECT generate_series) from a hash of the row number,
so two builds of the same size are identical. The `search_tsv` columns are GENERATED
columns: PostgreSQL fills them exactly as it does for rows the app writes.
"""
from __future__ import annotations

import argparse

import common  # noqa: F401  (puts the project root on sys.path)
import sqlalchemy as sa
from common import BENCH_PASSWORD, BENCH_URL, Stopwatch
from vocab import (FAMILY, FRAGMENTS, GIVEN_FEMALE, GIVEN_MALE, GIVEN_RARE, MESSAGES_IN,
                   MESSAGES_OUT, MIDDLE_EXTRA, MIDDLE_FEMALE, MIDDLE_MALE, PHONE_PREFIXES,
                   PLACES, RARE_FRAGMENTS, STREETS, SUBJECTS, SUBTYPES, WARD_NAMES,
                   WARDS_PER_DISTRICT, sql_array)

DISTRICTS = 200
#: Tables whose secondary indexes are dropped during the load and rebuilt after (a sorted
#: build is many times faster than millions of random index inserts).
BIG_TABLES = ("customers", "contact_points", "contracts", "meters", "tickets", "ticket_sla",
              "messages")

# Deterministic "random" numbers in [0, 1): a hash of (row number, salt).
HELPERS = """
CREATE FUNCTION pg_temp.rnd(i bigint, salt int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
  $$ SELECT (hashint8($1 * 1000 + $2) & 2147483647)::float8 / 2147483648.0::float8 $$;
CREATE FUNCTION pg_temp.pick(a text[], r float8) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT $1[1 + floor($2 * array_length($1, 1))::int] $$;
CREATE FUNCTION pg_temp.ward_of(customer bigint, wards int) RETURNS int LANGUAGE sql
  IMMUTABLE AS $$ SELECT 1 + floor(pg_temp.rnd($1, 1) * $2)::int $$;
CREATE FUNCTION pg_temp.phone(customer bigint) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT '+84' || ({prefixes})[1 + mod($1, {n_prefixes})::int]
            || lpad(mod($1 / {n_prefixes} * 7919 + 1234567, 10000000)::text, 7, '0') $$;
""".format(prefixes=sql_array(PHONE_PREFIXES), n_prefixes=len(PHONE_PREFIXES))


#: One clock per open ticket with the policy `workflows.sla.clock.select_policy` would pick
#: (type, subtype, ward area, the lowest priority number). Due times are approximate: a
#: working day (8 h of budget) is counted as 1.4 calendar days instead of walking the
#: calendar. Paused clocks (waiting for the customer, deferred) have no due time, as in the app.
SLA_SQL = """
    INSERT INTO ticket_sla (ticket_id, policy_id, policy_key, clock, budget_seconds, warn_percent,
                            started_at, due_at, warn_at, is_paused, warned_at, breached_at,
                            escalation_level)
    SELECT c.*, CASE WHEN c.due_at <= now() THEN 2 WHEN c.warn_at <= now() THEN 1 ELSE 0 END
      FROM (SELECT d.*, CASE WHEN d.warn_at <= now() THEN d.warn_at END AS warned_at,
                   CASE WHEN d.due_at <= now() THEN d.due_at END AS breached_at
              FROM (SELECT t.id, p.id AS policy_id, left(p.name, 64), p.clock,
                           p.duration_minutes * 60 AS budget, p.warn_percent, t.created_at,
                           CASE WHEN NOT paused THEN t.created_at + span END AS due_at,
                           CASE WHEN NOT paused
                                THEN t.created_at + span * p.warn_percent / 100.0 END AS warn_at,
                           paused
                      FROM tickets t JOIN wards w ON w.id = t.ward_id
                      CROSS JOIN LATERAL (
                            SELECT * FROM sla_policies p
                             WHERE p.is_active AND p.type = t.type
                               AND (p.subtype IS NULL OR p.subtype = t.subtype)
                               AND (p.area_type IS NULL OR p.area_type = w.area_type)
                             ORDER BY p.priority, p.id LIMIT 1) p
                      CROSS JOIN LATERAL (
                            SELECT t.status IN ('pending_customer', 'deferred') AS paused,
                                   CASE WHEN p.clock = 'calendar'
                                        THEN interval '1 minute' * p.duration_minutes
                                        ELSE interval '1 day' * p.duration_minutes / 480.0 * 1.4
                                        END AS span) s
                     WHERE t.status IN ('new', 'open', 'pending_customer', 'deferred')) d) c
"""


def recreate_database(url: str) -> None:
    target = sa.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    admin.dispose()


def migrate(url: str) -> str:
    """The schema exactly as production gets it: `flask db upgrade` to the newest revision.

    Returns that revision, after checking the database reached it (so the bench never
    measures a schema without the latest indexes).
    """
    from alembic.script import ScriptDirectory
    from flask_migrate import upgrade

    from common import make_app
    from crm.extensions import db

    app = make_app(url)
    with app.app_context():
        upgrade()
        head = ScriptDirectory.from_config(
            app.extensions["migrate"].migrate.get_config()).get_current_head()
        at = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        db.session.remove()
        db.engine.dispose()
    if at != head:
        raise SystemExit(f"migrations stopped at {at}, the newest is {head}")
    return at


def drop_secondary_indexes(conn) -> list[str]:
    """Drop the plain (non-constraint) indexes of the big tables; returns their definitions."""
    rows = conn.execute("""
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
          FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
         WHERE t.relname = ANY(%(tables)s)
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
    """, {"tables": list(BIG_TABLES)}).fetchall()
    for name, _ in rows:
        conn.execute(f"DROP INDEX {name}")
    return [definition for _, definition in rows]


def load_org(conn, districts: int) -> None:
    from werkzeug.security import generate_password_hash

    conn.execute("""
        INSERT INTO companies (id, code, name, hotline, created_at, updated_at)
        VALUES (1, 'PC05', 'Công ty Điện lực PC05 (dữ liệu benchmark)', '19001909',
                now(), now())""")
    conn.execute(f"""
        INSERT INTO districts (id, company_id, code, name, phone, address, created_at, updated_at)
        SELECT d, 1, 'PC05' || chr(65 + (d - 1) / 26) || chr(65 + mod(d - 1, 26)),
               'Điện lực ' || pg_temp.pick({sql_array(PLACES)}, mod(d - 1, 50) / 50.0)
                 || CASE WHEN d > 50 THEN ' ' || ((d - 1) / 50 + 1) ELSE '' END,
               '0235' || lpad((3800000 + d)::text, 7, '0'), 'Trụ sở Điện lực số ' || d,
               now(), now()
          FROM generate_series(1, {districts}) d""")
    conn.execute(f"""
        INSERT INTO wards (id, code, name, province, area_type, district_id, created_at, updated_at)
        SELECT w, dc.code || '-' || lpad((1 + mod(w - 1, {WARDS_PER_DISTRICT}))::text, 2, '0'),
               CASE WHEN pg_temp.rnd(w, 2) < 0.4 THEN 'Phường ' ELSE 'Xã ' END
                 || pg_temp.pick({sql_array(WARD_NAMES)}, pg_temp.rnd(w, 3)),
               'Quảng Nam', CASE WHEN pg_temp.rnd(w, 2) < 0.4 THEN 'urban' ELSE 'rural' END,
               dc.id, now(), now()
          FROM generate_series(1, {districts * WARDS_PER_DISTRICT}) w
          JOIN districts dc ON dc.id = 1 + (w - 1) / {WARDS_PER_DISTRICT}""")
    password = generate_password_hash(BENCH_PASSWORD, method="pbkdf2:sha256:1000")
    conn.execute("""
        INSERT INTO users (id, username, full_name, password_hash, role, district_id,
                           is_active_account, created_at, updated_at)
        VALUES (1, 'bench_admin', 'Quản trị viên', %(pw)s, 'admin', NULL, true, now(), now()),
               (2, 'bench_agent', 'Giao dịch viên Một', %(pw)s, 'agent', NULL, true, now(), now()),
               (3, 'bench_supervisor', 'Giám sát viên', %(pw)s, 'supervisor', NULL, true,
                now(), now())""", {"pw": password})
    conn.execute("""
        INSERT INTO users (id, username, full_name, password_hash, role, district_id,
                           is_active_account, created_at, updated_at)
        SELECT 3 + d.id, 'ds_' || lower(d.code), 'Nhân viên ' || d.name, %(pw)s,
               'district_staff', d.id, true, now(), now()
          FROM districts d""", {"pw": password})


def load_customers(conn, customers: int, wards: int) -> None:
    female = "pg_temp.rnd(i, 4) < 0.5"
    name = f"""pg_temp.pick({sql_array(FAMILY)}, pg_temp.rnd(i, 5)) || ' ' ||
        CASE WHEN {female} THEN pg_temp.pick({sql_array(MIDDLE_FEMALE)}, pg_temp.rnd(i, 6))
             ELSE pg_temp.pick({sql_array(MIDDLE_MALE)}, pg_temp.rnd(i, 6)) END ||
        CASE WHEN pg_temp.rnd(i, 7) < 0.35
             THEN ' ' || pg_temp.pick({sql_array(MIDDLE_EXTRA)}, pg_temp.rnd(i, 8)) ELSE '' END
        || ' ' ||
        CASE WHEN pg_temp.rnd(i, 9) < 0.005
               THEN pg_temp.pick({sql_array(GIVEN_RARE)}, pg_temp.rnd(i, 10))
             WHEN {female} THEN pg_temp.pick({sql_array(GIVEN_FEMALE)}, pg_temp.rnd(i, 10))
             ELSE pg_temp.pick({sql_array(GIVEN_MALE)}, pg_temp.rnd(i, 10)) END"""
    address = f"""CASE WHEN w.area_type = 'urban'
        THEN 'Số ' || (1 + floor(pg_temp.rnd(i, 11) * 300)::int) || ' đường '
             || pg_temp.pick({sql_array(STREETS)}, pg_temp.rnd(i, 12))
        ELSE 'Thôn ' || (1 + floor(pg_temp.rnd(i, 11) * 12)::int) END
        || ', ' || w.name || ', ' || replace(d.name, 'Điện lực ', '')"""
    conn.execute(f"""
        INSERT INTO customers (id, code, name, address, ward_id, is_provisional, created_at,
                               updated_at)
        SELECT i, d.code || lpad(i::text, 7, '0'), {name}, {address}, w.id, false,
               now() - interval '10 years' * pg_temp.rnd(i, 13), now()
          FROM generate_series(1, {customers}) i
          JOIN wards w ON w.id = pg_temp.ward_of(i, {wards})
          JOIN districts d ON d.id = w.district_id""")


def load_customer_details(conn, watch) -> None:
    with watch("contact points (phone each, Zalo every fifth)"):
        conn.execute("""
            INSERT INTO contact_points (customer_id, kind, value, created_at, updated_at)
            SELECT id, 'phone', pg_temp.phone(id), created_at, created_at FROM customers
            UNION ALL
            SELECT id, 'zalo', '66' || lpad(id::text, 17, '0'), created_at, created_at
              FROM customers WHERE mod(id, 5) = 0""")
    with watch("contracts"):
        conn.execute("""
            INSERT INTO contracts (id, customer_id, number, usage_purpose, households, signed_on,
                                   is_active, created_at, updated_at)
            SELECT id, id, code || '-01',
                   CASE WHEN pg_temp.rnd(id, 20) < 0.85 THEN 'residential'
                        WHEN pg_temp.rnd(id, 20) < 0.95 THEN 'business' ELSE 'production' END,
                   1 + floor(pg_temp.rnd(id, 21) ^ 4 * 3)::int, created_at::date, true,
                   created_at, created_at
              FROM customers""")
    with watch("meters"):
        conn.execute("""
            INSERT INTO meters (contract_id, serial, model, phases, installed_on, is_active,
                                created_at, updated_at)
            SELECT id, 'CT' || lpad(id::text, 10, '0'),
                   pg_temp.pick(ARRAY['EMEC 1 pha', 'Gelex ME-40', 'Landis+Gyr E350'],
                                pg_temp.rnd(id, 22)),
                   CASE WHEN pg_temp.rnd(id, 23) < 0.95 THEN 1 ELSE 3 END,
                   signed_on, true, created_at, created_at
              FROM contracts""")


def _type_case(r: str) -> str:
    """CASE choosing a ticket type by the shares in SUBJECTS."""
    arms, edge = [], 0
    for name, (share, _) in SUBJECTS.items():
        edge += share
        arms.append(f"WHEN {r} < {edge / 100} THEN '{name}'")
    return "CASE " + " ".join(arms) + " END"


def _by_type(words_of: dict, r: str, default: str = "NULL") -> str:
    arms = [f"WHEN '{name}' THEN pg_temp.pick({sql_array(words)}, {r})"
            for name, words in words_of.items()]
    return "CASE t.type " + " ".join(arms) + f" ELSE {default} END"


def load_tickets(conn, tickets: int, customers: int, wards: int, open_share: float) -> None:
    """Tickets over 4 years, id order = time order, codes YCyymm-nnnnnn numbered per month."""
    subjects = {name: words for name, (_, words) in SUBJECTS.items()}
    subject = _by_type(subjects, "pg_temp.rnd(t.i, 35)")
    fragment = f"pg_temp.pick({sql_array(FRAGMENTS)}, pg_temp.rnd(t.i, 39))"
    extra = f"""CASE WHEN pg_temp.rnd(t.i, 40) < 0.01
        THEN pg_temp.pick({sql_array(RARE_FRAGMENTS)}, pg_temp.rnd(t.i, 41))
        ELSE pg_temp.pick({sql_array(FRAGMENTS)}, pg_temp.rnd(t.i, 41)) END"""
    status = """CASE WHEN t.is_open THEN CASE WHEN t.r_status < 0.30 THEN 'new'
            WHEN t.r_status < 0.75 THEN 'open' WHEN t.r_status < 0.90 THEN 'pending_customer'
            ELSE 'deferred' END
        ELSE CASE WHEN t.r_status < 0.25 THEN 'resolved' ELSE 'closed' END END"""
    channel = """CASE WHEN t.r_channel < 0.45 THEN 'hotline' WHEN t.r_channel < 0.65 THEN 'zalo'
        WHEN t.r_channel < 0.75 THEN 'sms' WHEN t.r_channel < 0.85 THEN 'web'
        WHEN t.r_channel < 0.93 THEN 'counter' WHEN t.r_channel < 0.98 THEN 'email'
        ELSE 'system' END"""
    priority = """CASE WHEN t.type = 'outage' THEN
            CASE WHEN pg_temp.rnd(t.i, 37) < 0.3 THEN 'urgent' ELSE 'high' END
        WHEN pg_temp.rnd(t.i, 37) < 0.05 THEN 'low' WHEN pg_temp.rnd(t.i, 37) < 0.10 THEN 'high'
        ELSE 'normal' END"""
    conn.execute(f"""
        WITH base AS (
            SELECT i, 1 + floor(pg_temp.rnd(i, 30) * {customers})::bigint AS customer_id,
                   now() - interval '1461 days'
                     + interval '1461 days' * ((i - 1 + pg_temp.rnd(i, 31)) / {tickets})
                     AS created_at,
                   pg_temp.rnd(i, 33) < {open_share} AS is_open,
                   pg_temp.rnd(i, 34) AS r_status, pg_temp.rnd(i, 38) AS r_channel,
                   {_type_case("pg_temp.rnd(i, 32)")} AS type
              FROM generate_series(1, {tickets}) i
        ), t AS (
            SELECT b.*, pg_temp.ward_of(b.customer_id, {wards}) AS ward_id,
                   to_char(b.created_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYMM') AS yymm,
                   least(now(), b.created_at + CASE WHEN b.is_open
                         THEN interval '3 days' * pg_temp.rnd(b.i, 42)
                         ELSE interval '5 days' * pg_temp.rnd(b.i, 42) ^ 2 END) AS touched_at
              FROM base b
        ), s AS (
            SELECT t.*, {status} AS status FROM t
        )
        INSERT INTO tickets (id, code, type, subtype, status, step, priority, channel, subject,
                             description, customer_id, district_id, ward_id, assignee_id,
                             created_by_id, details, result, first_response_at, resolved_at,
                             closed_at, created_at, updated_at)
        SELECT t.i,
               'YC' || t.yymm || '-'
                 || lpad(row_number() OVER (PARTITION BY t.yymm ORDER BY t.i)::text, 6, '0'),
               t.type, {_by_type(SUBTYPES, "pg_temp.rnd(t.i, 36)")}, t.status, 'received',
               {priority}, {channel}, {subject},
               {subject} || '. ' || {fragment} || ' Khu vực ' || w.name || '. ' || {extra},
               t.customer_id, w.district_id, w.id,
               CASE WHEN NOT t.is_open OR pg_temp.rnd(t.i, 43) < 0.6 THEN 3 + w.district_id END,
               CASE WHEN t.r_channel < 0.45 THEN 2 END, '{{}}'::jsonb,
               CASE WHEN NOT t.is_open THEN 'Đã xử lý xong, khách hàng đồng ý.' END,
               CASE WHEN t.status <> 'new' THEN t.created_at + (t.touched_at - t.created_at) / 4
                    END,
               CASE WHEN NOT t.is_open THEN t.touched_at END,
               CASE WHEN t.status = 'closed' THEN t.touched_at END,
               t.created_at, t.touched_at
          FROM s t JOIN wards w ON w.id = t.ward_id""")


def load_ticket_extras(conn, watch, tickets: int, messages: int) -> None:
    with watch("ticket_sla (open tickets, clocks as the app starts them)"):
        conn.execute(SLA_SQL)
    with watch("ticket_counters"):
        conn.execute("""
            INSERT INTO ticket_counters (period, last_value)
            SELECT substr(code, 3, 4), max(substr(code, 8)::int) FROM tickets GROUP BY 1""")
    share = min(1.0, messages / (2.0 * max(tickets, 1)))
    with watch(f"messages (1-3 for {share:.0%} of tickets)"):
        conn.execute(f"""
            INSERT INTO messages (ticket_id, customer_id, channel, direction,
                                  provider_message_id, address, body, status, meta, created_at,
                                  sent_at)
            SELECT t.id, t.customer_id, t.channel,
                   CASE WHEN mod(k, 2) = 1 THEN 'inbound' ELSE 'outbound' END,
                   'bench-' || t.id || '-' || k, pg_temp.phone(t.customer_id),
                   CASE WHEN mod(k, 2) = 1
                        THEN pg_temp.pick({sql_array(MESSAGES_IN)}, pg_temp.rnd(t.id * 4 + k, 50))
                        ELSE pg_temp.pick({sql_array(MESSAGES_OUT)}, pg_temp.rnd(t.id * 4 + k, 50))
                        END,
                   CASE WHEN mod(k, 2) = 1 THEN 'received' ELSE 'delivered' END, '{{}}'::jsonb,
                   least(now(), t.created_at + k * interval '2 hours'),
                   CASE WHEN mod(k, 2) = 0 THEN least(now(), t.created_at + k * interval '2 hours')
                        END
              FROM tickets t, generate_series(1, 1 + floor(pg_temp.rnd(t.id, 51) * 3)::int) k
             WHERE pg_temp.rnd(t.id, 52) < {share}""")


def finish(conn, watch, index_definitions: list[str]) -> None:
    with watch(f"rebuild {len(index_definitions)} secondary indexes (incl. GIN search)"):
        for definition in index_definitions:
            conn.execute(definition)
    with watch("sequences"):
        for table in ("companies", "districts", "wards", "users", "customers", "contact_points",
                      "contracts", "meters", "tickets", "messages"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)")
    with watch("VACUUM ANALYZE"):
        conn.execute("VACUUM (ANALYZE)")


def report_sizes(conn) -> None:
    rows = conn.execute("""
        SELECT c.relname, c.reltuples::bigint, pg_size_pretty(pg_table_size(c.oid)),
               pg_size_pretty(pg_indexes_size(c.oid))
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.reltuples > 0
         ORDER BY pg_total_relation_size(c.oid) DESC""").fetchall()
    print(f"\n  {'table':<16} {'rows':>12} {'heap':>10} {'indexes':>10}")
    for name, count, heap, indexes in rows:
        print(f"  {name:<16} {count:>12,} {heap:>10} {indexes:>10}")
    print("  database:", conn.execute(
        "SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0])


def build(url: str, customers: int, tickets: int, messages: int, open_share: float) -> None:
    import psycopg

    watch = Stopwatch()
    print(f"Building {sa.make_url(url).database}: {customers:,} customers, {tickets:,} tickets, "
          f"~{messages:,} messages")
    with watch("drop and create database"):
        recreate_database(url)
    with watch("migrations (flask db upgrade to the newest revision)"):
        revision = migrate(url)
    print(f"  schema at revision {revision}")
    conninfo = sa.make_url(url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        # Load-session settings only: FK triggers off (rows are consistent by construction),
        # no fsync wait per statement, room to sort.
        conn.execute("SET session_replication_role = replica; SET synchronous_commit = off; "
                     "SET work_mem = '256MB'; SET maintenance_work_mem = '1GB'")
        conn.execute(HELPERS)
        indexes = drop_secondary_indexes(conn)
        wards = DISTRICTS * WARDS_PER_DISTRICT
        with watch(f"company, {DISTRICTS} districts, {wards} wards, users"):
            load_org(conn, DISTRICTS)
        with watch(f"customers ({customers:,})"):
            load_customers(conn, customers, wards)
        load_customer_details(conn, watch)
        with watch(f"tickets ({tickets:,})"):
            load_tickets(conn, tickets, customers, wards, open_share)
        load_ticket_extras(conn, watch, tickets, messages)
        finish(conn, watch, indexes)
        report_sizes(conn)
    print(f"\nTotal {watch.total:.1f} s ({watch.total / 60:.1f} min)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=2_000_000)
    parser.add_argument("--messages", type=int, help="about this many (default: tickets / 2)")
    parser.add_argument("--open-share", type=float, default=0.2)
    parser.add_argument("--small", action="store_true", help="100,000 customers, 200,000 tickets")
    parser.add_argument("--url", default=BENCH_URL)
    args = parser.parse_args()
    if args.small:
        args.customers, args.tickets = 100_000, 200_000
    build(args.url, args.customers, args.tickets, args.messages or args.tickets // 2,
          args.open_share)


if __name__ == "__main__":
    main()
