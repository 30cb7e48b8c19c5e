"""Full-text matching of customers and tickets, shaped so the plan cannot go wrong at scale.

Both databases match accent-folded text: PostgreSQL a stored `search_tsv` (GIN), SQLite an
FTS5 table kept by triggers. On PostgreSQL the planner misjudges prefix and multi-word
queries badly at millions of rows (measured in bench/README.md: a name no ticket contains
walked all 2 M tickets, 1.6 s; a phrase estimated at 80 rows with 40,000 hits was sorted in
full), so the search is pinned:

1. test the newest WINDOW visible rows one by one in a B-tree walk (the match is computed
   as a column there, so it cannot become a GIN bitmap) — common words finish here;
2. only when that finds too few hits, take every GIN hit (a MATERIALIZED CTE: rare words
   have few) and sort those;
3. a district's customers are listed first (a few thousand) and tested by primary key.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from crm.core.text import fts5_query, pg_tsquery
from crm.extensions import db
from crm.models import Customer, Ticket, Ward

#: How many of the newest visible rows are tested row by row before the GIN index is asked.
WINDOW = 20_000


def is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _tsmatch(table: str, words: list[str]):
    return sa.literal_column(f"{table}.search_tsv").op("@@", return_type=sa.Boolean)(
        sa.func.to_tsquery("simple", pg_tsquery(words)))


def _fts5_ids(table: str, words: list[str]):
    return sa.text(f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH :fq").bindparams(
        fq=fts5_query(words)).columns(rowid=sa.Integer)


def _window_hits(model, keys, where, match, limit: int) -> tuple[list[int], bool]:
    """The newest `limit` hits among the newest WINDOW visible rows, and whether the window
    held every visible row (then the answer is complete)."""
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


def _all_hits(table: str, order: str, words: list[str], limit: int, visible: sa.Select
              ) -> list[int]:
    """Every GIN hit that is visible, newest first (reached only for rare words)."""
    visible_sql = str(visible.compile(db.session.get_bind(),
                                      compile_kwargs={"literal_binds": True}))
    return db.session.scalars(sa.text(
        f"WITH hits AS MATERIALIZED (SELECT id FROM {table} "
        "WHERE search_tsv @@ to_tsquery('simple', :tsq)) "
        f"SELECT t.id FROM hits JOIN {table} t ON t.id = hits.id "
        f"WHERE t.id IN ({visible_sql}) ORDER BY {order} LIMIT :limit"
    ).bindparams(tsq=pg_tsquery(words), limit=limit)).all()


def district_customer_ids(district_id: int) -> sa.Select:
    """The customers a district may see: in its wards, or with one of its tickets."""
    return sa.union(
        sa.select(Customer.id).join(Ward, Customer.ward_id == Ward.id)
        .where(Ward.district_id == district_id),
        sa.select(Ticket.customer_id).where(Ticket.district_id == district_id))


def customer_ids(user, words: list[str], limit: int) -> list[int]:
    """Ids of the newest customers `user` may see whose name or address has every word."""
    if not is_postgres():
        query = sa.select(Customer.id).where(Customer.id.in_(_fts5_ids("customers", words)))
        if user.is_district_scoped:
            query = query.where(Customer.id.in_(district_customer_ids(user.district_id)))
        return db.session.scalars(query.order_by(Customer.id.desc()).limit(limit)).all()
    if user.is_district_scoped:
        visible = db.session.scalars(district_customer_ids(user.district_id)).all()
        if not visible:
            return []
        inner = (sa.select(Customer.id.label("id"), _tsmatch("customers", words).label("hit"))
                 .where(Customer.id == sa.any_(sa.literal(visible, ARRAY(sa.Integer))))
                 .limit(len(visible)).subquery())
        return db.session.scalars(sa.select(inner.c.id).where(inner.c.hit)
                                  .order_by(inner.c.id.desc()).limit(limit)).all()
    ids, complete = _window_hits(Customer, [Customer.id], [], _tsmatch("customers", words),
                                 limit)
    if complete:
        return ids
    return _all_hits("customers", "t.id DESC", words, limit, sa.select(Customer.id))


def ticket_ids(visible, words: list[str], limit: int) -> list[int]:
    """Ids of the most recently active visible tickets whose subject or text has every word."""
    if not is_postgres():
        return db.session.scalars(
            sa.select(Ticket.id).where(visible, Ticket.id.in_(_fts5_ids("tickets", words)))
            .order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(limit)).all()
    ids, complete = _window_hits(Ticket, [Ticket.updated_at, Ticket.id], [visible],
                                 _tsmatch("tickets", words), limit)
    if complete:
        return ids
    return _all_hits("tickets", "t.updated_at DESC, t.id DESC", words, limit,
                     sa.select(Ticket.id).where(visible))
