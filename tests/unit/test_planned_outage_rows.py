"""Reading planned-outage CSV rows: header names, times in Vietnam time, row checks."""
from datetime import datetime, timezone

import pytest

from crm.planned_outages.rows import FileError, RowError, header, parse, records, when

NAMES = ["district", "wards", "feeders", "start", "end", "reason", "reference", "status"]


def row(**values):
    fields = {"district": "pc05aa", "wards": "PC05AA-W01", "feeders": "", "reason": "Bảo dưỡng",
              "start": "25/11/2030 08:00", "end": "25/11/2030 16:00", "reference": "",
              "status": ""} | values
    return parse(7, NAMES, [fields[n] for n in NAMES])


@pytest.mark.parametrize("text, expected", [
    ("25/11/2030 08:00", datetime(2030, 11, 25, 1, 0, tzinfo=timezone.utc)),
    ("25/11/2030 8:05:30", datetime(2030, 11, 25, 1, 5, 30, tzinfo=timezone.utc)),
    ("2030-11-25T08:00", datetime(2030, 11, 25, 1, 0, tzinfo=timezone.utc)),
    ("2030-11-25 08:00", datetime(2030, 11, 25, 1, 0, tzinfo=timezone.utc)),
    ("2030-11-25T08:00:00Z", datetime(2030, 11, 25, 8, 0, tzinfo=timezone.utc)),
    ("2030-11-25T00:30+07:00", datetime(2030, 11, 24, 17, 30, tzinfo=timezone.utc)),
])
def test_times_are_read_as_vietnam_time_unless_an_offset_is_given(text, expected):
    assert when(text) == expected


@pytest.mark.parametrize("text", ["25/11/2030", "2030-11-25", "31/02/2030 08:00", "sáng mai",
                                  "25-11-2030 08:00", ""])
def test_a_time_is_required_and_must_exist(text):
    with pytest.raises(RowError):
        when(text)


def test_the_header_is_case_and_accent_insensitive_with_aliases():
    assert header(["\ufeffDistrict", "Ward", "Feeder", "START", "End", "Reason", "Ref"]) == [
        "district", "wards", "feeders", "start", "end", "reason", "reference"]


@pytest.mark.parametrize("fields, message", [
    (["district", "start", "end", "reason"], "wards/feeders"),
    (["district", "wards", "start", "end"], "reason"),
    (["district", "wards", "start", "end", "reason", "colour"], "colour"),
    (["district", "wards", "wards", "start", "end", "reason"], "hai lần"),
])
def test_a_header_without_the_needed_columns_is_a_file_error(fields, message):
    with pytest.raises(FileError, match=message):
        header(fields)


def test_a_good_row_is_normalised():
    parsed = row(wards=" pc05aa-w01 ; PC05AA-W02;;pc05aa-w01", feeders="471 e12",
                 reason="  Bảo   dưỡng  ", status="Đã hủy")
    assert parsed.line == 7 and parsed.district_code == "PC05AA"
    assert parsed.ward_codes == ("PC05AA-W01", "PC05AA-W02") and parsed.feeders == ("471E12",)
    assert parsed.reason == "Bảo dưỡng" and parsed.cancelled and parsed.reference is None


@pytest.mark.parametrize("values, message", [
    ({"end": "25/11/2030 08:00"}, "sau thời gian bắt đầu"),
    ({"wards": "", "feeders": " ; "}, "ít nhất một"),
    ({"reason": " "}, "reason"),
    ({"status": "hoãn"}, "Trạng thái"),
    ({"reason": "x" * 501}, "500"),
    ({"reason": "B\udce1o"}, "UTF-8"),
])
def test_bad_rows_say_what_is_wrong(values, message):
    with pytest.raises(RowError, match=message):
        row(**values)


def test_records_skip_blank_lines_and_number_a_quoted_multiline_record_by_its_first_line():
    lines = ["a,b\n", "\n", '1,"x\n', 'y"\n', "2,z\n"]
    assert [(n, f) for n, f in records(lines)] == [(1, ["a", "b"]), (3, ["1", "x\ny"]),
                                                   (5, ["2", "z"])]
