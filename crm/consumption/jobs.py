"""Jobs of the consumption check: an uploaded file's import, and alerts left without a ticket."""
from __future__ import annotations

import logging
import os
import time

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext as _

from crm.consumption import tickets
from crm.consumption.csvfile import FileUnreadable
from crm.consumption.importer import import_readings
from crm.core import schedule as periodic
from crm.core.db import dialect
from crm.extensions import db
from crm.models import ImportStatus, ReadingImport, utcnow

log = logging.getLogger(__name__)

#: Jobs stop opening tickets after this long (RQ's default job timeout is 180 s); the
#: periodic job below carries on where they stopped.
TICKET_SECONDS = 120

# Alerts without a ticket: left by an upload's job past its budget, or a stopped import.
periodic.register("consumption-alert-tickets", "crm.consumption.jobs.open_pending_tickets", 300)


def open_pending_tickets() -> None:
    """Open the ticket of alerts that have none, for up to TICKET_SECONDS (idempotent)."""
    tickets.open_pending(seconds=TICKET_SECONDS)


def run_import(import_id: int) -> None:
    """Import an uploaded readings file and record the summary (or why it failed) on its row.

    Runs once: a row that is no longer queued is left alone. Commits; the file is deleted.
    """
    run = db.session.get(ReadingImport, import_id)
    if run is None or run.status != ImportStatus.QUEUED:
        return
    run.status, run.started_at = ImportStatus.RUNNING, utcnow()
    path, size, actor = run.stored_path, run.size_bytes, run.created_by
    db.session.commit()
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            with open(path, "rb") as binary:
                summary = import_readings(binary, size=size, actor=actor,
                                          progress=_ProgressWriter(import_id),
                                          ticket_seconds=TICKET_SECONDS)
        except (OSError, FileUnreadable) as exc:
            db.session.rollback()
            _finish(import_id, error=str(exc) if isinstance(exc, FileUnreadable)
                    else _("Không đọc được tệp đã tải lên."))
            return
        except Exception:
            db.session.rollback()
            _finish(import_id, error=_("Lỗi hệ thống khi nhập tệp; đã ghi nhật ký."))
            raise
    _finish(import_id, summary=summary.as_dict())


def _finish(import_id: int, *, summary: dict | None = None, error: str | None = None) -> None:
    run = db.session.get(ReadingImport, import_id)
    if run.stored_path:
        try:
            os.remove(run.stored_path)
        except OSError:
            log.warning("could not delete %s", run.stored_path)
    run.status = ImportStatus.FAILED if error else ImportStatus.DONE
    run.summary, run.error, run.finished_at, run.stored_path = summary, error, utcnow(), None
    run.progress_bytes = run.size_bytes
    db.session.commit()


class _ProgressWriter:
    """Bytes read so far, written at most once a second from a connection of its own.

    The import reads inside one long transaction, so its own writes stay invisible until
    the end. Only on PostgreSQL: SQLite allows one writer, the import. Best effort.
    """

    def __init__(self, import_id: int):
        self.import_id, self.last = import_id, 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != "read" or time.monotonic() - self.last < 1 or dialect() != "postgresql":
            return
        self.last = time.monotonic()
        table = ReadingImport.__table__
        try:
            with db.engine.begin() as conn:
                conn.execute(table.update().where(table.c.id == self.import_id)
                             .values(progress_bytes=done))
        except sa.exc.SQLAlchemyError:
            log.warning("could not record the progress of import %s", self.import_id)
