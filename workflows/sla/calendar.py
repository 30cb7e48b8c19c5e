"""Working-time arithmetic for the SLA clock: office hours, holidays, make-up days, pauses.

Pure functions over aware datetimes (any zone in, `Asia/Ho_Chi_Minh` out; naive → ValueError).
Business time is counted in the calendar's local wall time, one day and one office slot at a
time (never minute by minute). Wall time equals elapsed time because the zone has had a fixed
+07:00 offset since 1975; the 24/7 variant counts in UTC and does not depend on that.

Definitions that every caller relies on:
- `add_business_time(cal, s, d)` is the EARLIEST instant t ≥ s with `business_time_between(cal,
  s, t) == d`. So a deadline that uses up a slot exactly ends at the slot's end (12:00, 17:00),
  a ticket received outside office hours starts at the next slot, and the round trip
  `business_time_between(s, add_business_time(s, d)) == d` holds for every s and d ≥ 0.
- A pause is an interval during which the clock stands still. Pauses may overlap each other or
  fall outside office hours; they are merged. A pause still open (end None) means the ticket
  has no due time (`add_*` returns None) and its elapsed time is frozen at the pause's start.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ZERO = timedelta(0)
ONE_DAY = timedelta(days=1)

Pause = tuple[datetime, datetime | None]
Span = tuple[datetime, datetime]   # [start, end)


@dataclass(frozen=True)
class OfficeHours:
    """The daily working slots in local wall time: sorted, non-overlapping, non-empty."""

    slots: tuple[tuple[time, time], ...] = ((time(8), time(12)), (time(13), time(17)))

    def __post_init__(self) -> None:
        slots = tuple((start, end) for start, end in self.slots)
        if not slots:
            raise ValueError("office hours need at least one slot")
        for start, end in slots:
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError("office hours are local wall times without tzinfo")
            if not start < end:
                raise ValueError(f"a slot must end after it starts: {start}–{end}")
        for (_, prev_end), (next_start, _) in zip(slots, slots[1:]):
            if next_start < prev_end:
                raise ValueError("office-hour slots must be sorted and must not overlap")
        object.__setattr__(self, "slots", slots)

    @property
    def day_length(self) -> timedelta:
        """Office time in one working day (8 h by default): what "1 working day" means."""
        return sum((end - start for start, end in self.spans(date.min)), ZERO)

    def spans(self, day: date) -> list[Span]:
        return [(datetime.combine(day, start), datetime.combine(day, end))
                for start, end in self.slots]


@lru_cache(maxsize=None)
def _vn_year(year: int) -> tuple[dict[date, str], frozenset[date]]:
    """The `holidays` VN days off of one year (Vietnamese names) and its make-up Saturdays."""
    vn = holidays.VN(years=year, language="vi")
    return dict(vn), frozenset(vn.weekend_workdays)


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days, and when the office is open on them.

    A day is a working day when, in this order of precedence: it is an admin make-up working
    day (beats weekends AND holidays); it is not an admin day off; it is not a `holidays` VN
    public holiday; it is a Monday–Friday or one of the library's own make-up Saturdays
    (e.g. 22/08/2026, worked in exchange for 31/08/2026).
    """

    office_hours: OfficeHours = field(default_factory=OfficeHours)
    extra_days_off: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    #: years whose Tết break an admin has checked against the government's decision
    confirmed_years: frozenset[int] = frozenset()
    tz: ZoneInfo = LOCAL_TZ

    def __post_init__(self) -> None:
        for name in ("extra_days_off", "extra_working_days", "confirmed_years"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        clash = self.extra_days_off & self.extra_working_days
        if clash:
            raise ValueError(f"both a day off and a working day: {sorted(clash)}")

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        names, makeup_saturdays = _vn_year(day.year)
        if day in names:
            return False
        return day.weekday() < 5 or day in makeup_saturdays

    def holiday_name(self, day: date) -> str | None:
        """The public holiday's Vietnamese name; None when not one (or made a working day)."""
        if day in self.extra_working_days:
            return None
        return _vn_year(day.year)[0].get(day)

    def working_intervals(self, start: datetime, end: datetime) -> Iterator[Span]:
        """The office-hour intervals intersecting [start, end), clipped to it, aware local."""
        for lo, hi in _office_spans(self, self.local(start), self.local(end), []):
            yield self.aware(lo), self.aware(hi)

    def local(self, moment: datetime) -> datetime:
        """`moment` as naive wall time in the calendar's zone."""
        return _require_aware(moment).astimezone(self.tz).replace(tzinfo=None)

    def aware(self, wall: datetime) -> datetime:
        return wall.replace(tzinfo=self.tz)


DEFAULT_CALENDAR = WorkCalendar()


def add_business_time(calendar: WorkCalendar, start: datetime, duration: timedelta,
                      pauses: Sequence[Pause] = ()) -> datetime | None:
    """The due instant: `duration` of office time after `start`, outside the pauses.

    Aware local result; None while a pause is open; ValueError for naive or negative input.
    """
    remaining = _require_non_negative(duration)
    lo = calendar.local(start)
    paused = _merge_pauses(pauses, calendar.local)
    if paused is None:
        return None
    if not remaining:
        return calendar.aware(lo)
    for span_start, span_end in _office_spans(calendar, lo, None, paused):
        if remaining <= span_end - span_start:
            return calendar.aware(span_start + remaining)
        remaining -= span_end - span_start
    raise AssertionError("unreachable: working days never run out")


def business_time_between(calendar: WorkCalendar, start: datetime, end: datetime,
                          pauses: Sequence[Pause] = ()) -> timedelta:
    """Office time elapsed in [start, end) outside the pauses; ZERO when end ≤ start.

    A pause still open counts as lasting until `end`, so the elapsed time stays frozen.
    """
    lo, hi = calendar.local(start), calendar.local(end)
    paused = _merge_pauses(pauses, calendar.local, open_until=hi)
    return sum((b - a for a, b in _office_spans(calendar, lo, hi, paused)), ZERO)


def add_calendar_time(start: datetime, duration: timedelta, pauses: Sequence[Pause] = (),
                      tz: ZoneInfo = LOCAL_TZ) -> datetime | None:
    """The due instant for a 24/7 policy: `duration` of real time after `start`, minus pauses.

    Counted in UTC (exact across midnight and any offset change); returned in `tz`.
    """
    remaining = _require_non_negative(duration)
    moment = _utc(start)
    paused = _merge_pauses(pauses, _utc)
    if paused is None:
        return None
    for pause_start, pause_end in paused:
        if pause_end <= moment:
            continue
        if pause_start > moment:
            if remaining <= pause_start - moment:
                break
            remaining -= pause_start - moment
        moment = max(moment, pause_end)
    return (moment + remaining).astimezone(tz)


def calendar_time_between(start: datetime, end: datetime,
                          pauses: Sequence[Pause] = ()) -> timedelta:
    """Real time elapsed in [start, end) outside the pauses (open pause: until `end`)."""
    lo, hi = _utc(start), _utc(end)
    paused = _merge_pauses(pauses, _utc, open_until=hi)
    return sum((b - a for a, b in _unpaused(lo, hi, paused)), ZERO) if lo < hi else ZERO


def unconfirmed_years(calendar: WorkCalendar, today: date, horizon: int = 1) -> tuple[int, ...]:
    """Years in [today.year, today.year + horizon] whose Tết may still be the library's guess.

    Rule: the government announces each Tết break during the year before, so the current
    year counts as confirmed and every later year as the `holidays` package's estimate,
    until an admin lists it in `calendar.confirmed_years`. The default horizon of one year
    covers every deadline an SLA can reach.
    """
    return tuple(year for year in range(today.year + 1, today.year + horizon + 1)
                 if year not in calendar.confirmed_years)


def _office_spans(calendar: WorkCalendar, lo: datetime, hi: datetime | None,
                  paused: list[Span]) -> Iterator[Span]:
    """Office time in [lo, hi) outside `paused`, as wall-time spans in order (hi None: endless)."""
    day = lo.date()
    while hi is None or datetime.combine(day, time()) < hi:
        skip_to = _pause_end_covering(paused, max(lo, datetime.combine(day, time())))
        if skip_to is not None and skip_to.date() > day:
            day = skip_to.date()      # a long pause: jump over its whole days at once
            continue
        if calendar.is_working_day(day):
            for span_start, span_end in calendar.office_hours.spans(day):
                span_start = max(span_start, lo)
                span_end = span_end if hi is None else min(span_end, hi)
                if span_start < span_end:
                    yield from _unpaused(span_start, span_end, paused)
        day += ONE_DAY


def _unpaused(lo: datetime, hi: datetime, paused: list[Span]) -> Iterator[Span]:
    """[lo, hi) minus the sorted, disjoint `paused` spans."""
    index = bisect_right(paused, lo, key=lambda span: span[1])   # first pause ending after lo
    while lo < hi:
        if index == len(paused) or paused[index][0] >= hi:
            yield lo, hi
            return
        pause_start, pause_end = paused[index]
        if pause_start > lo:
            yield lo, pause_start
        lo, index = max(lo, pause_end), index + 1


def _pause_end_covering(paused: list[Span], moment: datetime) -> datetime | None:
    index = bisect_right(paused, moment, key=lambda span: span[1])
    if index < len(paused) and paused[index][0] <= moment:
        return paused[index][1]
    return None


def _merge_pauses(pauses: Sequence[Pause], convert: Callable[[datetime], datetime],
                  open_until: datetime | None = None) -> list[Span] | None:
    """Pauses as sorted, disjoint spans; None when one is open and `open_until` is None."""
    spans, is_open = [], False
    for pause_start, pause_end in pauses:
        begin = convert(pause_start)
        if pause_end is None:
            is_open = True
            end = max(begin, open_until) if open_until is not None else begin
        else:
            end = convert(pause_end)
        if end < begin:
            raise ValueError(f"a pause ends before it starts: {pause_start} → {pause_end}")
        if begin < end:
            spans.append((begin, end))
    if is_open and open_until is None:
        return None
    merged: list[Span] = []
    for begin, end in sorted(spans):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


def _utc(moment: datetime) -> datetime:
    return _require_aware(moment).astimezone(timezone.utc)


def _require_aware(moment: datetime) -> datetime:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise ValueError(f"an aware datetime is required, got {moment!r}")
    return moment


def _require_non_negative(duration: timedelta) -> timedelta:
    if duration < ZERO:
        raise ValueError(f"a duration cannot be negative: {duration}")
    return duration
