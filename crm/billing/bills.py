"""Bill notices in bulk: a month's bills from CSV, then one notice per bill in the outbox.

Two phases, each resumable:

1. `import_bills` (one transaction): rows stream into a temporary table in batches (COPY on
   PostgreSQL); unknown customers and repeats inside the file are found set-based and
   reported by line; the rest become `bills` with INSERT … SELECT, a bill already on record
   for the customer and period is left alone (`existing`), so importing a file again adds
   nothing.
2. `queue_bill_notices` (a transaction per batch): the bills of the import, in id order,
   get one `notifications` row each, written with INSERT … SELECT beside this month, last
   month and the same month last year (from earlier bills, else readings). Each batch
   commits with the import's cursor (`queued_through_id`), so a stopped run is resumed by
   calling it again; the notice key `bill:<customer>:<period>` makes a repeat impossible
   anyway.

Pacing: the dispatcher sends what is due; bill notices are spread over time by their
`next_attempt_at`, `bill_notices_per_minute` of them a minute (admin setting), and never
inside quiet hours, so a month-end run does not flood the SMS and Zalo providers nor push
urgent notices (outages) to the back of the queue.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import BinaryIO, Callable

import sqlalchemy as sa
from flask_babel import gettext as _

from crm.billing import bills_csv
from crm.consumption import csvfile, staging
from crm.consumption.csvfile import RowError
from crm.core import settings
from crm.core.db import dialect
from crm.core.timefmt import local
from crm.extensions import db
from crm.models import Bill, BillImport, Customer, ImportStatus, Reading, utcnow

BATCH = 5000                 #: rows loaded per COPY
QUEUE_BATCH = 20000          #: notices written (and committed) per step
MAX_ERRORS = 100
EVENT = "bill"
#: progress(stage, done, total): "read" counts bytes, "queue" counts notices
Progress = Callable[[str, int, int], None]

metadata = sa.MetaData()     #: temporary tables only: Alembic never sees them
rows = sa.Table("bill_rows", metadata,
                sa.Column("line", sa.Integer, primary_key=True),
                sa.Column("code", sa.String(20), nullable=False),
                sa.Column("period", sa.String(7), nullable=False),
                sa.Column("kwh", sa.BigInteger, nullable=False),
                sa.Column("amount", sa.BigInteger, nullable=False),
                sa.Column("due_on", sa.Date, nullable=False),
                prefixes=["TEMPORARY"])
resolved = sa.Table("bill_resolved", metadata,
                    sa.Column("line", sa.Integer, primary_key=True),
                    sa.Column("code", sa.String(20), nullable=False),
                    sa.Column("customer_id", sa.Integer),
                    sa.Column("period", sa.String(7), nullable=False),
                    sa.Column("kwh", sa.BigInteger, nullable=False),
                    sa.Column("amount", sa.BigInteger, nullable=False),
                    sa.Column("due_on", sa.Date, nullable=False),
                    sa.Column("first_line", sa.Integer, nullable=False),
                    prefixes=["TEMPORARY"])
#: the periods of a batch beside the two they are compared with
periods = sa.Table("bill_periods", metadata,
                   sa.Column("period", sa.String(7), primary_key=True),
                   sa.Column("last_month", sa.String(7), nullable=False),
                   sa.Column("last_year", sa.String(7), nullable=False),
                   prefixes=["TEMPORARY"])
COPY_ROWS = "COPY bill_rows (line, code, period, kwh, amount, due_on) FROM STDIN"
INSERT_ROWS = ("INSERT INTO bill_rows (line, code, period, kwh, amount, due_on) "
               "VALUES (?, ?, ?, ?, ?, ?)")


@dataclass
class Summary:
    """What an import did; `as_dict()` is the one-line JSON the command prints."""

    rows: int = 0            #: data rows in the file
    imported: int = 0        #: new bills
    existing: int = 0        #: bills already on record for the customer and period
    queued: int = 0          #: notices queued by this run
    skipped: int = 0         #: bad rows, each in `errors` (the first 100 by line)
    errors: list[RowError] = field(default_factory=list)

    def add_error(self, error: RowError) -> None:
        self.skipped += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)

    def as_dict(self) -> dict:
        return {"rows": self.rows, "imported": self.imported, "existing": self.existing,
                "queued": self.queued, "skipped": self.skipped,
                "errors": [e.as_dict() for e in self.errors]}


def import_bills(binary: BinaryIO, *, filename: str, size: int = 0, today: date | None = None,
                 actor=None, progress: Progress | None = None) -> tuple[BillImport, Summary]:
    """Import a bills CSV opened in binary mode and queue its notices; commits.

    Raises FileUnreadable (nothing written) when the file is not a CSV at all.
    """
    progress = progress or (lambda stage, done, total: None)
    today = today or local(utcnow()).date()
    lines = csvfile.open_lines(binary)
    run = BillImport(filename=filename[:255], size_bytes=size, status=ImportStatus.RUNNING,
                     created_by=actor)
    db.session.add(run)
    db.session.flush()
    summary = Summary()
    _create_temp()
    for batch in staging.batches(bills_csv.read_rows(lines, today=today), summary, BATCH):
        staging.copy_rows(COPY_ROWS, INSERT_ROWS, batch, lambda r: (
            r.line, r.code, r.period, r.kwh, r.amount, r.due_on.isoformat()))
        run.progress_bytes = lines.bytes
        progress("read", lines.bytes, size)
    run.progress_bytes = lines.bytes
    progress("read", lines.bytes, size)
    _write_bills(run, summary)
    _drop_temp()
    run.bills_total = summary.imported
    run.summary = summary.as_dict()
    db.session.commit()
    summary.queued = queue_bill_notices(run.id, progress=progress)
    run = db.session.get(BillImport, run.id)
    run.summary = summary.as_dict()
    db.session.commit()
    return run, summary


def _create_temp() -> None:
    connection = db.session.connection()
    if dialect() == "postgresql":
        connection.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    for table in (rows, resolved):
        table.create(connection)


def _drop_temp() -> None:
    connection = db.session.connection()
    for table in (resolved, rows):
        table.drop(connection)


def _write_bills(run: BillImport, summary: Summary) -> None:
    """Resolve customers, report unknown ones and repeats, insert the new bills."""
    customers = Customer.__table__
    staging.analyze(rows)
    code = rows.c.code.collate("C") if dialect() == "postgresql" else rows.c.code
    first = sa.func.min(rows.c.line).over(partition_by=(code, rows.c.period))
    db.session.execute(resolved.insert().from_select(
        ["line", "code", "customer_id", "period", "kwh", "amount", "due_on", "first_line"],
        sa.select(rows.c.line, rows.c.code, customers.c.id, rows.c.period, rows.c.kwh,
                  rows.c.amount, rows.c.due_on, first)
        .select_from(rows.outerjoin(customers, customers.c.code == rows.c.code))))
    staging.analyze(resolved)
    bad = sa.or_(resolved.c.customer_id.is_(None), resolved.c.line != resolved.c.first_line)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(resolved).where(bad))
    found = [_row_error(*r) for r in db.session.execute(
        sa.select(resolved.c.line, resolved.c.code, resolved.c.customer_id,
                  resolved.c.first_line).where(bad).order_by(resolved.c.line).limit(MAX_ERRORS))]
    summary.skipped += count
    summary.errors = sorted(summary.errors + found, key=lambda e: e.line)[:MAX_ERRORS]
    kept = db.session.scalar(sa.select(sa.func.count()).select_from(resolved)
                             .where(sa.not_(bad)))
    bills = Bill.__table__
    on_record = sa.exists().where(bills.c.customer_id == resolved.c.customer_id,
                                  bills.c.period == resolved.c.period)
    result = db.session.execute(bills.insert().from_select(
        ["customer_id", "period", "kwh", "amount", "due_on", "import_id", "created_at"],
        sa.select(resolved.c.customer_id, resolved.c.period, resolved.c.kwh,
                  resolved.c.amount, resolved.c.due_on,
                  sa.literal(run.id, sa.Integer), sa.literal(utcnow(), Bill.created_at.type))
        .where(sa.not_(bad), sa.not_(on_record))).execution_options(preserve_rowcount=True))
    summary.imported = result.rowcount
    summary.existing = kept - summary.imported


def _row_error(line: int, code: str, customer_id: int | None, first: int) -> RowError:
    if customer_id is None:
        return RowError(line, _("Không có khách hàng mã %(code)s.", code=code))
    return RowError(line, _("Trùng khách hàng và kỳ với dòng %(first)d.", first=first))


def queue_bill_notices(import_id: int, *, progress: Progress | None = None,
                       batch: int = QUEUE_BATCH) -> int:
    """Queue the notices of the import's bills that have none yet; commits per batch.

    Returns how many this call queued. Safe to run again at any time (resume).
    """
    from crm.notifications import choice, outbox

    progress = progress or (lambda stage, done, total: None)
    run = db.session.get(BillImport, import_id)
    per_minute = max(int(settings.get("bill_notices_per_minute")), 1)
    start, queued = choice.not_before(utcnow(), urgent=False), 0
    while True:
        ids = db.session.scalars(
            sa.select(Bill.id).where(Bill.import_id == import_id,
                                     Bill.id > (run.queued_through_id or 0))
            .order_by(Bill.id).limit(batch)).all()
        if not ids:
            break
        due = choice.not_before(start + timedelta(minutes=run.notices_queued // per_minute),
                                urgent=False)
        written = _queue_batch(import_id, ids[0], ids[-1], due)
        run.queued_through_id = ids[-1]
        run.notices_queued += written
        queued += written
        outbox.wake()
        db.session.commit()
        progress("queue", run.notices_queued, run.bills_total)
    run.status, run.finished_at = ImportStatus.DONE, utcnow()
    db.session.commit()
    return queued


def _queue_batch(import_id: int, low: int, high: int, due) -> int:
    """One INSERT … SELECT into the outbox for the import's bills with ids in [low, high].
    Returns the notices written (a key already there is skipped, never doubled)."""
    from crm.models import Notification, NotificationStatus

    bills, notices = Bill.__table__, Notification.__table__
    pending = sa.and_(bills.c.import_id == import_id, bills.c.id.between(low, high))
    _fill_periods(pending)
    customers = Customer.__table__
    last_bill, year_bill = bills.alias("last_bill"), bills.alias("year_bill")
    last_read, year_read = Reading.__table__.alias("last_read"), Reading.__table__.alias("year_read")
    joined = (bills.join(customers, customers.c.id == bills.c.customer_id)
              .join(periods, periods.c.period == bills.c.period)
              .outerjoin(last_bill, sa.and_(last_bill.c.customer_id == bills.c.customer_id,
                                            last_bill.c.period == periods.c.last_month))
              .outerjoin(year_bill, sa.and_(year_bill.c.customer_id == bills.c.customer_id,
                                            year_bill.c.period == periods.c.last_year))
              .outerjoin(last_read, sa.and_(last_read.c.customer_id == bills.c.customer_id,
                                            last_read.c.period == periods.c.last_month))
              .outerjoin(year_read, sa.and_(year_read.c.customer_id == bills.c.customer_id,
                                            year_read.c.period == periods.c.last_year)))
    context = _json_object(
        ma_khach_hang=customers.c.code, ten_khach_hang=customers.c.name,
        ky=_month_year(bills.c.period), kwh=bills.c.kwh, so_tien=bills.c.amount,
        han_thanh_toan=_text(bills.c.due_on),
        ky_truoc=_month_year(periods.c.last_month),
        kwh_ky_truoc=sa.func.coalesce(last_bill.c.kwh, last_read.c.kwh),
        so_tien_ky_truoc=last_bill.c.amount,
        ky_nam_truoc=_month_year(periods.c.last_year),
        kwh_ky_nam_truoc=sa.func.coalesce(year_bill.c.kwh, year_read.c.kwh),
        so_tien_ky_nam_truoc=year_bill.c.amount)
    now = utcnow()
    key = (sa.literal_column("'bill:'", sa.String) + _text(bills.c.customer_id)
           + sa.literal_column("':'", sa.String) + bills.c.period)
    source = (sa.select(key, bills.c.customer_id, sa.literal(EVENT), context,
                        sa.false(), sa.literal(NotificationStatus.QUEUED.value),
                        sa.literal([], Notification.tried.type), sa.literal(0),
                        sa.literal(due, Notification.next_attempt_at.type),
                        sa.literal(now, Notification.created_at.type))
              .select_from(joined).where(pending))
    insert = _insert_ignoring(notices).from_select(
        ["key", "customer_id", "event", "context", "urgent", "status", "tried", "attempts",
         "next_attempt_at", "created_at"], source).on_conflict_do_nothing(
        index_elements=["key"])
    written = db.session.execute(insert.execution_options(preserve_rowcount=True)).rowcount
    db.session.execute(periods.delete())
    return written


def _fill_periods(pending) -> None:
    """The batch's periods beside last month and the same month last year (a handful)."""
    connection = db.session.connection()
    periods.create(connection, checkfirst=True)
    found = db.session.scalars(sa.select(Bill.period).where(pending).distinct()).all()
    db.session.execute(periods.delete())
    if found:
        db.session.execute(periods.insert(), [
            {"period": p, "last_month": _shift(p, -1), "last_year": _shift(p, -12)}
            for p in found])


def _shift(period: str, months: int) -> str:
    year, month = int(period[:4]), int(period[5:7])
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _text(column):
    return sa.cast(column, sa.String)


def _month_year(period):
    """"2026-10" → "10/2026", as Vietnamese bills write the period."""
    return (sa.func.substr(period, 6, 2, type_=sa.String) + sa.literal_column("'/'", sa.String)
            + sa.func.substr(period, 1, 4, type_=sa.String))


def _json_object(**values):
    pairs = [part for name, value in values.items()
             for part in (sa.literal_column(f"'{name}'"), value)]
    if dialect() == "postgresql":
        return sa.func.jsonb_build_object(*pairs)
    return sa.func.json(sa.func.json_object(*pairs))


def _insert_ignoring(table):
    from sqlalchemy.dialects import postgresql, sqlite
    return (postgresql if dialect() == "postgresql" else sqlite).insert(table)
