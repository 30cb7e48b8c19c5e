"""Which SLA policy applies to a ticket: explicit priority, effective dates, no accidental catch-all."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

import workflows
from crm.extensions import db
from crm.models import AreaType, SlaClock, SlaPolicy


class PolicyError(ValueError):
    """A policy that cannot be saved as given; the message says why."""


def matching(type_: str, subtype: str | None, area_type: AreaType | str | None) -> sa.ColumnElement:
    """WHERE clause: active policies for this type whose subtype and area match or are blank."""
    area = AreaType(area_type) if area_type else None
    return sa.and_(
        SlaPolicy.is_active, SlaPolicy.type == type_,
        sa.or_(SlaPolicy.subtype.is_(None), SlaPolicy.subtype == subtype),
        sa.or_(SlaPolicy.area_type.is_(None), SlaPolicy.area_type == area))


def in_force(on: date) -> sa.ColumnElement:
    return sa.and_(SlaPolicy.valid_from <= on,
                   sa.or_(SlaPolicy.valid_to.is_(None), SlaPolicy.valid_to >= on))


def find_policy(type_: str, subtype: str | None, area_type, on: date) -> SlaPolicy | None:
    """The policy in force on `on` with the lowest priority number (then the oldest)."""
    return db.session.scalar(
        sa.select(SlaPolicy).where(matching(type_, subtype, area_type), in_force(on))
        .order_by(SlaPolicy.priority, SlaPolicy.id).limit(1))


def validate(*, name: str, type_: str, subtype: str | None, clock: str, duration_minutes: int,
             warn_percent: int, valid_from: date, valid_to: date | None) -> None:
    """Raise PolicyError for a policy no ticket could sensibly use."""
    if not (name or "").strip():
        raise PolicyError(_("Cần đặt tên cho chính sách."))
    if type_ not in workflows.WORKFLOWS:
        raise PolicyError(_("Loại yêu cầu không hợp lệ: %(kind)s", kind=type_))
    if subtype and subtype not in workflows.get(type_).subtypes:
        raise PolicyError(_("Loại chi tiết không thuộc loại yêu cầu: %(subtype)s",
                            subtype=subtype))
    if clock not in SlaClock.values():
        raise PolicyError(_("Cách tính thời gian không hợp lệ."))
    if duration_minutes is None or duration_minutes <= 0:
        raise PolicyError(_("Thời hạn phải lớn hơn 0 phút."))
    if warn_percent is None or not 0 < warn_percent < 100:
        raise PolicyError(_("Ngưỡng cảnh báo phải từ 1 đến 99 %."))
    if valid_to is not None and valid_to < valid_from:
        raise PolicyError(_("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực."))
