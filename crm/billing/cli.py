"""`flask --app wsgi bill estimate --kwh N [--households H] [--from DATE --to DATE]`."""
from __future__ import annotations

import json

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from crm.billing import queries
from crm.billing.estimate import EstimateError

bill_cli = AppGroup("bill", help="Hóa đơn tiền điện: ước tính theo biểu giá bậc thang.")

OPTIONS = {"kwh": "--kwh", "households": "--households", "from": "--from", "to": "--to"}


def init_app(app: Flask) -> None:
    app.cli.add_command(bill_cli)


@bill_cli.command("estimate")
@click.option("--kwh", type=click.IntRange(min=0), required=True,
              help="Sản lượng điện (kWh, số nguyên).")
@click.option("--households", type=click.IntRange(min=1), default=1, show_default=True,
              help="Số hộ dùng chung công tơ.")
@click.option("--from", "period_from", type=click.DateTime(["%Y-%m-%d", "%d/%m/%Y"]),
              help="Ngày đầu kỳ (ngày sau lần ghi chỉ số trước), YYYY-MM-DD.")
@click.option("--to", "period_to", type=click.DateTime(["%Y-%m-%d", "%d/%m/%Y"]),
              help="Ngày cuối kỳ (ngày ghi chỉ số), YYYY-MM-DD.")
def estimate_command(kwh, households, period_from, period_to):
    """Print the bill as one line of JSON (đồng, integers); bad input exits 2."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):   # no request here
        try:
            result = queries.estimate_bill(
                kwh, households=households,
                period_from=period_from.date() if period_from else None,
                period_to=period_to.date() if period_to else None)
        except EstimateError as exc:
            raise click.BadParameter(str(exc), param_hint=OPTIONS[exc.field]) from exc
    click.echo(json.dumps(result, ensure_ascii=False))
