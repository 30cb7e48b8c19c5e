"""Lịch tạm ngừng cấp điện pages: the schedule by day, one outage, the CSV upload; and the
planned-outage panels of the ticket page and the customer 360 page."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required

from crm.core.permissions import roles_required
from crm.core.timefmt import local
from crm.extensions import db
from crm.incidents.services import feeder_of
from crm.models import Customer, District, Role, utcnow
from crm.planned_outages import jobs, queries, services  # noqa: F401  (jobs: its schedule)
from crm.planned_outages.forms import CancelForm, SearchForm, UploadForm
from crm.planned_outages.importer import import_file
from crm.planned_outages.lookup import planned_at, planned_for
from crm.planned_outages.rows import FileError
from crm.tickets import panels

bp = Blueprint("planned_outages", __name__)

#: Who may cancel an outage (district staff: their own) and who may upload a schedule.
CANCELLERS = (Role.DISTRICT_STAFF, Role.SUPERVISOR, Role.ADMIN)
UPLOADERS = (Role.SUPERVISOR, Role.ADMIN)
SHOWN_DAYS = 14          #: the default range of the page
UPCOMING_DAYS = 14       #: what the customer and ticket panels look ahead
WEEKDAYS = (_l("Thứ Hai"), _l("Thứ Ba"), _l("Thứ Tư"), _l("Thứ Năm"), _l("Thứ Sáu"),
            _l("Thứ Bảy"), _l("Chủ nhật"))


@bp.get("/planned-outages")
@login_required
def index():
    """The schedule, grouped by day; search by customer, ward, district and dates."""
    user = current_user._get_current_object()
    form = SearchForm(request.args)
    form.district.choices = [("", _("Tất cả"))] + [
        (str(d.id), d.code + " – " + d.name)
        for d in db.session.scalars(sa.select(District).order_by(District.code))]
    today = local(utcnow()).date()
    valid = form.validate()
    since = (form.since.data if valid else None) or today
    until = (form.until.data if valid else None) or since + timedelta(days=SHOWN_DAYS - 1)
    if until < since:
        form.until.errors.append(_("Ngày kết thúc phải sau ngày bắt đầu."))
        until = since + timedelta(days=SHOWN_DAYS - 1)
    found = queries.schedule(
        user, since=since, until=until, q=form.q.data or "", ward=form.ward.data or "",
        district_id=None if user.is_district_scoped else _int(form.district.data))
    return render_template("planned_outages/index.html", form=form, found=found, since=since,
                           until=until, weekdays=WEEKDAYS,
                           can_upload=user.has_role(*UPLOADERS)), 200 if valid else 400


def _int(text) -> int | None:
    return int(text) if text and str(text).isdigit() else None


@bp.get("/planned-outages/<int:outage_id>")
@login_required
def detail(outage_id: int):
    """One outage with its area, reach and notices; 404 for another district's."""
    return _render(queries.outage_or_404(current_user, outage_id))


def _render(outage, status: int = 200, error: str | None = None):
    user = current_user._get_current_object()
    return render_template("planned_outages/detail.html", outage=outage, error=error,
                           reach=queries.reach(outage), cancel_form=CancelForm(),
                           can_cancel=user.has_role(*CANCELLERS)), status


@bp.post("/planned-outages/<int:outage_id>/cancel")
@login_required
@roles_required(*CANCELLERS)
def cancel(outage_id: int):
    """Cancel it; customers already told are told it is off (303), or 400 with the reason."""
    outage = queries.outage_or_404(current_user, outage_id)
    if not CancelForm().validate():
        return _render(outage, 400, _("Phiên làm việc đã hết hạn, vui lòng thử lại."))
    try:
        services.cancel(outage, actor=current_user._get_current_object())
    except services.PlannedOutageError as exc:
        db.session.rollback()
        return _render(queries.outage_or_404(current_user, outage_id), 400, str(exc))
    db.session.commit()
    flash(_("Đã hủy lịch tạm ngừng cấp điện."), "success")
    return redirect(url_for("planned_outages.detail", outage_id=outage_id), 303)


@bp.route("/planned-outages/import", methods=["GET", "POST"])
@login_required
@roles_required(*UPLOADERS)
def upload():
    """Upload a schedule CSV; the page shows the same report as `flask outages import`."""
    form, summary, error = UploadForm(), None, None
    if request.method == "POST":
        if not form.validate():
            return render_template("planned_outages/import.html", form=form), 400
        try:
            summary = import_file(form.file.data.stream, actor=current_user._get_current_object())
        except FileError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
    return render_template("planned_outages/import.html", form=form, summary=summary,
                           error=error), 400 if error else 200


@bp.app_template_global("upcoming_planned_outages")
def upcoming_planned_outages(customer: Customer):
    """The customer's planned outages of the coming days (the customer 360 page)."""
    if customer.is_provisional:
        return []
    return planned_for(customer=customer, days=UPCOMING_DAYS)


def _ticket_panel(ticket, user) -> dict | None:
    """Outage reports: a planned outage going on when it came in. All: the customer's next."""
    matching = []
    if ticket.type == "outage":
        matching = planned_at(at=ticket.created_at, customer=ticket.customer,
                              ward=ticket.ward_id, feeder=feeder_of(ticket))
    upcoming = [] if ticket.customer.is_provisional else [
        info for info in planned_for(customer=ticket.customer, days=UPCOMING_DAYS)
        if info.outage_id not in {m.outage_id for m in matching}]
    if not matching and not upcoming:
        return None
    return {"planned_matching": matching, "planned_upcoming": upcoming}


def register_panel() -> None:
    """Put the planned-outage panel on the ticket page (at import; again if a test removed it)."""
    panels.register("planned_outages", "planned_outages/_ticket_panel.html", _ticket_panel,
                    column="side", order=6)


register_panel()
