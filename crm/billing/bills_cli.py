"""`flask --app wsgi bills import FILE.csv` and `bills queue IMPORT_ID` (resume a run)."""
from __future__ import annotations

import json
import os

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale, lazy_gettext as _l

from crm.billing import bills
from crm.consumption.cli import _ProgressBars, _reason
from crm.consumption.csvfile import FileUnreadable
from crm.extensions import db
from crm.models import BillImport

bills_cli = AppGroup("bills", help="Thông báo tiền điện hàng loạt: nhập hóa đơn, xếp hàng gửi.")


class _BillBars(_ProgressBars):
    """The readings import's progress bars, with the stages of a bills run."""

    def __init__(self):
        super().__init__()
        self.labels = {"read": _l("Đọc tệp"), "queue": _l("Xếp hàng thông báo tiền điện")}


@bills_cli.command("import")
@click.argument("path", metavar="FILE.csv", type=click.Path())
def import_command(path: str):
    """Nhập hóa đơn (mã KH, kỳ YYYY-MM, kWh, số tiền, hạn thanh toán) và xếp hàng thông báo."""
    bars = _BillBars()
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            with open(path, "rb") as binary:
                run, summary = bills.import_bills(
                    binary, filename=os.path.basename(path),
                    size=os.fstat(binary.fileno()).st_size, progress=bars)
        except (OSError, FileUnreadable) as exc:
            db.session.rollback()
            raise click.ClickException(_reason(exc, path)) from exc
        finally:
            bars.close()
    click.echo(json.dumps({"import": run.id} | summary.as_dict(), ensure_ascii=False))


@bills_cli.command("queue")
@click.argument("import_id", type=int)
def queue_command(import_id: int):
    """Xếp hàng tiếp các thông báo còn thiếu của một lần nhập (chạy lại sau khi bị dừng)."""
    if db.session.get(BillImport, import_id) is None:
        raise click.ClickException(f"not found: {import_id}")
    bars = _BillBars()
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            queued = bills.queue_bill_notices(import_id, progress=bars)
        finally:
            bars.close()
    run = db.session.get(BillImport, import_id)
    click.echo(json.dumps({"import": import_id, "queued": queued, "bills": run.bills_total,
                           "notices": run.notices_queued}))


def init_app(app: Flask) -> None:
    app.cli.add_command(bills_cli)
