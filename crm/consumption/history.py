"""The consumption history of the customer 360 page: table rows and the SVG bar chart.

A reading the import checked shows its stored flag and % change; one loaded any other way
(older data, the demo set) is checked here for display with the same rule
(`crm.consumption.rules`), against the reading shown before it.
"""
from __future__ import annotations

from crm.consumption import rules
from crm.consumption.formats import month, percent_text
from crm.models import Reading

#: Geometry of the chart (SVG user units).
SLOT, BAR, PLOT_TOP, PLOT_HEIGHT = 40, 28, 18, 120


def reading_rows(readings: list[Reading], tickets: dict[str, tuple[int, str]],
                 limit: int | float) -> list[dict]:
    """Readings (oldest first) as rows: change, flag, same month last year, alert ticket."""
    if not readings:
        return []
    latest = readings[-1].period
    last_year = f"{int(latest[:4]) - 1}{latest[4:]}"
    out, previous = [], None
    for row in readings:
        if row.checked_at is not None:
            change, is_jump = row.change_percent, row.is_flagged
        else:
            change = rules.change_percent(row.kwh, previous)
            is_jump = rules.is_abnormal(row.kwh, previous, limit)
        out.append({"period": row.period, "month": month(row.period),
                    "short": f"{row.period[5:]}/{row.period[2:4]}", "kwh": row.kwh,
                    "read_on": row.read_on, "change": change, "change_label": _label(change),
                    "is_jump": is_jump, "ticket": tickets.get(row.period),
                    "is_last_year": row.period == last_year, "is_latest": row.period == latest})
        previous = row.kwh
    return out


def _label(change) -> str | None:
    if change is None:
        return None
    sign = "+" if change > 0 else ("−" if change < 0 else "")
    return f"{sign}{percent_text(change)}%"


def chart(readings: list[dict], limit: int | float) -> dict | None:
    """Bars of the consumption chart, drawn by the template as inline SVG."""
    if not readings:
        return None
    peak = max(r["kwh"] for r in readings) or 1
    bars = []
    for i, reading in enumerate(readings):
        height = max(round(reading["kwh"] * PLOT_HEIGHT / peak), 1 if reading["kwh"] else 0)
        classes = ["bar"] + [name for name, on in (
            ("bar-last-year", reading["is_last_year"]), ("bar-latest", reading["is_latest"]),
            ("bar-jump", reading["is_jump"])) if on]
        bars.append({**reading, "x": i * SLOT + (SLOT - BAR) // 2, "width": BAR,
                     "y": PLOT_TOP + PLOT_HEIGHT - height, "height": height,
                     "cx": i * SLOT + SLOT // 2, "css": " ".join(classes)})
    base = PLOT_TOP + PLOT_HEIGHT
    return {"bars": bars, "width": len(bars) * SLOT, "height": base + 22, "base": base,
            "label_y": base + 15, "jump": limit}
