import random
from datetime import date, datetime, time, timedelta, timezone

import holidays
import pytest

from workflows.sla.calendar import (
    LOCAL_TZ, OfficeHours, WorkCalendar, add_business_time, add_calendar_time,
    business_time_between, calendar_time_between, unconfirmed_years)

H = timedelta(hours=1)
URBAN, RURAL = 24 * H, 40 * H
CAL = WorkCalendar()


def at(*args):
    return datetime(*args, tzinfo=LOCAL_TZ)


def nov(day, hour, minute=0, second=0):
    """A local instant in November 2026, where most examples live."""
    return at(2026, 11, day, hour, minute, second)


def test_the_holidays_package_lists_the_days_the_examples_rely_on():
    vn = holidays.VN(years=2026, language="vi")
    assert vn[date(2026, 11, 24)] == "Ngày Văn hóa Việt Nam"
    assert [d.day for d in vn if d.month == 2] == [16, 17, 18, 19, 20]
    assert CAL.holiday_name(date(2026, 2, 17)) == "Tết Nguyên Đán"
    assert CAL.holiday_name(date(2026, 11, 25)) is None


# The worked examples of DESIGN.md, "SLA: how working time is counted".
PAUSED_MON_TO_THU = [(nov(23, 12), nov(26, 8))]


@pytest.mark.parametrize("calendar, received, duration, pauses, due", [
    pytest.param(CAL, nov(20, 15), URBAN, [], nov(26, 15),
                 id="urban-before-the-24-11-holiday"),
    pytest.param(CAL, at(2026, 2, 11, 10), RURAL, [], at(2026, 2, 25, 10),
                 id="rural-across-tet-2026"),
    pytest.param(CAL, nov(21, 20), URBAN, [], nov(26, 17),
                 id="urban-received-saturday-evening"),
    pytest.param(CAL, nov(23, 8), URBAN, PAUSED_MON_TO_THU, nov(30, 12),
                 id="urban-paused-monday-noon-to-thursday"),
    pytest.param(WorkCalendar(extra_days_off=frozenset({date(2026, 11, 27)})),
                 nov(23, 8), URBAN, PAUSED_MON_TO_THU, at(2026, 12, 1, 12),
                 id="as-above-with-an-extra-day-off"),
    pytest.param(WorkCalendar(extra_working_days=frozenset({date(2026, 11, 21)})),
                 nov(20, 15), URBAN, [], nov(25, 15),
                 id="urban-with-a-make-up-saturday"),
])
def test_design_worked_examples_give_the_documented_due_time(calendar, received, duration,
                                                             pauses, due):
    result = add_business_time(calendar, received, duration, pauses)
    assert result == due
    assert result.utcoffset() == timedelta(hours=7)
    assert business_time_between(calendar, received, result, pauses) == duration


@pytest.mark.parametrize("received, duration, due", [
    pytest.param(nov(23, 8), 4 * H, nov(23, 12), id="fills-the-morning-ends-12h"),
    pytest.param(nov(23, 8), 8 * H, nov(23, 17), id="fills-the-day-ends-17h"),
    pytest.param(nov(23, 12, 30), H, nov(23, 14), id="lunch-starts-at-13h"),
    pytest.param(nov(23, 17), H, nov(25, 9), id="at-17h-starts-next-working-day"),
    pytest.param(nov(23, 6), H, nov(23, 9), id="early-morning-starts-at-8h"),
    pytest.param(nov(24, 10), H, nov(25, 9), id="received-on-a-holiday"),
    pytest.param(nov(22, 10), H, nov(23, 9), id="received-on-a-sunday"),
    pytest.param(at(2026, 2, 18, 9), 8 * H, at(2026, 2, 23, 17), id="received-during-tet"),
    pytest.param(nov(23, 11, 59, 59), timedelta(seconds=1), nov(23, 12),
                 id="one-second-from-11-59-59"),
    pytest.param(nov(23, 11, 59, 59), timedelta(seconds=2), nov(23, 13, 0, 1),
                 id="two-seconds-cross-lunch"),
    pytest.param(nov(23, 10), timedelta(0), nov(23, 10), id="zero-is-the-start"),
    pytest.param(at(2026, 8, 21, 16), 2 * H, at(2026, 8, 22, 9), id="library-make-up-saturday"),
    pytest.param(at(2026, 8, 28, 16), 2 * H, at(2026, 9, 3, 9), id="its-substituted-monday-off"),
])
def test_business_time_edges(received, duration, due):
    assert add_business_time(CAL, received, duration) == due


