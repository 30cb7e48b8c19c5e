"""Admin changes to SLA policies and the working-day calendar. Services flush, never commit:
the caller owns the transaction, rolls back when one raises, and enqueues the recompute."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

import workflows
from crm.core import audit
from crm.core.queue import enqueue
from crm.core.timefmt import LOCAL_TZ, local, parse_local
from crm.extensions import db
from crm.models import AreaType, CalendarDayKind, CalendarOverride, SlaClock, SlaPolicy
from workflows.sla import clock, policies, store
from workflows.sla.policies import PolicyError

AUDIT_ENTITY = "sla_policy"
RECOMPUTE_JOB = "workflows.sla.jobs.recompute_open"
MAX_PRIORITY = 10_000
MIN_YEAR, MAX_YEAR = 2000, 2100
DAY_MINUTES_CALENDAR = 24 * 60
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
VN_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def enqueue_recompute() -> None:
    """Recompute every open ticket's due time once the caller's transaction commits."""
    enqueue(RECOMPUTE_JOB, queue="default")


def day_minutes(clock: SlaClock | str) -> int:
    """Minutes in one "day" of a clock: the office hours of a working day, or 24 h."""
    if SlaClock(clock) == SlaClock.CALENDAR:
        return DAY_MINUTES_CALENDAR
    return int(store.office_hours().day_length.total_seconds() // 60)


def split_minutes(minutes: int, per_day: int) -> tuple[int, int, int]:
    """(days, hours, minutes) of a duration, a day being `per_day` minutes."""
    days, rest = divmod(minutes, per_day)
    return days, rest // 60, rest % 60


# --- policies ----------------------------------------------------------------------------

def save_policy(policy: SlaPolicy | None, *, name: str, type_: str, subtype: str | None,
                area_type: str | None, priority: int | None, clock: str,
                duration_minutes: int | None, warn_percent: int | None, valid_from: date,
                valid_to: date | None) -> SlaPolicy:
    """Create (`policy` None) or update a policy, audited; flushes; raises PolicyError."""
    subtype, area_type, name = subtype or None, area_type or None, (name or "").strip()
    policies.validate(name=name, type_=type_, subtype=subtype, clock=clock,
                      duration_minutes=duration_minutes, warn_percent=warn_percent,
                      valid_from=valid_from, valid_to=valid_to)
    if area_type is not None and area_type not in AreaType.values():
        raise PolicyError(_("Khu vực không hợp lệ."))
    if priority is None or not 0 <= priority <= MAX_PRIORITY:
        raise PolicyError(_("Thứ tự ưu tiên phải từ 0 đến %(max)d.", max=MAX_PRIORITY))
    action = "updated" if policy else "created"
    policy = policy or SlaPolicy(is_active=True)
    changes = audit.diff(policy, name=name, type=type_, subtype=subtype,
                         area_type=AreaType(area_type) if area_type else None,
                         priority=priority, clock=SlaClock(clock),
                         duration_minutes=duration_minutes, warn_percent=warn_percent,
                         valid_from=valid_from, valid_to=valid_to)
    db.session.add(policy)
    db.session.flush()
    if changes:
        audit.record(AUDIT_ENTITY, policy.id, action, changes)
    return policy


def toggle_policy(policy: SlaPolicy) -> SlaPolicy:
    """Switch a policy on or off (an inactive one never matches a ticket), audited; flushes."""
    changes = audit.diff(policy, is_active=not policy.is_active)
    db.session.flush()
    audit.record(AUDIT_ENTITY, policy.id, "updated", changes)
    return policy


def candidates(type_: str, subtype: str | None, area_type: str | None) -> list[SlaPolicy]:
    """Every active policy that matches, best first (the tester explains its choice with it)."""
    return db.session.scalars(
        sa.select(SlaPolicy).where(policies.matching(type_, subtype, area_type))
        .order_by(SlaPolicy.priority, SlaPolicy.id)).all()


def describe_duration(minutes: int, clock: SlaClock | str, business_day: int) -> str:
    """"3 ngày làm việc 4 giờ" for a business clock (a day = `business_day` minutes), "4 giờ"
    for a 24/7 one."""
    if SlaClock(clock) == SlaClock.CALENDAR:
        days, (hours, rest) = 0, divmod(minutes, 60)
    else:
        days, hours, rest = split_minutes(minutes, business_day)
    parts = [_("%(n)d ngày làm việc", n=days)] if days else []
    parts += [_("%(n)d giờ", n=hours)] if hours else []
    parts += [_("%(n)d phút", n=rest)] if rest else []
    return " ".join(parts)


def subtype_label(type_: str, subtype: str | None) -> str:
    """The subtype's title in its type; "" when blank (the policy matches any subtype)."""
    wf = workflows.WORKFLOWS.get(type_)
    return wf.subtype_title(subtype) if wf and subtype else (subtype or "")


