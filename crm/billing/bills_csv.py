"""Reading a bills CSV line by line: each row becomes a `BillRow` or a `RowError`.

Columns: customer code, period (YYYY-MM), kWh, amount in đồng, due date (dd/mm/yyyy or
yyyy-mm-dd). The file handling (encodings, delimiter, header, broken quotes) and the
code/period/kWh checks are the readings import's (`crm.consumption.csvfile`); only the
amount and the due date are checked here. Amounts may carry thousands separators
("1.234.567", "1 234 567") and a trailing "đ"/"VND", never decimals.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Iterator, NamedTuple

from flask_babel import gettext as _

from crm.consumption import csvfile
from crm.consumption.csvfile import RowError

MAX_AMOUNT = 10 ** 13            #: 10 000 billion đồng: anything above is a typo
_AMOUNT = re.compile(r"^\d{1,3}(?:([.,\s])\d{3})?(?:\1\d{3})*$|^\d+$")
_CURRENCY = re.compile(r"\s*(?:đ|d|vnd|vnđ)$", re.IGNORECASE)


class BillRow(NamedTuple):
    line: int
    code: str
    period: str
    kwh: int
    amount: int
    due_on: date


def read_rows(lines, *, today: date) -> Iterator[BillRow | RowError]:
    """Every data row of the file in order, parsed and checked (see csvfile.read_rows)."""
    periods: dict = {}
    for cells in csvfile.data_lines(lines):
        yield cells if isinstance(cells, RowError) else parse(lines.line, cells, today, periods)


def parse(line: int, cells: list[str], today: date, periods: dict) -> BillRow | RowError:
    """One data row, or the first thing wrong with it."""
    if len(cells) < 5:
        return RowError(line, _("Thiếu cột: cần mã khách hàng, kỳ (YYYY-MM), sản lượng kWh, "
                                "số tiền và hạn thanh toán."))
    if any("\ufffd" in cell for cell in cells[:5]):
        return RowError(line, _("Dòng có ký tự không đọc được: tệp phải là UTF-8."))
    code, period, kwh, amount, due = (cell.strip() for cell in cells[:5])
    if period not in periods:
        periods[period] = csvfile._check_period(period, today)
    problem = (csvfile._check_code(code) or periods[period] or csvfile._check_kwh(kwh))
    if problem:
        return RowError(line, problem)
    value = parse_amount(amount)
    if isinstance(value, str):
        return RowError(line, value)
    due_on = csvfile._parse_date(due)
    if due_on is None:
        return RowError(line, _("Hạn thanh toán \"%(value)s\" không hợp lệ (cần dd/mm/yyyy).",
                                value=csvfile._clip(due)))
    return BillRow(line, code.upper(), period, int(kwh), value, due_on)


def parse_amount(text: str) -> int | str:
    """The amount in đồng, or what is wrong with it."""
    if text.isascii() and text.isdigit() and len(text) < 14:       # the common case
        return int(text)
    if not text:
        return _("Thiếu số tiền.")
    bare = _CURRENCY.sub("", text).strip()
    if not bare or not _AMOUNT.match(bare):
        return _("Số tiền \"%(value)s\" không hợp lệ (cần số đồng, ví dụ 1.234.567).",
                 value=csvfile._clip(text))
    value = int(re.sub(r"\D", "", bare))
    if value > MAX_AMOUNT:
        return _("Số tiền %(value)s quá lớn.", value=csvfile._clip(text))
    return value
