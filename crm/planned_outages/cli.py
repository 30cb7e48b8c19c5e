"""`flask --app wsgi outages import FILE.csv`: the planned-outage schedule, streamed."""
from __future__ import annotations

import json
import os
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from crm.extensions import db
from crm.planned_outages import jobs  # noqa: F401  (every process knows the notices job)
from crm.planned_outages.importer import import_file
from crm.planned_outages.rows import FileError

# Help texts are plain strings: click renders them with no request to pick a language.
outages_cli = AppGroup("outages", help="Lịch tạm ngừng cấp điện.")


@outages_cli.command("import")
@click.argument("file", type=click.File("rb"))
def import_command(file):
    """Nhập lịch tạm ngừng cấp điện từ tệp CSV (in một dòng JSON tổng kết).

    Bad rows are reported by line number and skipped; the exit status is non-zero only
    when the file cannot be read (click's own error) or has no usable header.
    """
    size = _size(file)
    with click.progressbar(length=size or 0, label="outages import", file=sys.stderr,
                           hidden=size is None) as bar:
        try:
            summary = import_file(file, progress=bar.update, after_batch=db.session.commit)
        except FileError as exc:
            db.session.rollback()
            _report({"rows": 0, "imported": 0, "skipped": 0,
                     "errors": [{"line": 1, "error": str(exc)}]})
            sys.exit(1)
    db.session.commit()
    _report(summary.as_dict())


def _size(file) -> int | None:
    """The byte size of a regular file (for the progress bar); None for a pipe."""
    try:
        stat = os.fstat(file.fileno())
    except (AttributeError, OSError, ValueError):
        return None
    return stat.st_size if stat.st_size else None


def _report(summary: dict) -> None:
    click.echo(json.dumps(summary, ensure_ascii=False))


def init_app(app: Flask) -> None:
    app.cli.add_command(outages_cli)
