"""The working-day calendar as admins edit it: overrides, office hours, confirmed years."""
from __future__ import annotations

from datetime import date, time

import sqlalchemy as sa
from flask_babel import gettext as _

from crm.core import audit, settings
from crm.extensions import db
from crm.models import CalendarDayKind, CalendarOverride, CalendarYear, utcnow
from workflows.sla.calendar import OfficeHours, WorkCalendar


class CalendarError(ValueError):
    """A calendar change that cannot be made; the message says why."""


def _parse_slots(value) -> OfficeHours:
    try:
        return OfficeHours(tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in value))
    except (TypeError, ValueError) as exc:
        raise CalendarError(_("Giờ làm việc không hợp lệ: %(reason)s", reason=exc)) from exc


def office_hours() -> OfficeHours:
    return _parse_slots(settings.get("office_hours"))


def load_calendar() -> WorkCalendar:
    """The calendar the SLA clock uses now: `holidays` VN plus every admin change."""
    rows = db.session.execute(sa.select(CalendarOverride.day, CalendarOverride.kind)).all()
    years = db.session.scalars(sa.select(CalendarYear.year)).all()
    return WorkCalendar(
        office_hours=office_hours(),
        extra_days_off=frozenset(d for d, k in rows if k == CalendarDayKind.DAY_OFF),
        extra_working_days=frozenset(d for d, k in rows if k == CalendarDayKind.WORKING_DAY),
        confirmed_years=frozenset(years))


def set_day(day: date, kind: CalendarDayKind | str, name: str | None = None, *, actor=None
            ) -> CalendarOverride:
    """Make `day` an extra day off or a make-up working day (replacing an earlier choice)."""
    kind = CalendarDayKind(kind)
    row = db.session.get(CalendarOverride, day)
    old = str(row.kind) if row else None
    if row is None:
        row = CalendarOverride(day=day, kind=kind)
        db.session.add(row)
    row.kind, row.name = kind, (name or "").strip() or None
    row.created_by_id = actor.id if actor else None
    db.session.flush()
    audit.record("calendar", int(day.strftime("%Y%m%d")), "calendar_changed",
                 {"day": [None, day.isoformat()], "kind": [old, str(kind)]}, actor=actor)
    return row


def clear_day(day: date, *, actor=None) -> None:
    """Give `day` back to the national calendar."""
    row = db.session.get(CalendarOverride, day)
    if row is None:
        raise CalendarError(_("Ngày %(day)s không có thay đổi nào.", day=day.strftime("%d/%m/%Y")))
    audit.record("calendar", int(day.strftime("%Y%m%d")), "calendar_changed",
                 {"day": [day.isoformat(), None], "kind": [str(row.kind), None]}, actor=actor)
    db.session.delete(row)
    db.session.flush()


def set_office_hours(slots: list[tuple[str, str]], *, actor=None) -> OfficeHours:
    """Replace the daily office hours (validated: sorted, non-overlapping slots)."""
    hours = _parse_slots(slots)
    settings.put("office_hours", [[a.strftime("%H:%M"), b.strftime("%H:%M")]
                                  for a, b in hours.slots], actor=actor)
    return hours


def confirm_year(year: int, *, actor=None) -> None:
    """Record that `year`'s holidays were checked against the government's decision."""
    if db.session.get(CalendarYear, year) is None:
        db.session.add(CalendarYear(year=year, confirmed_at=utcnow(),
                                    confirmed_by_id=actor.id if actor else None))
        db.session.flush()
