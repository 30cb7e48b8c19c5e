from datetime import date, datetime, timezone

from crm.core.timefmt import fmt_date, fmt_datetime, fmt_money, iso, month_code, parse_local


def test_dates_are_day_month_year_in_vietnam_time():
    late_utc = datetime(2026, 11, 23, 18, 30, tzinfo=timezone.utc)     # 01:30 on the 24th
    assert fmt_date(late_utc) == "24/11/2026"
    assert fmt_datetime(late_utc) == "24/11/2026 01:30"
    assert fmt_date(date(2026, 2, 5)) == "05/02/2026"


def test_money_uses_dots_and_the_dong_sign():
    assert fmt_money(1234567) == "1.234.567 đ"
    assert fmt_money(0) == "0 đ"


def test_timestamps_leave_as_iso_with_the_offset():
    assert iso(datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)) == "2026-11-23T08:00:00+07:00"


def test_naive_input_is_read_as_vietnam_time():
    assert parse_local("2026-11-20T15:00") == datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)


def test_ticket_month_follows_the_local_calendar():
    assert month_code(datetime(2026, 11, 30, 17, 30, tzinfo=timezone.utc)) == "2612"
