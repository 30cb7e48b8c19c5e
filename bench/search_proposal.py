"""A measured proposal for `crm/customers/queries.py`, kept here so `search.py --proposal`
can time it on the same mix without touching the application.

Three plan fixes, each found with EXPLAIN ANALYZE on the bench data (results are checked
to be identical to the application's by `search.py --proposal`):

1. Exact look-ups as a UNION ALL of indexed id look-ups. An OR of IN-subqueries cannot use
   a BitmapOr, so every search scans all customers first (150-180 ms for an agent; 2-4 s for
   district staff, where the planner walks the whole ward_id index).
2. Newest-first window, then GIN. Test the newest WINDOW visible rows in a B-tree walk that
   an inner ORDER BY ... LIMIT pins (the match is a computed column there, so it cannot
   become a GIN bitmap); only when fewer than 20 hits turn up, take every GIN hit
   (MATERIALIZED CTE) and sort those. Left to itself the planner misjudges prefix and
   multi-word tsqueries: a word no ticket contains (any person's name) walks all 2 M
   tickets (1.6 s); a phrase estimated at 80 rows with 40,000 real hits is sorted in full.
3. A district's customers: list the ones it may see (its wards' customers and its tickets'
   customers, a few thousand) and test only those by primary key, instead of evaluating
   `ward IN ... OR EXISTS (ticket ...)` against a million rows.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

#: How many of the newest visible rows are tested row by row before the GIN index is asked.
WINDOW = 20_000


def exact_customers(user, q: str):
    from crm.core import permissions
    from crm.core.phones import try_normalise_phone
    from crm.extensions import db
    from crm.models import ContactKind, ContactPoint, Contract, Customer, Meter

    text = q.strip()
    lookups = [sa.select(Customer.id).where(Customer.code == text.upper()),
               sa.select(Contract.customer_id).join(Meter).where(Meter.serial == text),
               sa.select(Contract.customer_id).where(Contract.number == text)]
    contacts = [(ContactKind.EMAIL, text.lower())]
    if phone := try_normalise_phone(text):
        contacts.append((ContactKind.PHONE, phone))
    lookups += [sa.select(ContactPoint.customer_id).where(ContactPoint.kind == kind,
                                                          ContactPoint.value == value)
                for kind, value in contacts]
    # The application's own visibility test: on the one or two candidates it is cheap.
    query = (sa.select(Customer).where(Customer.id.in_(sa.union_all(*lookups)),
                                       permissions.customer_visible(user))
             .options(joinedload(Customer.ward)).limit(20))
    return db.session.scalars(query).unique().all()


def _match(table: str, words):
    from crm.core.text import pg_tsquery
    return sa.literal_column(f"{table}.search_tsv").op("@@", return_type=sa.Boolean)(
        sa.func.to_tsquery("simple", pg_tsquery(words)))


def _recent_hits(model, keys, where, match, limit: int) -> tuple[list[int], bool]:
    """The newest `limit` hits among the newest WINDOW visible rows, and whether the window
    held every visible row. The inner ORDER BY … LIMIT pins a B-tree walk; the match is
    computed there as a column, so it cannot be turned into a GIN bitmap."""
    from crm.extensions import db

    inner = (sa.select(model.id.label("id"), *[k.label(f"k{i}") for i, k in enumerate(keys)],
                       match.label("hit"))
             .where(*where).order_by(*[k.desc() for k in keys]).limit(WINDOW).subquery())
    ids = db.session.scalars(sa.select(inner.c.id).where(inner.c.hit).order_by(
        *[inner.c[f"k{i}"].desc() for i in range(len(keys))]).limit(limit)).all()
    if len(ids) >= limit:
        return ids, True
    rows = db.session.scalar(sa.select(sa.func.count()).select_from(
        sa.select(model.id).where(*where).limit(WINDOW).subquery()))
    return ids, rows < WINDOW


def _all_hits(table: str, order: str, words, limit: int, visible_ids) -> list[int]:
    """Every GIN hit, newest first (rare words: few hits, a cheap bitmap)."""
    from crm.core.text import pg_tsquery
    from crm.extensions import db

    return db.session.scalars(sa.text(
        f"WITH hits AS MATERIALIZED (SELECT id FROM {table} "
        "WHERE search_tsv @@ to_tsquery('simple', :tsq)) "
        f"SELECT t.id FROM hits JOIN {table} t ON t.id = hits.id "
        f"WHERE t.id IN ({visible_ids}) ORDER BY {order} LIMIT :limit"
    ).bindparams(tsq=pg_tsquery(words), limit=limit)).all()


def _compile(select) -> str:
    from crm.extensions import db
    return str(select.compile(db.session.get_bind(), compile_kwargs={"literal_binds": True}))


def _district_customer_hits(user, words, limit: int) -> list[int]:
    """A district sees a few thousand customers: list them, then test each (PK probes)."""
    from sqlalchemy.dialects.postgresql import ARRAY

    from crm.extensions import db
    from crm.models import Customer

    visible = db.session.scalars(_visible_customer_ids(user)).all()
    if not visible:
        return []
    inner = (sa.select(Customer.id.label("id"), _match("customers", words).label("hit"))
             .where(Customer.id == sa.any_(sa.literal(visible, ARRAY(sa.Integer))))
             .limit(len(visible)).subquery())
    return db.session.scalars(sa.select(inner.c.id).where(inner.c.hit)
                              .order_by(inner.c.id.desc()).limit(limit)).all()


def _visible_customer_ids(user):
    from crm.models import Customer, Ticket, Ward

    return sa.union(
        sa.select(Customer.id).join(Ward, Customer.ward_id == Ward.id)
        .where(Ward.district_id == user.district_id),
        sa.select(Ticket.customer_id).where(Ticket.district_id == user.district_id))


def search_customers(user, words, limit: int = 20):
    from crm.extensions import db
    from crm.models import Customer

    if user.is_district_scoped:
        ids = _district_customer_hits(user, words, limit)
    else:
        ids, complete = _recent_hits(Customer, [Customer.id], [], _match("customers", words),
                                     limit)
        if not complete:
            ids = _all_hits("customers", "t.id DESC", words, limit, "SELECT id FROM customers")
    query = (sa.select(Customer).where(Customer.id.in_(ids)).options(joinedload(Customer.ward))
             .order_by(Customer.id.desc()))
    return db.session.scalars(query).unique().all() if ids else []


def search_tickets(user, words, limit: int = 20):
    from crm.core.permissions import ticket_visible
    from crm.extensions import db
    from crm.models import Ticket

    ids, complete = _recent_hits(Ticket, [Ticket.updated_at, Ticket.id], [ticket_visible(user)],
                                 _match("tickets", words), limit)
    if not complete:
        visible = _compile(sa.select(Ticket.id).where(ticket_visible(user)))
        ids = _all_hits("tickets", "t.updated_at DESC, t.id DESC", words, limit, visible)
    query = (sa.select(Ticket).where(Ticket.id.in_(ids))
             .options(joinedload(Ticket.customer), joinedload(Ticket.district))
             .order_by(Ticket.updated_at.desc(), Ticket.id.desc()))
    return db.session.scalars(query).unique().all() if ids else []


def install() -> None:
    """Swap the proposal into crm.customers.queries for this process only."""
    from crm.customers import queries

    queries.exact_customers = exact_customers
    queries.search_customers = search_customers
    queries.search_tickets = search_tickets


#: Indexes that the numbers argue for (a migration would add them); `proposed_indexes()`
#: adds them to the bench database for one run and drops them afterwards.
PROPOSED_INDEXES = {
    # a district's per-status counts become index-only scans (inbox badges)
    "ix_bench_tickets_open_district_status":
        "ON tickets (district_id, status) WHERE status IN "
        "('new', 'open', 'pending_customer', 'deferred')",
    # a district's visible customers (ticket side and ward side) without heap visits
    "ix_bench_tickets_district_customer": "ON tickets (district_id, customer_id)",
    "ix_bench_customers_ward_id_id": "ON customers (ward_id, id)",
}


class proposed_indexes:
    """`with proposed_indexes(url): ...` — build, VACUUM ANALYZE, and drop again after."""

    def __init__(self, url: str):
        self.engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")

    def __enter__(self):
        import time
        with self.engine.connect() as conn:
            for name, definition in PROPOSED_INDEXES.items():
                start = time.perf_counter()
                conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} {definition}")
                print(f"  built {name} in {time.perf_counter() - start:.1f} s")
            conn.exec_driver_sql("VACUUM ANALYZE tickets")
            conn.exec_driver_sql("VACUUM ANALYZE customers")
        return self

    def __exit__(self, *exc):
        from flask import has_app_context

        from crm.extensions import db
        if has_app_context():
            db.session.remove()        # its open transaction would block DROP INDEX
        with self.engine.connect() as conn:
            for name in PROPOSED_INDEXES:
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
        self.engine.dispose()
