"""`readings import`: a readings CSV into the database, with the ±30 % check, in two phases.

1. One transaction for the readings: rows are parsed as the file streams by and loaded into
   a temporary table in batches (memory holds one batch and at most 100 errors); then every
   rule runs set-based (`checks`): unknown customers and repeats are reported, each reading
   is compared with the previous period on record and flagged or not, new periods are
   inserted and changed ones updated with their flags, one alert is claimed per flagged
   customer + period. A failure leaves no reading half-imported (the caller rolls back).
2. Short transactions (`tickets.open_pending`): each new alert gets its abnormal-consumption
   ticket and the customer's warning notice. Keeping them out of phase 1 means the ticket
   counter is never locked for the length of a whole file.

Re-importing the same file changes nothing and creates nothing: unchanged rows are counted
as `unchanged`, alerts exist already. A changed kWh for a period on record replaces it and is
checked again; if it is still abnormal the existing alert (and its ticket) stands, if it no
longer is the flag is cleared and the ticket stays for the district to close.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO, Callable

from crm.consumption import checks, csvfile, rules, staging, tickets
from crm.consumption.csvfile import RowError
from crm.core.timefmt import local
from crm.extensions import db
from crm.models import User, utcnow

BATCH = 5000
MAX_ERRORS = 100
#: progress(stage, done, total): stage "read" counts bytes, "tickets" counts tickets
Progress = Callable[[str, int, int], None]


@dataclass
class Summary:
    """What an import did; `as_dict()` is the one-line JSON the command prints."""

    rows: int = 0            #: data rows in the file (header and blank lines not counted)
    imported: int = 0        #: readings written: new periods and changed ones
    unchanged: int = 0       #: rows identical to what was on record (a re-import)
    flagged: int = 0         #: the file's readings that are flagged after the import
    tickets: int = 0         #: abnormal-consumption tickets this run opened
    skipped: int = 0         #: bad rows, each in `errors` (the first 100 by line)
    errors: list[RowError] = field(default_factory=list)

    def add_error(self, error: RowError) -> None:
        self.skipped += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)

    def as_dict(self) -> dict:
        return {"rows": self.rows, "imported": self.imported, "unchanged": self.unchanged,
                "flagged": self.flagged, "tickets": self.tickets, "skipped": self.skipped,
                "errors": [e.as_dict() for e in self.errors]}


def import_readings(binary: BinaryIO, *, size: int = 0, today: date | None = None,
                    actor: User | None = None, progress: Progress | None = None,
                    ticket_seconds: float | None = None) -> Summary:
    """Import a readings CSV opened in binary mode; commits (see above). Raises FileUnreadable.

    `ticket_seconds` bounds phase 2 (for jobs with a timeout); alerts left over get their
    tickets from the periodic job.
    """
    progress = progress or (lambda stage, done, total: None)
    today = today or local(utcnow()).date()
    lines = csvfile.open_lines(binary)
    summary = Summary()
    staging.create()
    for batch in staging.batches(csvfile.read_rows(lines, today=today), summary, BATCH):
        staging.load(batch)
        progress("read", lines.bytes, size)
    progress("read", lines.bytes, size)
    _apply_rules(summary, rules.threshold())
    staging.drop()
    db.session.commit()
    summary.tickets = tickets.open_pending(actor=actor, progress=progress,
                                           seconds=ticket_seconds)
    return summary


def _apply_rules(summary: Summary, limit: int | float) -> None:
    now = utcnow()
    staging.analyze(staging.rows)
    checks.resolve()
    staging.analyze(staging.resolved)
    bad, found = checks.row_errors(MAX_ERRORS)
    summary.skipped += bad
    summary.errors = sorted(summary.errors + found, key=lambda e: e.line)[:MAX_ERRORS]
    kept = checks.decide(limit)
    staging.analyze(staging.checks)
    inserted, changed = checks.write_readings(now)
    summary.imported = inserted + changed
    summary.unchanged = kept - summary.imported
    summary.flagged = checks.flagged_count()
    checks.claim_alerts(now)
