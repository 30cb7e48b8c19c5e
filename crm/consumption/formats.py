"""Vietnamese ways of writing periods, kWh and percentages (in notices and on pages)."""
from __future__ import annotations

from decimal import Decimal


def month(period: str) -> str:
    """2026-10 → 10/2026."""
    return f"{period[5:]}/{period[:4]}"


def kwh_text(kwh: int) -> str:
    """1300 → 1.300 (Vietnamese thousands)."""
    return f"{kwh:,}".replace(",", ".")


def percent_text(value: Decimal) -> str:
    """The size of a change, Vietnamese decimals: 30 → "30", -35.5 → "35,5"."""
    size = abs(Decimal(value)).quantize(Decimal("0.1"))
    text = f"{size:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return text.removesuffix(",0")
