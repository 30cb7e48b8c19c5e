"""Reading a readings CSV line by line: each row becomes a `Row` or a `RowError`.

Columns: customer code, period (YYYY-MM), kWh, optional reading date (dd/mm/yyyy or
yyyy-mm-dd); further columns are ignored. A first row with no digit in its period and kWh
cells is a header. UTF-8 with or without a BOM; comma, semicolon or tab separated (the
first line decides). Nothing is kept in memory but the current line.

What needs the database (unknown customers, duplicates inside the file) is checked later,
set-based, by `crm.consumption.checks`.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO, Iterator, NamedTuple

from flask_babel import gettext as _

PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INTEGER = re.compile(r"^[+-]?\d+$")
MAX_KWH = 2_147_483_647              #: the readings.kwh column is a 32-bit integer
CODE_LENGTH = 20                     #: customers.code
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class FileUnreadable(ValueError):
    """The file itself cannot be read as a readings CSV (not a row problem)."""


class Row(NamedTuple):
    line: int
    code: str
    period: str
    kwh: int
    read_on: date | None


@dataclass(frozen=True)
class RowError:
    line: int
    error: str

    def as_dict(self) -> dict:
        return {"line": self.line, "error": self.error}


class _Lines:
    """Decoded lines of a binary file, counting lines and bytes as csv pulls them.

    The first line is read ahead (to drop a BOM, refuse UTF-16 and pick the delimiter).
    """

    def __init__(self, binary: BinaryIO):
        self.binary, self.line, self.bytes = binary, 0, 0
        first = binary.readline()
        if first.startswith(UTF16_BOMS):
            raise FileUnreadable(_("Tệp không phải UTF-8 (có vẻ là UTF-16): hãy lưu lại "
                                   "dưới dạng CSV UTF-8."))
        self.bytes = len(first)
        self._first: str | None = first.removeprefix(b"\xef\xbb\xbf").decode(
            "utf-8", errors="replace")
        self.delimiter = _delimiter(self._first)

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self._first is not None:
            text, self._first = self._first, None
            if not text:
                raise StopIteration
        else:
            raw = next(self.binary)
            self.bytes += len(raw)
            text = raw.decode("utf-8", errors="replace")
        self.line += 1
        if "\x00" in text:                 # csv refuses NUL; the row reports it instead
            text = text.replace("\x00", "\ufffd")
        return text


def read_rows(lines: _Lines, *, today: date) -> Iterator[Row | RowError]:
    """Every data row of the file in order, parsed and checked."""
    parser = _Parser(today)
    for cells in data_lines(lines):
        yield cells if isinstance(cells, RowError) else parser.parse(lines.line, cells)


def data_lines(lines: _Lines) -> Iterator[list[str] | RowError]:
    """The cells of every data line in order (blank lines and a title row skipped), or a
    RowError for a line the csv module cannot read; `lines.line` is its number.

    Each line is one record: no field of these files needs a line break, and a stray quote
    must not swallow the rest of the file into one field. Lines without quotes are split
    directly (the common case, several times faster than a csv reader per line).
    """
    delimiter, seen_data = lines.delimiter, False
    for text in lines:
        if '"' in text:
            try:
                cells = next(csv.reader((text,), delimiter=delimiter), [])
            except csv.Error as exc:
                yield RowError(lines.line, _("Dòng CSV hỏng: %(error)s.", error=str(exc)))
                continue
        else:
            cells = text.rstrip("\r\n").split(delimiter)
        if not cells[0].strip() and not any(cell.strip() for cell in cells):
            continue
        if not seen_data and _is_header(cells):
            seen_data = True
            continue
        seen_data = True
        yield cells


def open_lines(binary: BinaryIO) -> _Lines:
    """The line source of `read_rows`; its `bytes` say how far the import has read."""
    return _Lines(binary)


def _delimiter(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _is_header(cells: list[str]) -> bool:
    """A title row: no digit where a data row has its period and kWh."""
    return not any(ch.isdigit() for ch in "".join(cells[1:3]))


class _Parser:
    """Row checks, remembering the verdict on each distinct period and date text (a month's
    file repeats a handful of them a million times)."""

    def __init__(self, today: date):
        self.today, self.periods, self.dates = today, {}, {}

    def parse(self, line: int, cells: list[str]) -> Row | RowError:
        """One data row, or the first thing wrong with it."""
        if len(cells) < 3:
            return RowError(line, _("Thiếu cột: cần mã khách hàng, kỳ (YYYY-MM) và sản "
                                    "lượng kWh."))
        if any("\ufffd" in cell for cell in cells[:4]):
            return RowError(line, _("Dòng có ký tự không đọc được: tệp phải là UTF-8."))
        code, period, kwh = cells[0].strip(), cells[1].strip(), cells[2].strip()
        if period not in self.periods:
            self.periods[period] = _check_period(period, self.today)
        problem = _check_code(code) or self.periods[period] or _check_kwh(kwh)
        if problem:
            return RowError(line, problem)
        read_on = cells[3].strip() if len(cells) > 3 else ""
        if read_on and read_on not in self.dates:
            self.dates[read_on] = _check_date(read_on, self.today)
        parsed = self.dates[read_on] if read_on else None
        if isinstance(parsed, str):
            return RowError(line, parsed)
        return Row(line, code.upper(), period, int(kwh), parsed)


def _check_code(code: str) -> str | None:
    if not code:
        return _("Thiếu mã khách hàng.")
    if len(code) > CODE_LENGTH:
        return _("Không có khách hàng mã %(code)s.", code=_clip(code))
    return None


def _check_period(period: str, today: date) -> str | None:
    if not period:
        return _("Thiếu kỳ (YYYY-MM).")
    match = PERIOD.match(period)
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        return _("Kỳ \"%(value)s\" không hợp lệ (cần YYYY-MM).", value=_clip(period))
    if period > f"{today.year:04d}-{today.month:02d}":
        return _("Kỳ %(value)s ở tương lai.", value=period)
    return None


def _check_kwh(kwh: str) -> str | None:
    if kwh.isascii() and kwh.isdigit() and len(kwh) < 10:       # the common case
        return None
    if not kwh:
        return _("Thiếu sản lượng kWh.")
    if not INTEGER.match(kwh):
        return _("Sản lượng \"%(value)s\" không phải số nguyên kWh.", value=_clip(kwh))
    value = int(kwh)
    if value < 0:
        return _("Sản lượng %(value)s kWh âm.", value=value)
    if value > MAX_KWH:
        return _("Sản lượng %(value)s kWh quá lớn.", value=value)
    return None


def _check_date(text: str, today: date) -> date | str:
    """The reading date, or what is wrong with it."""
    parsed = _parse_date(text)
    if parsed is None:
        return _("Ngày ghi \"%(value)s\" không hợp lệ (cần dd/mm/yyyy).", value=_clip(text))
    if parsed > today:
        return _("Ngày ghi %(value)s ở tương lai.", value=_clip(text))
    return parsed


def _parse_date(text: str) -> date | None:
    try:
        if match := DMY.match(text):
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        if ISO_DATE.match(text):
            return date.fromisoformat(text)
    except ValueError:
        return None
    return None


def _clip(value: str, size: int = 40) -> str:
    """A cell as shown in an error: printable and short."""
    text = "".join(ch for ch in value if ch.isprintable())
    return text if len(text) <= size else text[:size] + "…"
