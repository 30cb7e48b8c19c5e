"""Accounts: creation and authentication."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from crm.core import audit
from crm.extensions import db
from crm.models import District, Role, User, utcnow

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """The account cannot be created as asked; the message says why."""


def create_user(username: str, *, role: Role | str, password: str, full_name: str | None = None,
                district: District | None = None, email: str | None = None) -> User:
    """A new staff account; district_staff must name their district. Raises AccountError."""
    role = Role(role)
    if role == Role.DISTRICT_STAFF and district is None:
        raise AccountError(_("Nhân viên Điện lực phải thuộc một Điện lực (--district)."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("Mật khẩu cần ít nhất %(n)s ký tự.", n=MIN_PASSWORD_LENGTH))
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise AccountError(_("Tài khoản %(name)s đã tồn tại.", name=username))
    user = User(username=username, full_name=full_name or username, role=role,
                district=district if role == Role.DISTRICT_STAFF else None, email=email)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user", user.id, "created", {"role": [None, str(role)]})
    return user


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer for every failure)."""
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    if user is None or not user.is_active or not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user
