"""The reports as CSV: UTF-8 with a byte-order mark (Excel then reads Vietnamese right),
dates dd/mm/yyyy, citizen IDs masked unless the viewer may read them."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from flask_babel import gettext as _

from crm.core.timefmt import fmt_date
from crm.households import reports
from crm.households.citizen_ids import mask
from crm.households.services import today

#: A cell starting with one of these is a formula to a spreadsheet: never from user input.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    if isinstance(value, int):          # counts and differences, e.g. -1, are numbers
        return str(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def citizen_id(row: reports.Row) -> str:
    return row.household.citizen_id if row.full_id else mask(row.household.citizen_id)


def head_name(row: reports.Row) -> str:
    """Another district's household in a duplicate group stays anonymous."""
    return row.household.head_name if row.in_scope else _("(hộ thuộc Điện lực khác)")


def _duplicates(user) -> Iterator[list]:
    yield [_("Nhóm"), _("Số CCCD"), _("Chủ hộ"), _("Số hợp đồng"), _("Mã khách hàng"),
           _("Điện lực"), _("Từ ngày")]
    for row in reports.duplicates(user):
        customer = row.contract.customer
        yield [row.group, citizen_id(row), head_name(row), row.contract.number,
               customer.code if row.in_scope else "", row.district_code,
               fmt_date(row.household.since) if row.in_scope else ""]


def _papers(user) -> Iterator[list]:
    on = today()
    yield [_("Điện lực"), _("Số hợp đồng"), _("Mã khách hàng"), _("Chủ hộ"), _("Số CCCD"),
           _("Số giấy xác nhận cư trú"), _("Ngày hết hạn"), _("Còn (ngày)"), _("Tình trạng")]
    for row in reports.papers(user, on):
        left = row.days_left(on)
        yield [row.district_code, row.contract.number, row.contract.customer.code,
               row.household.head_name, citizen_id(row), row.household.paper_number,
               fmt_date(row.household.paper_expires_on), left,
               _("Đã hết hạn") if left < 0 else _("Sắp hết hạn")]


def _mismatch(user) -> Iterator[list]:
    yield [_("Điện lực"), _("Số hợp đồng"), _("Mã khách hàng"), _("Khách hàng"),
           _("Số hộ trên hợp đồng"), _("Số hộ trong sổ"), _("Chênh lệch")]
    for item in reports.mismatches(user):
        customer = item.contract.customer
        yield [item.district_code, item.contract.number, customer.code, customer.name,
               item.contract.households, item.counted, item.difference]


TABLES = {"duplicates": _duplicates, "papers": _papers, "mismatch": _mismatch}


def write(rows: Iterable[list]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue()


def report_csv(name: str, user) -> str:
    """The whole report `name` (KeyError for an unknown one) as CSV text."""
    return write(TABLES[name](user))
