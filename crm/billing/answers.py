"""What the bots, SMS keywords and the IVR say about a bill: one short Vietnamese sentence.

SMS callers pass it through `crm.core.text.plain` (unaccented text fits 160 characters a
segment instead of 70).
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from crm.billing import queries
from crm.billing.estimate import EstimateError
from crm.core.timefmt import fmt_date, fmt_money


def estimate_text(kwh: int, *, households: int = 1, period_from: date | None = None,
                  period_to: date | None = None) -> str:
    """The estimate for `kwh` as a sentence; bad input or a missing tariff gives the reason."""
    try:
        result = queries.estimate_bill(kwh, households=households, period_from=period_from,
                                       period_to=period_to)
    except EstimateError as exc:
        return _("Không tính được tiền điện: %(reason)s", reason=str(exc))
    return describe(result)


def describe(result: dict) -> str:
    """"Tiền điện ước tính cho 350 kWh: 979.560 đ (gồm 72.560 đ thuế GTGT 8%)." and so on."""
    head = _("Tiền điện ước tính cho %(kwh)s kWh", kwh=f"{result['kwh']:,}".replace(",", "."))
    if result["households"] > 1:
        head += " " + _("(%(n)d hộ dùng chung)", n=result["households"])
    if result["from"]:
        head += " " + _("từ %(start)s đến %(end)s", start=fmt_date(date.fromisoformat(
            result["from"])), end=fmt_date(date.fromisoformat(result["to"])))
    return _("%(head)s: %(total)s (gồm %(vat)s thuế GTGT %(rate)s%%).", head=head,
             total=fmt_money(result["total"]), vat=fmt_money(result["vat"]),
             rate=result["vat_rate"])
