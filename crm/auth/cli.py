"""`flask --app wsgi create-user`: add a staff account from the command line."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from crm import labels
from crm.auth.services import MIN_PASSWORD_LENGTH, AccountError, create_user
from crm.extensions import db
from crm.models import District, Role, User


def init_app(app: Flask) -> None:
    # Help texts are plain strings: click renders them with no request to pick a language.
    app.cli.command("create-user", help="Thêm một tài khoản nhân viên.")(create_user_command)


@click.argument("username")
@click.option("--role", required=True, type=click.Choice(Role.values()),
              help="Vai trò của tài khoản.")
@click.option("--district", "district_code", metavar="CODE",
              help="Mã Điện lực (bắt buộc với district_staff), ví dụ PC05AA.")
@click.option("--password", help="Mật khẩu; bỏ trống để nhập ẩn hai lần.")
@click.option("--full-name", help="Họ và tên hiển thị.")
@click.option("--email", help="Địa chỉ email.")
def create_user_command(username: str, role: str, district_code: str | None,
                        password: str | None, full_name: str | None, email: str | None) -> None:
    """Create one account and commit; every refusal exits 1 with nothing saved."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):   # no request here
        username = username.strip()
        district = _district(district_code)
        _check(username, Role(role), district, email)
        if password is None:
            password = click.prompt(_("Mật khẩu"), hide_input=True,
                                    confirmation_prompt=_("Nhập lại mật khẩu"))
        if len(password) < MIN_PASSWORD_LENGTH:
            raise click.ClickException(_("Mật khẩu cần ít nhất %(n)d ký tự.",
                                         n=MIN_PASSWORD_LENGTH))
        try:
            user = create_user(username, role=role, password=password, district=district,
                               full_name=(full_name or "").strip() or None,
                               email=email.strip().lower() if email else None)
        except AccountError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
        where = f", {user.district.code}" if user.district else ""
        click.echo(_("Đã tạo tài khoản %(username)s (%(role)s%(where)s).",
                     username=user.username, role=labels.label("role", user.role), where=where))


def _district(code: str | None) -> District | None:
    if not code:
        return None
    district = db.session.scalar(sa.select(District).where(District.code == code.strip().upper()))
    if district is None:
        raise click.ClickException(_("Không có Điện lực mã %(code)s.", code=code))
    return district


def _check(username: str, role: Role, district: District | None, email: str | None) -> None:
    """Refuse before asking for a password: a typo should not cost the admin a retype."""
    if not username or len(username) > 64 or any(ch.isspace() for ch in username):
        raise click.ClickException(_("Tên đăng nhập không hợp lệ (1–64 ký tự, không có "
                                     "khoảng trắng)."))
    if role == Role.DISTRICT_STAFF and district is None:
        raise click.ClickException(_("Tài khoản nhân viên Điện lực cần --district."))
    if role != Role.DISTRICT_STAFF and district is not None:
        click.echo(_("Lưu ý: --district chỉ dùng cho vai trò district_staff; đã bỏ qua."),
                   err=True)
    if email and "@" not in email:
        raise click.ClickException(_("Địa chỉ email không hợp lệ."))
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise click.ClickException(_("Tài khoản %(username)s đã tồn tại.", username=username))
