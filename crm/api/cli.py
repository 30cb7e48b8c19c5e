"""`flask --app wsgi api-token create NAME [--district CODE]` and `api-token revoke NAME`."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _

from crm.api.auth import TokenError, create_token, revoke_token
# the same --district lookup (and refusal) as `create-user`
from crm.auth.cli import _district
from crm.extensions import db

token_cli = AppGroup("api-token", help="Token của REST API /api/v1.")


def init_app(app: Flask) -> None:
    app.cli.add_command(token_cli)


@token_cli.command("create")
@click.argument("name")
@click.option("--district", "district_code", metavar="CODE",
              help="Chỉ cho xem phiếu của Điện lực này, ví dụ PC05AA.")
def create_command(name: str, district_code: str | None) -> None:
    """Print a new token (shown this once only; only its SHA-256 is kept)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        district = _district(district_code)
        try:
            _row, token = create_token(name, district)
        except TokenError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
        click.echo(token)
        click.echo(_("Lưu token này ngay: hệ thống không hiển thị lại."), err=True)


@token_cli.command("revoke")
@click.argument("name")
def revoke_command(name: str) -> None:
    """Revoke a token: every later request with it answers 401."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            row = revoke_token(name)
        except TokenError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
        click.echo(_("Đã thu hồi token “%(name)s”.", name=row.name))
