"""Lịch làm việc (the working-day calendar) and office hours: admins edit, supervisors read.

Every change that moves due times enqueues the recompute of open tickets before the commit;
a refused change answers 400 with the reason and leaves the calendar as it was.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from crm.admin import sla_services as services
from crm.admin.sla import VIEWERS
from crm.admin.sla_forms import ClearDayForm, ConfirmYearForm, DayForm, ImportForm, \
    OfficeHoursForm
from crm.admin.views import bp
from crm.core.permissions import roles_required
from crm.core.timefmt import local
from crm.extensions import db
from crm.models import CalendarDayKind, Role, utcnow
from workflows.sla import store
from workflows.sla.calendar import unconfirmed_years


@bp.get("/calendar")
@login_required
@roles_required(*VIEWERS)
def calendar():
    """One year's days off on weekdays and working weekend days, with their reasons."""
    return _render(_year())


@bp.post("/calendar/days")
@login_required
@roles_required(Role.ADMIN)
def calendar_day_add():
    """Add an extra day off or a make-up working day; 400 (nothing changed) if refused."""
    form = DayForm()
    if not form.validate():
        return _render(_year(), 400, day_form=form)
    try:
        services.add_day(form.day.data, form.kind.data, form.name.data, actor=current_user)
    except store.CalendarError as exc:
        db.session.rollback()
        form.day.errors.append(str(exc))
        return _render(_year(), 400, day_form=form)
    _commit_with_recompute()
    kind = form.kind.data
    flash(_("Đã thêm ngày nghỉ %(day)s.", day=form.day.data.strftime("%d/%m/%Y"))
          if kind == CalendarDayKind.DAY_OFF else
          _("Đã thêm ngày làm bù %(day)s.", day=form.day.data.strftime("%d/%m/%Y")), "success")
    return _back_to(form.day.data.year)


@bp.post("/calendar/days/clear")
@login_required
@roles_required(Role.ADMIN)
def calendar_day_clear():
    """Give a day back to the national calendar; 400 if it carries no admin change."""
    form = ClearDayForm()
    if form.validate():
        try:
            store.clear_day(form.day.data, actor=current_user)
        except store.CalendarError as exc:
            db.session.rollback()
            form.day.errors.append(str(exc))
        else:
            _commit_with_recompute()
            flash(_("Ngày %(day)s đã theo lịch của Nhà nước.",
                    day=form.day.data.strftime("%d/%m/%Y")), "success")
            return _back_to(form.day.data.year)
    return _render(_year(), 400, clear_form=form)


@bp.post("/calendar/import")
@login_required
@roles_required(Role.ADMIN)
def calendar_import():
    """Add a list of days, all or nothing: one bad line answers 400 naming every bad line."""
    form = ImportForm()
    if not form.validate():
        return _render(_year(), 400, import_form=form)
    try:
        lines = services.parse_days(form.content(), form.kind.data)
    except services.DayImportError as exc:
        db.session.rollback()
        return _render(_year(), 400, import_form=form, import_errors=exc.errors)
    except ValueError as exc:
        form.file.errors.append(str(exc))
        return _render(_year(), 400, import_form=form)
    count = services.import_days(lines, form.kind.data, actor=current_user)
    _commit_with_recompute()
    flash(_("Đã thêm %(n)d ngày.", n=count), "success")
    return _back_to(lines[0].day.year)


@bp.post("/calendar/confirm")
@login_required
@roles_required(Role.ADMIN)
def calendar_confirm():
    """Record that a year's holidays match the government's decision."""
    form = ConfirmYearForm()
    if not form.validate():
        return _render(_year(), 400, error=_("Năm không hợp lệ."))
    store.confirm_year(form.confirmed_year.data, actor=current_user)
    db.session.commit()
    flash(_("Đã xác nhận lịch nghỉ năm %(year)d.", year=form.confirmed_year.data), "success")
    return _back_to(_year())


@bp.post("/calendar/office-hours")
@login_required
@roles_required(Role.ADMIN)
def calendar_office_hours():
    """Replace the daily office hours (up to three slots); 400 with the reason if invalid."""
    form = OfficeHoursForm()
    if form.validate():
        try:
            store.set_office_hours(form.pairs(), actor=current_user)
        except store.CalendarError as exc:
            db.session.rollback()
            form.slots.errors.append(str(exc))
        else:
            _commit_with_recompute()
            flash(_("Đã lưu giờ làm việc."), "success")
            return _back_to(_year())
    return _render(_year(), 400, hours_form=form)


def _commit_with_recompute() -> None:
    services.enqueue_recompute()
    db.session.commit()


def _year() -> int:
    """The year shown: ?year= (or the form's hidden year), else the current one; 400 if bad."""
    text = request.values.get("year", "").strip()
    if not text:
        return local(utcnow()).year
    if not text.isdigit() or not services.MIN_YEAR <= int(text) <= services.MAX_YEAR:
        abort(400)
    return int(text)


def _back_to(year: int):
    return redirect(url_for("admin.calendar", year=year), 303)


def _render(year: int, status: int = 200, *, day_form=None, clear_form=None, import_form=None,
            hours_form=None, import_errors=None, error=None):
    calendar = store.load_calendar()
    if hours_form is None:
        hours_form = OfficeHoursForm(formdata=None)
        hours_form.fill(calendar.office_hours)
    return render_template(
        "admin/calendar.html", year=year, error=error, import_errors=import_errors,
        rows=services.year_rows(calendar, year, services.overrides_in(year)),
        unconfirmed=unconfirmed_years(calendar, local(utcnow()).date()),
        day_hours=_hours(calendar.office_hours.day_length),
        can_edit=current_user.has_role(Role.ADMIN),
        day_form=day_form or DayForm(formdata=None),
        clear_form=clear_form or ClearDayForm(formdata=None),
        import_form=import_form or ImportForm(formdata=None),
        hours_form=hours_form), status


def _hours(length) -> str:
    """8 h → "8", 7 h 30 → "7,5" (Vietnamese decimal comma)."""
    hours = length.total_seconds() / 3600
    return f"{hours:g}".replace(".", ",")