@dataclass(frozen=True)
class PolicyAnswer:
    received_at: datetime
    policy: SlaPolicy | None
    deadline: clock.Deadline | None     #: None when no policy applies
    candidates: list[SlaPolicy]


def which_policy(type_: str, subtype: str | None, area: str | None, received: str) -> PolicyAnswer:
    """The policy a ticket received at `received` would get and its due time, exactly as the
    clock computes it. Raises PolicyError or ValueError for input no ticket could have."""
    subtype, area = subtype or None, area or None
    if type_ not in workflows.WORKFLOWS:
        raise PolicyError(_("Loại yêu cầu không hợp lệ: %(kind)s", kind=type_))
    if subtype and subtype not in workflows.get(type_).subtypes:
        raise PolicyError(_("Loại chi tiết không thuộc loại yêu cầu: %(subtype)s",
                            subtype=subtype))
    if area is not None and area not in AreaType.values():
        raise PolicyError(_("Khu vực không hợp lệ."))
    received_at = parse_received(received)
    policy = policies.find_policy(type_, subtype, area, local(received_at).date())
    deadline = None
    if policy is not None:
        deadline = clock.due_times(policy.clock, timedelta(minutes=policy.duration_minutes),
                                   policy.warn_percent, received_at)
    return PolicyAnswer(received_at, policy, deadline, candidates(type_, subtype, area))


def parse_received(text: str) -> datetime:
    """A moment typed by a person: ISO 8601 or dd/mm/yyyy HH:MM, Vietnam time unless stated."""
    text = (text or "").strip()
    if not text:
        raise ValueError(_("Vui lòng nhập thời điểm tiếp nhận."))
    try:
        return parse_local(text)
    except ValueError:
        pass
    try:
        return datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=LOCAL_TZ)
    except ValueError:
        raise ValueError(_("Thời điểm tiếp nhận không hợp lệ: “%(text)s”.", text=text)) from None


# --- calendar ----------------------------------------------------------------------------

def parse_day(text: str) -> date:
    """A day as YYYY-MM-DD or dd/mm/yyyy; ValueError with a Vietnamese reason."""
    text = (text or "").strip()
    match = VN_DAY.match(text)
    try:
        if match:
            day = date(int(match[3]), int(match[2]), int(match[1]))
        elif ISO_DAY.match(text):
            day = date.fromisoformat(text)
        else:
            raise ValueError
    except ValueError:
        raise ValueError(_("Ngày không hợp lệ: “%(text)s” (dùng YYYY-MM-DD hoặc dd/mm/yyyy).",
                           text=text)) from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValueError(_("Năm phải từ %(lo)d đến %(hi)d.", lo=MIN_YEAR, hi=MAX_YEAR))
    return day


def check_day(day: date, kind: CalendarDayKind | str) -> None:
    """Raise CalendarError when `day` already carries the other kind of change."""
    row = db.session.get(CalendarOverride, day)
    if row is not None and row.kind != CalendarDayKind(kind):
        raise store.CalendarError(_clash(day, row.kind))


def _clash(day: date, existing: CalendarDayKind) -> str:
    other = _("ngày làm bù") if existing == CalendarDayKind.WORKING_DAY else _("ngày nghỉ thêm")
    return _("Ngày %(day)s đã là %(other)s; hãy bỏ thay đổi đó trước.",
             day=day.strftime("%d/%m/%Y"), other=other)


def add_day(day: date, kind: CalendarDayKind | str, name: str | None, *, actor=None
            ) -> CalendarOverride:
    """Make `day` an extra day off or a make-up working day; raises CalendarError; flushes."""
    check_day(day, kind)
    return store.set_day(day, kind, name, actor=actor)


def overrides_in(year: int) -> dict[date, CalendarOverride]:
    rows = db.session.scalars(sa.select(CalendarOverride).where(
        CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31)))
    return {row.day: row for row in rows}


@dataclass(frozen=True)
class ImportLine:
    line: int
    day: date
    name: str | None


