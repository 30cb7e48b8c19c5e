"""`flask --app wsgi calls extension USERNAME [EXTENSION]`: whose desk a PBX extension is on."""
from __future__ import annotations

import re

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _

from crm.core import audit
from crm.extensions import db
from crm.models import User

EXTENSION = re.compile(r"^[0-9A-Za-z*#_.-]{1,32}$")

calls_cli = AppGroup("calls", help="Tổng đài 1900: máy lẻ của nhân viên.")


def init_app(app: Flask) -> None:
    app.cli.add_command(calls_cli)


@calls_cli.command("extension", help="Gán (hoặc bỏ, khi không ghi EXTENSION) máy lẻ PBX "
                                     "của một nhân viên; màn hình của họ bật lên khi máy đổ chuông.")
@click.argument("username")
@click.argument("extension", required=False)
def extension_command(username: str, extension: str | None) -> None:
    """Set or clear one user's extension and commit; a refusal exits 1 with nothing saved."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):   # no request here
        user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
        if user is None:
            raise click.ClickException(_("Không có tài khoản %(name)s.", name=username))
        extension = (extension or "").strip() or None
        if extension is not None and not EXTENSION.match(extension):
            raise click.ClickException(_("Máy lẻ không hợp lệ: %(ext)s.", ext=extension))
        owner = extension and db.session.scalar(
            sa.select(User).where(User.phone_extension == extension, User.id != user.id))
        if owner:
            raise click.ClickException(_("Máy lẻ %(ext)s đang thuộc về %(name)s.",
                                         ext=extension, name=owner.username))
        changes = audit.diff(user, phone_extension=extension)
        if changes:
            audit.record("user", user.id, "extension_changed", changes, actor_label="cli")
        db.session.commit()
        click.echo(_("%(name)s: máy lẻ %(ext)s.", name=user.username, ext=extension or "—"))