def test_a_make_up_working_day_overrides_a_holiday():
    calendar = WorkCalendar(extra_working_days=frozenset({date(2026, 11, 24)}))
    assert calendar.is_working_day(date(2026, 11, 24))
    assert calendar.holiday_name(date(2026, 11, 24)) is None
    assert add_business_time(calendar, nov(20, 15), URBAN) == nov(25, 15)


def test_a_pause_entirely_at_night_changes_nothing():
    night = [(nov(23, 18), nov(24, 7)), (nov(25, 12), nov(25, 13))]
    assert add_business_time(CAL, nov(23, 9), URBAN, night) == \
        add_business_time(CAL, nov(23, 9), URBAN)


def test_an_open_pause_means_no_due_time_and_a_frozen_elapsed_time():
    pauses = [(nov(23, 10), None)]
    assert add_business_time(CAL, nov(23, 8), URBAN, pauses) is None
    assert add_calendar_time(nov(23, 8), 2 * H, pauses) is None
    assert business_time_between(CAL, nov(23, 8), nov(30, 8), pauses) == 2 * H
    assert calendar_time_between(nov(23, 8), nov(30, 8), pauses) == 2 * H


def test_overlapping_pauses_count_once():
    overlapping = [(nov(23, 9), nov(23, 11)), (nov(23, 10), nov(23, 14)),
                   (nov(23, 14), nov(23, 15))]
    # 08–09 and 15–17 of Monday count: 3 h; 5 h more on Wednesday.
    assert add_business_time(CAL, nov(23, 8), 8 * H, overlapping) == nov(25, 14)
    assert business_time_between(CAL, nov(23, 8), nov(24, 8), overlapping) == 3 * H


def test_a_months_long_pause_resumes_with_the_time_left():
    pauses = [(at(2026, 3, 2, 10), nov(25, 10))]
    assert add_business_time(CAL, at(2026, 3, 2, 8), 4 * H, pauses) == nov(25, 12)


def test_a_deadline_in_utc_and_in_local_time_is_the_same_instant():
    received = datetime(2026, 11, 20, 8, tzinfo=timezone.utc)                # 15:00 local
    due = add_business_time(CAL, received, URBAN)
    assert due == datetime(2026, 11, 26, 8, tzinfo=timezone.utc) == nov(26, 15)
    assert due.tzinfo == LOCAL_TZ


@pytest.mark.parametrize("call", [
    lambda: add_business_time(CAL, datetime(2026, 11, 23, 8), H),
    lambda: add_business_time(CAL, nov(23, 8), H, [(datetime(2026, 11, 23, 9), None)]),
    lambda: add_business_time(CAL, nov(23, 8), -H),
    lambda: add_business_time(CAL, nov(23, 8), H, [(nov(23, 9), nov(23, 8))]),
    lambda: business_time_between(CAL, nov(23, 8), datetime(2026, 11, 24)),
    lambda: add_calendar_time(datetime(2026, 11, 23, 8), H),
    lambda: OfficeHours(()),
    lambda: OfficeHours(((time(13), time(17)), (time(8), time(12)))),
    lambda: OfficeHours(((time(8), time(12)), (time(11), time(17)))),
    lambda: OfficeHours(((time(12), time(8)),)),
    lambda: WorkCalendar(extra_days_off={date(2026, 11, 21)},
                         extra_working_days={date(2026, 11, 21)}),
], ids=["naive-start", "naive-pause", "negative", "backwards-pause", "naive-end",
        "naive-24-7", "no-slots", "unsorted-slots", "overlapping-slots", "empty-slot",
        "day-both-off-and-working"])
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_office_hours_default_to_eight_hours_a_day_and_are_editable():
    assert OfficeHours().day_length == 8 * H
    saturday_mornings = OfficeHours(((time(7, 30), time(11, 30)),))
    assert saturday_mornings.day_length == 4 * H
    calendar = WorkCalendar(office_hours=saturday_mornings)
    assert add_business_time(calendar, nov(23, 11), H) == nov(25, 8)