class DayImportError(ValueError):
    """A day list with bad lines; `errors` holds (line number, reason), nothing was applied."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(_("Có %(n)d dòng lỗi, chưa ngày nào được thêm.", n=len(errors)))
        self.errors = errors


MAX_IMPORT_LINES = 1000
MAX_IMPORT_BYTES = 100 * 1024
MAX_NAME = 200
SEPARATORS = re.compile(r"[,;\t]")


def parse_days(text: str, kind: CalendarDayKind | str) -> list[ImportLine]:
    """Every `YYYY-MM-DD[,name]` or `dd/mm/yyyy[,name]` line, all checked before any is used.

    Blank lines and lines starting with # are skipped. Raises DayImportError listing every bad
    line (bad date, long name, a date twice, a date already carrying the other kind).
    """
    rows = (text or "").lstrip("\ufeff").splitlines()
    if len(rows) > MAX_IMPORT_LINES:
        raise DayImportError([(0, _("Tối đa %(n)d dòng mỗi lần.", n=MAX_IMPORT_LINES))])
    lines, errors, seen = [], [], {}
    for number, raw in enumerate(rows, start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            item = _parse_line(number, raw, seen)
        except ValueError as exc:
            errors.append((number, str(exc)))
            continue
        seen[item.day] = number
        lines.append(item)
    errors += _clashes(lines, CalendarDayKind(kind))
    if errors:
        raise DayImportError(sorted(errors))
    if not lines:
        raise DayImportError([(0, _("Danh sách không có ngày nào."))])
    return lines


def _parse_line(number: int, raw: str, seen: dict[date, int]) -> ImportLine:
    day_text, _sep, name = (part.strip() for part in _split(raw))
    day = parse_day(day_text)
    name = name.strip('"').strip() or None
    if name and len(name) > MAX_NAME:
        raise ValueError(_("Tên ngày dài quá %(n)d ký tự.", n=MAX_NAME))
    if day in seen:
        raise ValueError(_("Ngày %(day)s đã có ở dòng %(line)d.",
                           day=day.strftime("%d/%m/%Y"), line=seen[day]))
    return ImportLine(number, day, name)


def _clashes(lines: list[ImportLine], kind: CalendarDayKind) -> list[tuple[int, str]]:
    """Lines whose day already carries the other kind of change (one query for them all)."""
    if not lines:
        return []
    other = dict(db.session.execute(
        sa.select(CalendarOverride.day, CalendarOverride.kind).where(
            CalendarOverride.day.in_([item.day for item in lines]),
            CalendarOverride.kind != kind)).all())
    return [(item.line, _clash(item.day, other[item.day])) for item in lines
            if item.day in other]


def _split(raw: str) -> tuple[str, str, str]:
    match = SEPARATORS.search(raw)
    if match is None:
        return raw, "", ""
    return raw[:match.start()], match.group(), raw[match.end():]


def import_days(lines: list[ImportLine], kind: CalendarDayKind | str, *, actor=None) -> int:
    """Apply checked lines (from `parse_days`); flushes; returns how many days were set."""
    for item in lines:
        store.set_day(item.day, kind, item.name, actor=actor)
    return len(lines)


# --- the year view -----------------------------------------------------------------------

@dataclass(frozen=True)
class DayRow:
    """One day that differs from "Monday–Friday work, weekends off", and why."""

    day: date
    is_working: bool
    source: str                       #: holiday | day_off | working_day | makeup
    reason: str
    override: CalendarOverride | None = None


def year_rows(calendar, year: int, overrides: dict[date, CalendarOverride]) -> list[DayRow]:
    """Every non-working weekday, every working weekend day and every admin override of `year`."""
    rows, day = [], date(year, 1, 1)
    while day.year == year:
        row = _day_row(calendar, day, overrides.get(day))
        if row is not None:
            rows.append(row)
        day += timedelta(days=1)
    return [_name_makeup(row, rows) if row.source == "makeup" else row for row in rows]


def _name_makeup(row: DayRow, rows: list[DayRow]) -> DayRow:
    """Name a library make-up Saturday after the day off it pays for, when one mentions it."""
    text = row.day.strftime("%d/%m/%Y")
    for other in rows:
        if other.source == "holiday" and text in other.reason:
            return replace(row, reason=_("Làm bù cho ngày nghỉ %(day)s",
                                         day=other.day.strftime("%d/%m/%Y")))
    return row


def _day_row(calendar, day: date, override: CalendarOverride | None) -> DayRow | None:
    is_working = calendar.is_working_day(day)
    if override is not None:
        if override.kind == CalendarDayKind.WORKING_DAY:
            return DayRow(day, is_working, "working_day", override.name or _("Ngày làm bù"),
                          override)
        reason = override.name or calendar.holiday_name(day) or _("Ngày nghỉ thêm")
        return DayRow(day, is_working, "day_off", reason, override)
    is_weekday = day.weekday() < 5
    if is_weekday and not is_working:
        return DayRow(day, False, "holiday", calendar.holiday_name(day) or "")
    if not is_weekday and is_working:
        return DayRow(day, True, "makeup", _("Ngày làm bù theo lịch nghỉ của Nhà nước"))
    return None
