"""`flask --app wsgi readings ...`: import a readings file, set reading days, ask the next one."""
from __future__ import annotations

import json
import os
import sys

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale, gettext as _, lazy_gettext as _l

from crm.consumption import jobs  # noqa: F401  (joins the periodic schedule at start-up)
from crm.consumption import schedule
from crm.consumption.csvfile import FileUnreadable
from crm.consumption.importer import import_readings
from crm.core.timefmt import local
from crm.extensions import db
from crm.models import Customer, Ward, utcnow

readings_cli = AppGroup("readings", help="Chỉ số công tơ: nhập tệp, lịch ghi chỉ số.")


class _ProgressBars:
    """One click progress bar per stage, on stderr (stdout carries only the JSON summary)."""

    def __init__(self):
        self.stage, self.bar, self.shown = None, None, 0
        self.labels = {"read": _l("Đọc tệp"), "tickets": _l("Tạo phiếu sản lượng bất thường")}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage, self.shown = stage, 0
            self.bar = click.progressbar(length=max(total, 1), label=str(self.labels[stage]),
                                         file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(max(done - self.shown, 0))
        self.shown = max(done, self.shown)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@readings_cli.command("import")
@click.argument("path", metavar="FILE.csv", type=click.Path())
def import_command(path: str):
    """Nhập chỉ số (mã KH, kỳ YYYY-MM, kWh, ngày ghi) và kiểm tra thay đổi ±30 %."""
    bars = _ProgressBars()
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):   # no request here
        try:
            with open(path, "rb") as binary:
                summary = import_readings(binary, size=os.fstat(binary.fileno()).st_size,
                                          progress=bars)
        except (OSError, FileUnreadable) as exc:
            db.session.rollback()
            raise click.ClickException(_reason(exc, path)) from exc
        finally:
            bars.close()
    click.echo(json.dumps(summary.as_dict(), ensure_ascii=False))


def _reason(exc: Exception, path: str) -> str:
    if isinstance(exc, FileUnreadable):
        return str(exc)
    return _("Không đọc được tệp %(path)s: %(reason)s", path=path, reason=exc.strerror or exc)


@readings_cli.command("reading-day")
@click.option("--customer", "customer_code", help="mã khách hàng")
@click.option("--ward", "ward_code", help="mã phường/xã (lộ trình ghi chỉ số)")
@click.argument("day")
def reading_day_command(customer_code, ward_code, day):
    """Đặt ngày ghi chỉ số: 1–31, month-end (cuối tháng) hoặc default (bỏ, về mặc định)."""
    if bool(customer_code) == bool(ward_code):
        raise click.UsageError("give exactly one of --customer and --ward")
    value = _day(day)
    if customer_code:
        target = {"customer": _one(Customer, Customer.code, customer_code.upper())}
    else:
        target = {"ward": _one(Ward, Ward.code, ward_code)}
    schedule.set_reading_day(value, **target)
    db.session.commit()
    click.echo("month-end" if value == schedule.MONTH_END else (value or "default"))


@readings_cli.command("next-date")
@click.argument("customer_code")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None)
def next_date_command(customer_code, today):
    """In ngày ghi chỉ số công tơ kỳ tới của khách hàng."""
    customer = _one(Customer, Customer.code, customer_code.upper())
    day = today.date() if today else local(utcnow()).date()
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        click.echo(schedule.answer(customer, day))


def _day(text: str) -> int | None:
    if text == "default":
        return None
    if text == "month-end":
        return schedule.MONTH_END
    if text.isdigit() and 1 <= int(text) <= schedule.MONTH_END:
        return int(text)
    raise click.BadParameter("1-31, month-end or default", param_hint="DAY")


def _one(model, column, value):
    row = db.session.scalar(sa.select(model).where(column == value))
    if row is None:
        raise click.ClickException(f"not found: {value}")
    return row


def init_app(app: Flask) -> None:
    app.cli.add_command(readings_cli)

