"""The ±30 % rule, the CSV reader and the reading-day arithmetic: no database."""
import io
from datetime import date
from decimal import Decimal

import pytest

from crm.consumption import csvfile, rules
from crm.consumption.formats import kwh_text, month, percent_text
from crm.consumption.schedule import next_date, reading_date_in

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize("kwh, previous, flagged", [
    (1299, 1000, False),      # +29.9 %
    (1300, 1000, True),       # exactly +30 %
    (700, 1000, True),        # exactly −30 %
    (701, 1000, False),       # −29.9 %
    (2000, 1000, True),
    (0, 1000, True),          # −100 %
    (5, 0, True),             # from nothing: always checked
    (0, 0, False),            # nothing after nothing
    (100, None, False),       # first reading
    (1000, 1000, False),
])
def test_a_change_of_thirty_percent_or_more_either_way_is_abnormal(kwh, previous, flagged):
    assert rules.is_abnormal(kwh, previous, 30) is flagged


def test_the_change_has_one_decimal_and_no_value_without_a_base():
    assert rules.change_percent(1299, 1000) == Decimal("29.9")
    assert rules.change_percent(700, 1000) == Decimal("-30.0")
    assert rules.change_percent(1001, 3) == Decimal("33266.7")
    assert rules.change_percent(5, 0) is None and rules.change_percent(5, None) is None


def test_numbers_are_written_the_vietnamese_way():
    assert kwh_text(1234567) == "1.234.567" and month("2026-10") == "10/2026"
    assert percent_text(Decimal("30.0")) == "30" and percent_text(Decimal("-35.5")) == "35,5"
    assert percent_text(Decimal("12345.6")) == "12.345,6"


def parse(text: str, today=TODAY):
    lines = csvfile.open_lines(io.BytesIO(text.encode("utf-8")))
    return list(csvfile.read_rows(lines, today=today))


def test_a_header_and_a_bom_are_skipped_and_lines_keep_their_numbers():
    rows = parse("\ufeffMã KH,Kỳ,kWh,Ngày ghi\r\nPC05AA0000001,2026-10,245,31/10/2026\r\n\r\n"
                 "pc05aa0000002,2026-10,0,2026-10-30\r\n")
    assert rows == [csvfile.Row(2, "PC05AA0000001", "2026-10", 245, date(2026, 10, 31)),
                    csvfile.Row(4, "PC05AA0000002", "2026-10", 0, date(2026, 10, 30))]


def test_a_file_without_a_header_starts_at_line_one_and_semicolons_work():
    assert parse("PC05AA0000001;2026-10;245\n") == [
        csvfile.Row(1, "PC05AA0000001", "2026-10", 245, None)]


@pytest.mark.parametrize("line, message", [
    ("PC05AA0000001,2026-10", "Thiếu cột"),
    (",2026-10,5", "Thiếu mã khách hàng"),
    ("PC05AA0000001,10/2026,5", "Kỳ \"10/2026\" không hợp lệ"),
    ("PC05AA0000001,2026-13,5", "không hợp lệ"),
    ("PC05AA0000001,2026-12,5", "Kỳ 2026-12 ở tương lai"),
    ("PC05AA0000001,2026-10,abc", "không phải số nguyên"),
    ("PC05AA0000001,2026-10,12.5", "không phải số nguyên"),
    ("PC05AA0000001,2026-10,-5", "âm"),
    ("PC05AA0000001,2026-10,99999999999", "quá lớn"),
    ("PC05AA0000001,2026-10,5,32/10/2026", "Ngày ghi \"32/10/2026\" không hợp lệ"),
    ("PC05AA0000001,2026-10,5,24/11/2026", "ở tương lai"),
    ("PC05AA0000001,2026-10,", "Thiếu sản lượng"),
])
def test_each_bad_row_is_reported_with_its_line_number(line, message):
    rows = parse(f"ma_kh,ky,kwh\nPC05AA0000009,2026-09,1\n{line}\n")
    assert rows[0] == csvfile.Row(2, "PC05AA0000009", "2026-09", 1, None)
    assert isinstance(rows[1], csvfile.RowError) and rows[1].line == 3
    assert message in rows[1].error, rows[1].error


def test_the_current_month_and_today_are_not_the_future():
    assert parse("PC05AA0000001,2026-11,5,23/11/2026\n")[0].kwh == 5


def test_broken_bytes_and_stray_quotes_spoil_only_their_own_line():
    data = b'PC05AA0000001,2026-10,1\nPC05AA\xff01,2026-10,2\nPC05AA0000003,"2026-10,3\n' \
           b"PC05AA0000004,2026-10,4\x00\nPC05AA0000005,2026-10,5\n"
    rows = list(csvfile.read_rows(csvfile.open_lines(io.BytesIO(data)), today=TODAY))
    assert [type(r).__name__ for r in rows] == ["Row", "RowError", "RowError", "RowError", "Row"]
    assert [r.line for r in rows] == [1, 2, 3, 4, 5]
    assert "UTF-8" in rows[1].error


def test_a_utf16_file_cannot_be_read():
    with pytest.raises(csvfile.FileUnreadable):
        csvfile.open_lines(io.BytesIO("PC05AA0000001,2026-10,5\n".encode("utf-16")))


def test_an_empty_file_has_no_rows():
    assert parse("") == [] and parse("ma_kh,ky,kwh\n") == []


@pytest.mark.parametrize("day, today, expected", [
    (31, date(2026, 11, 23), date(2026, 11, 30)),     # month-end
    (31, date(2026, 11, 30), date(2026, 11, 30)),     # the reading day itself
    (31, date(2026, 12, 31), date(2026, 12, 31)),
    (15, date(2026, 11, 16), date(2026, 12, 15)),
    (15, date(2026, 12, 16), date(2027, 1, 15)),
    (30, date(2027, 2, 1), date(2027, 2, 28)),        # a short month reads on its last day
    (31, date(2028, 2, 10), date(2028, 2, 29)),
])
def test_the_next_reading_date(day, today, expected):
    assert next_date(day, today) == expected


def test_a_reading_day_past_the_months_end_is_its_last_day():
    assert reading_date_in(2026, 4, 31) == date(2026, 4, 30)
