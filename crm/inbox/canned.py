"""Canned replies (câu trả lời mẫu): saved answers whose {placeholders} are filled per ticket."""
from __future__ import annotations

import string

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from crm.core import phones
from crm.core.timefmt import fmt_date
from crm.extensions import db
from crm.models import CannedReply, Ticket, User, utcnow

#: The placeholders an answer may use, and what each one becomes.
PLACEHOLDERS = {
    "ten_khach_hang": _l("Tên khách hàng"),
    "ma_khach_hang": _l("Mã khách hàng"),
    "ma_phieu": _l("Mã phiếu yêu cầu"),
    "ten_nhan_vien": _l("Tên nhân viên trả lời"),
    "dien_luc": _l("Tên Điện lực phụ trách"),
    "sdt_dien_luc": _l("Số điện thoại Điện lực"),
    "ngay": _l("Ngày hôm nay"),
}


class UnknownPlaceholder(ValueError):
    """The text uses a placeholder that does not exist (named in the message)."""


def placeholders_in(body: str) -> set[str]:
    """The placeholder names a text uses; raises UnknownPlaceholder for malformed braces."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(body) if name is not None}
    except ValueError as exc:
        raise UnknownPlaceholder(str(exc)) from exc


def check(body: str) -> None:
    """Raise UnknownPlaceholder unless every placeholder in `body` is a known one."""
    unknown = sorted(placeholders_in(body) - PLACEHOLDERS.keys())
    if unknown:
        raise UnknownPlaceholder(", ".join("{" + name + "}" for name in unknown))


def values_for(ticket: Ticket, agent: User) -> dict[str, str]:
    district = ticket.district
    return {
        "ten_khach_hang": ticket.customer.name,
        "ma_khach_hang": ticket.customer.code or "",
        "ma_phieu": ticket.code,
        "ten_nhan_vien": agent.full_name,
        "dien_luc": district.name if district else "",
        "sdt_dien_luc": phones.national(district.phone) if district and district.phone else "",
        "ngay": fmt_date(utcnow()),
    }


def render(body: str, ticket: Ticket, agent: User) -> str:
    """The answer with this ticket's values filled in; unknown placeholders stay as written."""
    values = values_for(ticket, agent)
    return string.Formatter().vformat(body, (), _Keep(values))


class _Keep(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def active_replies() -> list[CannedReply]:
    return db.session.scalars(sa.select(CannedReply).where(CannedReply.is_active)
                              .order_by(CannedReply.shortcut)).all()
