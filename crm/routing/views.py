"""Phân tuyến (routing) admin pages — wards → district offices with effective dates, how each
team shares work — and the presence menu of agents and district staff.

Admins change things; supervisors read. Paths are spelled out because the admin pages live
under /admin/routing while the presence menu is the user's own (/me/presence).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from crm.core import schedule
from crm.core.permissions import roles_required
from crm.extensions import db
from crm.models import District, Role, Ward
from crm.routing import forms, queries, services
from crm.routing.forms import CENTRE, MODE_LABELS, PRESENCE_LABELS
from crm.tickets import assignment
from workflows import routing

bp = Blueprint("routing", __name__)
ADMIN = "/admin/routing"
READERS = (Role.ADMIN, Role.SUPERVISOR)

schedule.register("routing-sync-owners", "crm.routing.jobs.sync_current_owners", every=3600)


@bp.app_context_processor
def _presence_menu():
    """What `_presence.html` needs on every page (present only once this blueprint is on)."""
    return {"presence_labels": PRESENCE_LABELS}


@bp.get(ADMIN + "/")
@login_required
@roles_required(*READERS)
def index():
    return redirect(url_for("routing.wards"))


@bp.get(ADMIN + "/wards")
@login_required
@roles_required(*READERS)
def wards():
    """Wards by service-area code with today's office and dated changes; keyset pages."""
    district, prefix = request.args.get("district") or None, request.args.get("q", "").strip()
    rows = queries.ward_page(district=district, prefix=prefix or None,
                             after=request.args.get("after") or None)
    page, more = rows[:queries.PAGE_SIZE], len(rows) > queries.PAGE_SIZE
    today = routing.today()
    return render_template(
        "routing/wards.html", wards=page, more=more, today=today,
        upcoming=queries.upcoming([w.id for w in page], today), district=district or "",
        prefix=prefix, districts=forms.district_choices(), no_office=queries.NO_OFFICE,
        unroutable=services.unroutable_count(current_user), cap=services.COUNT_CAP)


@bp.get(ADMIN + "/wards/<int:ward_id>")
@login_required
@roles_required(*READERS)
def ward(ward_id: int):
    """One ward: its offices over time and, for admins, the form to schedule a new one."""
    found = db.session.get(Ward, ward_id) or abort(404)
    return _render_ward(found, forms.schedule_form(ward=found.code))


@bp.get(ADMIN + "/assignments/new")
@login_required
@roles_required(Role.ADMIN)
def new_assignment():
    """The schedule form on its own, for a ward given by its code."""
    return _render_schedule(forms.schedule_form(ward=request.args.get("ward", "")))


@bp.post(ADMIN + "/assignments")
@login_required
@roles_required(Role.ADMIN)
def create_assignment():
    """Schedule an office for a ward from a date; 303 to the ward, or 400 saving nothing."""
    form = forms.schedule_form(request.form)
    if not form.validate():
        return _refused(form)
    district = db.session.get(District, form.district.data)
    try:
        services.assign_ward(form.found_ward, district, form.valid_from.data, form.valid_to.data,
                             actor=current_user._get_current_object())
    except services.RoutingError as exc:
        db.session.rollback()
        form.valid_from.errors.append(str(exc))
        return _refused(form)
    db.session.commit()
    flash(_("Đã lên lịch %(district)s phục vụ %(ward)s từ ngày %(date)s.",
            district=district.code, ward=form.found_ward.name,
            date=form.valid_from.data.strftime("%d/%m/%Y")), "success")
    return redirect(url_for("routing.ward", ward_id=form.found_ward.id), 303)


def _refused(form: forms.ScheduleForm):
    ward_ = form.found_ward and db.session.get(Ward, form.found_ward.id)
    return _render_ward(ward_, form, 400) if ward_ else _render_schedule(form, 400)


def _render_ward(ward_: Ward, form, status: int = 200):
    return render_template("routing/ward.html", ward=ward_, form=form,
                           rows=services.schedule(ward_), today=routing.today()), status


def _render_schedule(form, status: int = 200):
    return render_template("routing/schedule.html", form=form), status


@bp.get(ADMIN + "/districts")
@login_required
@roles_required(*READERS)
def districts():
    """The care centre and the district offices: wards, staff, who is available, the rule."""
    return _render_districts(forms.rule_form())


@bp.post(ADMIN + "/rules")
@login_required
@roles_required(Role.ADMIN)
def set_rule():
    """Change how one pool shares work; 303 back, or 400 changing nothing."""
    form = forms.rule_form(request.form)
    if not form.validate():
        return _render_districts(form, 400)
    district = None if form.pool.data == CENTRE else db.session.get(District, int(form.pool.data))
    services.set_rule(district, form.mode.data, actor=current_user._get_current_object())
    db.session.commit()
    flash(_("Đã đổi cách phân công của %(pool)s.",
            pool=district.code if district else _("Trung tâm CSKH")), "success")
    return redirect(url_for("routing.districts"), 303)


def _render_districts(form, status: int = 200):
    return render_template("routing/districts.html", pools=queries.pool_summaries(), form=form,
                           mode_labels=MODE_LABELS, centre=CENTRE), status


@bp.post("/me/presence")
@login_required
@roles_required(Role.AGENT, Role.DISTRICT_STAFF)
def set_presence():
    """Set one's own presence; becoming available pulls waiting work. 303 back where one was."""
    form = forms.presence_form(request.form)
    if not form.validate():
        return render_template("error.html", code=400, message="; ".join(
            str(e) for e in form.presence.errors)), 400
    me = current_user._get_current_object()
    if assignment.set_presence(me, form.presence.data):
        db.session.commit()
        flash(_("Trạng thái của bạn: %(presence)s.",
                presence=PRESENCE_LABELS[me.presence]), "success")
    return redirect(_safe_next(form.next.data), 303)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would help phishing."""
    if target and target.startswith("/") and not target.startswith("//") \
            and not urlsplit(target).netloc:
        return target
    return url_for("inbox.index")
