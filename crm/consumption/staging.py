"""The import's temporary tables, and loading parsed rows into them in batches.

They live for one transaction on one connection (TEMPORARY tables: private to the import,
so concurrent imports never see each other's rows) and are dropped before it commits.
Loading is the only part that differs per database: COPY on PostgreSQL, executemany on
SQLite. Every rule runs afterwards as the same SQL on both (`crm.consumption.checks`).
"""
from __future__ import annotations

from typing import Callable, Iterable, Iterator

import sqlalchemy as sa

from crm.consumption.csvfile import Row, RowError
from crm.core.db import dialect
from crm.extensions import db

#: Not part of the application's schema: Alembic never sees this metadata.
metadata = sa.MetaData()


def _temp(name: str, *columns) -> sa.Table:
    return sa.Table(name, metadata, *columns, prefixes=["TEMPORARY"])


#: every well-formed row of the file, as read
rows = _temp("reading_rows",
             sa.Column("line", sa.Integer, primary_key=True),
             sa.Column("code", sa.String(20), nullable=False),
             sa.Column("period", sa.String(7), nullable=False),
             sa.Column("kwh", sa.BigInteger, nullable=False),
             sa.Column("read_on", sa.Date))
#: the same rows with their customer (NULL: unknown) and the first line of their customer +
#: period (another line: a repeat inside the file)
resolved = _temp("reading_resolved",
                 sa.Column("line", sa.Integer, primary_key=True),
                 sa.Column("code", sa.String(20), nullable=False),
                 sa.Column("customer_id", sa.Integer),
                 sa.Column("period", sa.String(7), nullable=False),
                 sa.Column("kwh", sa.BigInteger, nullable=False),
                 sa.Column("read_on", sa.Date),
                 sa.Column("first_line", sa.Integer, nullable=False))
#: each reading to keep, decided: what is on record for its period, the previous period
#: (file or database), the flag and the change, and whether the stored row must change
checks = _temp("reading_checks",
               sa.Column("line", sa.Integer, primary_key=True),
               sa.Column("customer_id", sa.Integer, nullable=False),
               sa.Column("period", sa.String(7), nullable=False),
               sa.Column("kwh", sa.BigInteger, nullable=False),
               sa.Column("read_on", sa.Date),
               sa.Column("reading_id", sa.Integer),              #: NULL: a new period
               sa.Column("is_changed", sa.Boolean, nullable=False),   #: kWh or date differ
               sa.Column("needs_update", sa.Boolean, nullable=False),
               sa.Column("prev_period", sa.String(7)),
               sa.Column("prev_kwh", sa.BigInteger),
               sa.Column("is_flagged", sa.Boolean, nullable=False),
               sa.Column("change_percent", sa.Numeric(14, 1)))
TABLES = (rows, resolved, checks)
COPY_ROWS = "COPY reading_rows (line, code, period, kwh, read_on) FROM STDIN"
INSERT_ROWS = "INSERT INTO reading_rows (line, code, period, kwh, read_on) VALUES (?, ?, ?, ?, ?)"


def create() -> None:
    """Create the temporary tables on the session's connection (inside its transaction)."""
    connection = db.session.connection()
    if dialect() == "postgresql":        # sorts and hashes of a million rows in memory
        connection.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    for table in TABLES:
        table.create(connection)


def drop() -> None:
    connection = db.session.connection()
    for table in reversed(TABLES):
        table.drop(connection)


def load(batch: list[Row]) -> None:
    """Append parsed rows to `reading_rows`."""
    copy_rows(COPY_ROWS, INSERT_ROWS, batch,
              lambda r: (r.line, r.code, r.period, r.kwh,
                         r.read_on.isoformat() if r.read_on else None))


def copy_rows(copy_sql: str, insert_sql: str, batch: list, as_params: Callable) -> None:
    """Append rows to a temporary table: COPY on PostgreSQL, executemany of
    `as_params(row)` elsewhere. Every CSV import of the project loads this way."""
    if not batch:
        return
    if dialect() == "postgresql":
        cursor = db.session.connection().connection.driver_connection.cursor()
        with cursor, cursor.copy(copy_sql) as copy:
            for row in batch:
                copy.write_row(row)
    else:
        db.session.connection().exec_driver_sql(insert_sql, [as_params(r) for r in batch])


def batches(parsed: Iterable, summary, size: int) -> Iterator[list]:
    """Parsed rows in lists of `size`; a RowError goes straight to `summary.add_error`."""
    batch: list = []
    for item in parsed:
        summary.rows += 1
        if isinstance(item, RowError):
            summary.add_error(item)
            continue
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    yield batch


def analyze(table: sa.Table) -> None:
    """PostgreSQL never auto-analyzes temporary tables: give the planner their sizes."""
    if dialect() == "postgresql":
        db.session.execute(sa.text(f"ANALYZE {table.name}"))
