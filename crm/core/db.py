"""Database helpers that differ between PostgreSQL and SQLite."""
from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from crm.core.text import fold
from crm.extensions import db


def dialect() -> str:
    return db.session.get_bind().dialect.name


def insert_or_nothing(model, values: dict, *, conflict: list[str]):
    """An `INSERT … ON CONFLICT (conflict) DO NOTHING` statement for either database."""
    module = postgresql if dialect() == "postgresql" else sqlite
    return module.insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict)


def insert_ignoring_conflicts(model, values: dict, *, conflict: list[str]):
    """Insert a row unless it exists: the new id, or None when the conflict target matched."""
    stmt = insert_or_nothing(model, values, conflict=conflict).returning(model.id)
    return db.session.execute(stmt).scalar()


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_setup(dbapi_conn, _record):
    """SQLite only: foreign keys on, WAL, and `vn_fold()` for the full-text triggers."""
    if not isinstance(dbapi_conn, sqlite3.Connection):
        return
    # Let SQLAlchemy emit BEGIN itself, so SAVEPOINTs and transactional DDL work (pysqlite
    # otherwise opens transactions on its own terms).
    dbapi_conn.isolation_level = None
    dbapi_conn.create_function("vn_fold", 1, fold, deterministic=True)
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


@sa.event.listens_for(sa.engine.Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")


#: Search objects written by hand in the migrations (they differ per database).
HAND_WRITTEN_INDEXES = {
    "ix_customers_search", "ix_tickets_search", "ix_tickets_open_district",
    # query-shape indexes of migration 0003 (partial or covering; not model-level concerns)
    "ix_tickets_open_district_status", "ix_tickets_district_customer",
    "ix_customers_ward_id_id", "ix_tickets_waiting", "ix_ticket_sla_escalate",
}


def is_modelled(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's `include_object`: leave the hand-written search objects out of comparisons."""
    if type_ == "table" and "_fts" in name:
        return False
    if type_ == "column" and name == "search_tsv":
        return False
    return not (type_ == "index" and name in HAND_WRITTEN_INDEXES)
