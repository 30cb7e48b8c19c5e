"""Importing a planned-outage CSV, streaming: each row is saved or reported by line number.

Used by `flask outages import` and the upload page, so both give the same report. A bad
row is skipped with its reason and loses nothing else: every row is saved in its own
savepoint. Only a file without a usable header stops the import (`FileError`).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

import sqlalchemy as sa
from flask_babel import gettext as _

from crm.core.timefmt import fmt_date, local
from crm.extensions import db
from crm.models import District, User, Ward, utcnow
from crm.planned_outages import services
from crm.planned_outages.rows import FileError, OutageRow, RowError, header, parse, records
from workflows.routing import district_for

MAX_ERRORS = 100


@dataclass
class Summary:
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0

    @property
    def imported(self) -> int:
        return self.created + self.updated

    def fail(self, line: int, message: str) -> None:
        self.skipped += 1
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"line": line, "error": message})

    def as_dict(self) -> dict:
        """The one-line report of the import commands (DESIGN: errors capped at 100)."""
        return {"rows": self.rows, "imported": self.imported, "skipped": self.skipped,
                "errors": self.errors}


def text_lines(binary: Iterable[bytes], progress: Callable[[int], None] | None = None):
    """Decoded lines of a byte stream; bad UTF-8 survives as surrogates for the row to report."""
    for number, raw in enumerate(binary):
        if progress:
            progress(len(raw))
        line = raw.decode("utf-8", "surrogateescape")
        yield line.lstrip("\ufeff") if number == 0 else line


class Importer:
    """Saves rows one by one, remembering districts and wards already looked up."""

    def __init__(self, *, actor: User | None = None, now: datetime | None = None):
        self.actor, self.now = actor, now or utcnow()
        self.districts: dict[str, District | None] = {}
        self.wards: dict[str, Ward | None] = {}

    def run(self, binary: Iterable[bytes], *, progress=None, after_batch=None,
            batch: int = 200) -> Summary:
        """Import every record; FileError when the header is missing or wrong."""
        summary, names = Summary(), None
        for line, fields in records(text_lines(binary, progress)):
            if names is None:
                if isinstance(fields, RowError):
                    raise FileError(str(fields))
                names = header(fields)
                continue
            summary.rows += 1
            self._one(summary, line, fields, names)
            if after_batch and summary.rows % batch == 0:
                after_batch()
        if names is None:
            raise FileError(_("Tệp trống: cần một dòng tiêu đề và các dòng lịch."))
        return summary

    def _one(self, summary: Summary, line: int, fields, names: list[str]) -> None:
        savepoint = db.session.begin_nested()
        try:
            if isinstance(fields, RowError):
                raise fields
            row = parse(line, names, fields)
            outcome = services.save_row(row, *self._place(row), actor=self.actor, now=self.now)
        except RowError as exc:
            savepoint.rollback()
            summary.fail(line, str(exc))
            return
        except sa.exc.SQLAlchemyError as exc:           # e.g. a twin row saved concurrently
            savepoint.rollback()
            summary.fail(line, _("Không lưu được dòng này: %(error)s",
                                 error=type(exc).__name__))
            return
        savepoint.commit()
        if outcome == services.CREATED:
            summary.created += 1
        elif outcome == services.UPDATED:
            summary.updated += 1
        else:
            summary.skipped += 1

    def _place(self, row: OutageRow) -> tuple[District, list[Ward]]:
        """The district and wards a row names; RowError for unknown codes or another's ward."""
        district = self._district(row.district_code)
        day = local(row.starts_at).date()
        wards = []
        for code in row.ward_codes:
            ward = self._ward(code)
            serving = district_for(ward, day)
            if serving is None or serving.id != district.id:
                raise RowError(_("Phường/xã %(code)s không thuộc %(district)s ngày %(day)s.",
                                 code=code, district=district.code, day=fmt_date(day)))
            wards.append(ward)
        return district, wards

    def _district(self, code: str) -> District:
        if code not in self.districts:
            self.districts[code] = db.session.scalar(
                sa.select(District).where(District.code == code))
        if self.districts[code] is None:
            raise RowError(_("Không có Điện lực mã %(code)s.", code=code))
        return self.districts[code]

    def _ward(self, code: str) -> Ward:
        if code not in self.wards:
            self.wards[code] = db.session.scalar(sa.select(Ward).where(Ward.code == code))
        if self.wards[code] is None:
            raise RowError(_("Không có phường/xã mã %(code)s.", code=code))
        return self.wards[code]


def import_file(binary: BinaryIO, *, actor: User | None = None, progress=None,
                after_batch=None) -> Summary:
    """Import a CSV byte stream (see `rows` for the columns); raises FileError only."""
    return Importer(actor=actor).run(binary, progress=progress, after_batch=after_batch)
