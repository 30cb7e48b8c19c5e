"""Admin changes to the tariff and the VAT rate: validated, audited, flushed (never committed).

Effective ranges never overlap, so exactly one price table applies to any day. Adding a new
table (or rate) while the current one is open-ended closes the current one the day before:
that is what "new prices from 10/05/2025" means, and the admin need not edit two rows.
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from crm.core import audit
from crm.core.timefmt import fmt_date
from crm.extensions import db
from crm.models import TariffTier, TariffVersion, VatRate

TIERS = 6                    #: the residential table has six tiers (0–50 … 401+ kWh)
MAX_PRICE = 100_000          #: đ/kWh; a price above this is a typing slip


class TariffError(ValueError):
    """A refused change, with the form field it concerns (or None for the whole form)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field


def check_range(valid_from: date | None, valid_to: date | None) -> None:
    if valid_from is None:
        raise TariffError("valid_from", _("Vui lòng nhập ngày bắt đầu hiệu lực."))
    if valid_to is not None and valid_to < valid_from:
        raise TariffError("valid_to", _("Ngày hết hiệu lực phải từ ngày bắt đầu trở đi."))


def check_tiers(bounds: list[int | None], prices: list[int | None]) -> None:
    """Five increasing positive bounds (the sixth tier is open) and six positive prices."""
    lower = 0
    for position, bound in enumerate(bounds, 1):
        if bound is None or bound <= lower:
            raise TariffError(f"tiers-{position - 1}-up_to", _(
                "Mức trên của bậc %(n)d phải lớn hơn %(lower)d kWh.", n=position, lower=lower))
        lower = bound
    for position, price in enumerate(prices, 1):
        if price is None or not 0 < price <= MAX_PRICE:
            raise TariffError(f"tiers-{position - 1}-price", _(
                "Giá bậc %(n)d phải là số dương, tối đa %(max)s đ/kWh.", n=position,
                max=f"{MAX_PRICE:,}".replace(",", ".")))


def save_tariff(version: TariffVersion | None, *, valid_from: date | None,
                valid_to: date | None, note: str | None, bounds: list[int | None],
                prices: list[int | None]) -> TariffVersion:
    """Create (`version` None) or update a price table, audited; flushes; raises TariffError."""
    check_range(valid_from, valid_to)
    if len(bounds) != TIERS - 1 or len(prices) != TIERS:
        raise TariffError(None, _("Biểu giá sinh hoạt cần đủ %(n)d bậc.", n=TIERS))
    check_tiers(bounds, prices)
    created = version is None
    version, changes, closed = _apply(TariffVersion, version, valid_from=valid_from,
                                      valid_to=valid_to, note=(note or "").strip() or None)
    old_tiers = [[t.up_to_kwh, t.price] for t in version.tiers]
    new_tiers = [[bound, price] for bound, price in zip(bounds + [None], prices)]
    if old_tiers != new_tiers:
        _set_tiers(version, new_tiers)
        changes["tiers"] = [old_tiers or None, new_tiers]
    return _record("tariff_version", version, created, changes, closed)


def _set_tiers(version: TariffVersion, tiers: list[list]) -> None:
    """Update the rows in place by position: replacing them would insert a (version,
    position) pair before the old row holding it is deleted."""
    for position, (bound, price) in enumerate(tiers, 1):
        if position <= len(version.tiers):
            row = version.tiers[position - 1]
            row.up_to_kwh, row.price = bound, price
        else:
            version.tiers.append(TariffTier(position=position, up_to_kwh=bound, price=price))
    del version.tiers[len(tiers):]


def save_vat_rate(rate: VatRate | None, *, valid_from: date | None, valid_to: date | None,
                  percent: int | None, note: str | None) -> VatRate:
    """Create or update a VAT rate, audited; flushes; raises TariffError."""
    check_range(valid_from, valid_to)
    if percent is None or not 0 <= percent < 100:
        raise TariffError("percent", _("Thuế suất phải là số nguyên từ 0 đến 99 %."))
    created = rate is None
    rate, changes, closed = _apply(VatRate, rate, valid_from=valid_from, valid_to=valid_to,
                                   percent=percent, note=(note or "").strip() or None)
    return _record("vat_rate", rate, created, changes, closed)


def _apply(model, row, *, valid_from: date, valid_to: date | None, **fields):
    """Close the current open-ended row (for a new one), refuse overlaps, set the fields.

    Returns the row, its {field: [old, new]} changes and those of the row it closed.
    """
    closed = _close_current(model, valid_from) if row is None else {}
    _refuse_overlap(model, valid_from, valid_to, row)
    row = row or model()
    changes = audit.diff(row, valid_from=valid_from, valid_to=valid_to, **fields)
    return row, changes, closed


def _record(entity: str, row, created: bool, changes: dict, closed: dict):
    """Flush the row and audit it and the row it closed."""
    db.session.add(row)
    db.session.flush()
    for row_id, closed_changes in closed.items():
        audit.record(entity, row_id, "updated", closed_changes)
    if changes:
        audit.record(entity, row.id, "created" if created else "updated", changes)
    return row


def _close_current(model, valid_from: date) -> dict:
    """End the open-ended row that started earlier on the day before `valid_from`."""
    current = db.session.scalar(sa.select(model).where(
        model.valid_to.is_(None), model.valid_from < valid_from))
    if current is None:
        return {}
    return {current.id: audit.diff(current, valid_to=valid_from - timedelta(days=1))}


def _refuse_overlap(model, valid_from: date, valid_to: date | None, row) -> None:
    query = sa.select(model).where(
        sa.or_(model.valid_to.is_(None), model.valid_to >= valid_from))
    if valid_to is not None:
        query = query.where(model.valid_from <= valid_to)
    if row is not None and row.id is not None:
        query = query.where(model.id != row.id)
    # autoflush on purpose: a row `_close_current` just ended must be compared as ended
    other = db.session.scalar(query.order_by(model.valid_from).limit(1))
    if other is not None:
        until = fmt_date(other.valid_to) if other.valid_to else _("không thời hạn")
        raise TariffError("valid_from", _(
            "Khoảng hiệu lực trùng với bản từ %(start)s đến %(end)s.",
            start=fmt_date(other.valid_from), end=until))