def test_working_intervals_are_clipped_local_office_slots():
    intervals = list(CAL.working_intervals(datetime(2026, 11, 20, 8, tzinfo=timezone.utc),
                                           nov(25, 9)))
    assert intervals == [(nov(20, 15), nov(20, 17)),
                         (nov(23, 8), nov(23, 12)),
                         (nov(23, 13), nov(23, 17)),
                         (nov(25, 8), nov(25, 9))]


@pytest.mark.parametrize("received, duration, pauses, due", [
    pytest.param(nov(23, 23), 2 * H, [], nov(24, 1), id="2h-from-23h"),
    pytest.param(nov(23, 22, 30), 4 * H, [(nov(23, 23, 45), nov(24, 0, 15))],
                 nov(24, 3), id="4h-across-midnight-with-a-30-min-pause"),
    pytest.param(at(2026, 12, 31, 23), 2 * H, [], at(2027, 1, 1, 1), id="across-new-year"),
    pytest.param(nov(23, 10), 2 * H, [(nov(23, 12), nov(23, 13))],
                 nov(23, 12), id="ends-where-a-pause-starts"),
    pytest.param(nov(23, 10), 2 * H, [(nov(23, 9), nov(23, 10, 30)),
                                               (nov(23, 10, 15), nov(23, 11))],
                 nov(23, 13), id="overlapping-pauses-from-before-receipt"),
])
def test_calendar_time_counts_every_hour(received, duration, pauses, due):
    result = add_calendar_time(received, duration, pauses)
    assert result == due and result.tzinfo == LOCAL_TZ
    assert calendar_time_between(received, result, pauses) == duration


def test_calendar_time_accepts_utc_and_answers_in_vietnam_time():
    result = add_calendar_time(datetime(2026, 11, 23, 16, tzinfo=timezone.utc), 2 * H)
    assert result == datetime(2026, 11, 23, 18, tzinfo=timezone.utc)
    assert result.isoformat() == "2026-11-24T01:00:00+07:00"


def test_years_after_this_one_are_unconfirmed_until_an_admin_confirms_them():
    assert unconfirmed_years(CAL, date(2026, 11, 20)) == (2027,)
    assert unconfirmed_years(CAL, date(2026, 11, 20), horizon=2) == (2027, 2028)
    assert unconfirmed_years(WorkCalendar(confirmed_years={2027}), date(2026, 11, 20)) == ()


# Properties over pseudo-random inputs across 2026–2027 (Tết 2027 is the library's estimate).
def _random_cases(seed, count, step=timedelta(seconds=1)):
    rng = random.Random(seed)
    origin, unit = at(2026, 1, 1), int(step.total_seconds())
    for _ in range(count):
        start = origin + rng.randrange(730 * 86400 // unit) * step
        duration = rng.randrange(1, 60 * 3600 // unit) * step
        pauses = []
        for _ in range(rng.randrange(3)):
            begin = start + rng.randrange(-2 * 86400 // unit, 10 * 86400 // unit) * step
            pauses.append((begin, begin + rng.randrange(1, 3 * 86400 // unit) * step))
        yield start, duration, pauses


def test_business_time_between_undoes_add_business_time():
    for start, duration, pauses in _random_cases(seed=20261120, count=400):
        for chosen in ([], pauses):
            due = add_business_time(CAL, start, duration, chosen)
            case = (start, duration, chosen)
            assert business_time_between(CAL, start, due, chosen) == duration, case
            # the earliest such instant: one microsecond less is not enough
            just_before = due - timedelta(microseconds=1)
            assert business_time_between(CAL, start, just_before, chosen) < duration, case


def _reference_due(start, duration, pauses, step):
    """Walk the clock step by step: slow, obvious, and independent of the module."""
    vn = holidays.VN(years=range(2025, 2030), language="vi")
    moment, left = start, duration
    while left:
        local = moment.astimezone(LOCAL_TZ)
        working = local.weekday() < 5 and local.date() not in vn or \
            local.date() in vn.weekend_workdays
        in_office = time(8) <= local.time() < time(12) or time(13) <= local.time() < time(17)
        paused = any(a <= moment < b for a, b in pauses)
        if working and in_office and not paused:
            left -= step
        moment += step
    return moment


def test_add_business_time_agrees_with_a_step_by_step_walk():
    step = timedelta(minutes=15)
    for start, duration, pauses in _random_cases(seed=7, count=120, step=step):
        assert add_business_time(CAL, start, duration, pauses) == \
            _reference_due(start, duration, pauses, step), (start, duration, pauses)
