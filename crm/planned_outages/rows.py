"""Reading a planned-outage CSV: the header, then one checked `OutageRow` per line.

Nothing here touches the database: a row is checked for its own shape (columns, dates,
order of start and end); whether its district and wards exist is the importer's question.

The file is UTF-8 (a BOM is fine), comma-separated, with a header naming the columns:
`district`, `wards` and/or `feeders` (codes separated by `;`), `start`, `end`, `reason`,
and optionally `work`, `reference`, `status` (`cancelled`/`hủy` cancels).
Times are `dd/mm/yyyy HH:MM` or ISO 8601; without an offset they are Vietnam time.
"""
from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

from flask_babel import gettext as _

from crm.core.text import fold
from crm.core.timefmt import LOCAL_TZ, parse_local

COLUMNS = ("district", "wards", "feeders", "start", "end", "reason", "work", "reference",
           "status")
REQUIRED = ("district", "start", "end", "reason")
ALIASES = {"ward": "wards", "feeder": "feeders", "ref": "reference"}
CANCELLED = {"cancelled", "canceled", "huy", "da huy"}       #: folded
SCHEDULED = {"", "scheduled", "active"}
LOCAL_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")
LIMITS = {"reason": 500, "reference": 100}


class RowError(ValueError):
    """This line cannot be imported; the message says why (user's language)."""


class FileError(ValueError):
    """The file cannot be read as a schedule at all (no usable header)."""


@dataclass(frozen=True)
class OutageRow:
    line: int
    district_code: str
    ward_codes: tuple[str, ...]
    feeders: tuple[str, ...]
    starts_at: datetime                  #: aware UTC
    ends_at: datetime
    reason: str
    work: str | None
    reference: str | None
    cancelled: bool


def records(lines: Iterable[str]) -> Iterator[tuple[int, list[str] | RowError]]:
    """(first line number, fields) per CSV record, or a RowError for an unreadable record.

    Blank lines are skipped; a quoted field may span lines (the record's first line counts).
    """
    reader = csv.reader(lines, strict=True)
    while True:
        line = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield line, RowError(_("Dòng CSV không đọc được: %(error)s", error=str(exc)))
            continue
        if any(f.strip() for f in fields):
            yield line, fields


def header(fields: list[str]) -> list[str]:
    """The column names of the header row; FileError when a required one is missing."""
    names = [fold(f.lstrip("\ufeff")) for f in fields]
    names = [ALIASES.get(n, n) for n in names]
    unknown = [f for f, n in zip(fields, names) if n not in COLUMNS]
    if unknown:
        raise FileError(_("Cột không xác định: %(names)s. Các cột hợp lệ: %(valid)s.",
                          names=", ".join(unknown), valid=", ".join(COLUMNS)))
    if len(set(names)) != len(names):
        raise FileError(_("Một cột xuất hiện hai lần trong dòng tiêu đề."))
    missing = [n for n in REQUIRED if n not in names]
    if not {"wards", "feeders"} & set(names):
        missing.append("wards/feeders")
    if missing:
        raise FileError(_("Thiếu cột: %(names)s.", names=", ".join(missing)))
    return names


def parse(line: int, names: list[str], fields: list[str]) -> OutageRow:
    """One checked row; RowError with the first problem found."""
    if len(fields) < len(names):
        raise RowError(_("Thiếu cột: dòng có %(got)d cột, cần %(want)d.",
                         got=len(fields), want=len(names)))
    if len(fields) > len(names):
        raise RowError(_("Thừa cột: dòng có %(got)d cột, cần %(want)d (nội dung có dấu phẩy "
                         "phải đặt trong ngoặc kép).", got=len(fields), want=len(names)))
    values = {name: _text(name, value) for name, value in zip(names, fields)}
    for name in REQUIRED:
        if not values[name]:
            raise RowError(_("Cột %(name)s đang trống.", name=name))
    wards, feeders = _codes(values.get("wards")), _codes(values.get("feeders"))
    if not wards and not feeders:
        raise RowError(_("Cần ít nhất một mã phường/xã hoặc một xuất tuyến/trạm."))
    starts_at, ends_at = when(values["start"]), when(values["end"])
    if ends_at <= starts_at:
        raise RowError(_("Thời gian kết thúc phải sau thời gian bắt đầu."))
    return OutageRow(line, values["district"].upper(), wards, feeders, starts_at, ends_at,
                     values["reason"], values.get("work") or None,
                     values.get("reference") or None, _cancelled(values.get("status")))


def _text(name: str, value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise RowError(_("Dòng không phải văn bản UTF-8.")) from None
    value = " ".join(value.split())
    if name in LIMITS and len(value) > LIMITS[name]:
        raise RowError(_("Cột %(name)s dài quá %(max)d ký tự.", name=name, max=LIMITS[name]))
    return value


def _codes(value: str | None) -> tuple[str, ...]:
    """`A; b ;;C` → ("A", "B", "C"): upper-case, no spaces, no blanks, no repeats."""
    codes = ("".join(c.split()).upper() for c in (value or "").split(";"))
    return tuple(dict.fromkeys(c for c in codes if c))


def when(text: str) -> datetime:
    """`25/11/2026 08:00` or ISO 8601 as aware UTC (no offset: Vietnam time); needs a time."""
    for fmt in LOCAL_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=LOCAL_TZ).astimezone(timezone.utc)
        except ValueError:
            pass
    try:
        if "T" in text or " " in text:
            return parse_local(text)
    except ValueError:
        pass
    raise RowError(_("Thời gian không hợp lệ: %(value)s (cần dd/mm/yyyy HH:MM hoặc ISO 8601).",
                     value=text[:40]))


def _cancelled(value: str | None) -> bool:
    folded = fold(value)
    if folded in CANCELLED:
        return True
    if folded in SCHEDULED:
        return False
    raise RowError(_("Trạng thái không hợp lệ: %(value)s (để trống hoặc ghi \"hủy\").",
                     value=(value or "")[:40]))
