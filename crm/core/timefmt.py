"""Vietnamese formatting: dd/mm/yyyy, 24-hour time, `1.234.567 đ`, Asia/Ho_Chi_Minh."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local(dt: datetime) -> datetime:
    """The same instant in Vietnam's time zone."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime")
    return dt.astimezone(LOCAL_TZ)


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 with the +07:00 offset: how every timestamp leaves the server."""
    return local(dt).isoformat(timespec="seconds") if dt else None


def fmt_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return value.strftime("%d/%m/%Y")


def fmt_datetime(dt: datetime | None) -> str:
    return local(dt).strftime("%d/%m/%Y %H:%M") if dt else ""


def fmt_time(dt: datetime | None) -> str:
    return local(dt).strftime("%H:%M") if dt else ""


def fmt_money(amount: int | float | None) -> str:
    """`1.234.567 đ` (dots between thousands, the đồng sign after)."""
    if amount is None:
        return ""
    return f"{round(amount):,}".replace(",", ".") + " đ"


def parse_local(text: str) -> datetime:
    """An ISO 8601 string; without an offset it is read as Vietnam time. Returns aware UTC."""
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=LOCAL_TZ)
    return dt.astimezone(timezone.utc)


def month_code(dt: datetime) -> str:
    """YYMM of the local month, as used in ticket codes (YC2611-…)."""
    return local(dt).strftime("%y%m")
