"""Tạm dừng dịch vụ (service suspensions): admins and supervisors create and lift them;
districts see the requests to contact once a suspension ends."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from crm.core.permissions import roles_required
from crm.extensions import db
from crm.incidents import queries, suspensions
from crm.incidents.forms import SuspensionForm
from crm.incidents.views import bp
from crm.models import Role, Suspension, utcnow

EDITORS = (Role.ADMIN, Role.SUPERVISOR)


@bp.route("/suspensions", methods=["GET", "POST"])
@login_required
@roles_required(*EDITORS)
def suspension_list():
    """Every suspension and the create form; POST suspends the chosen types (303) or 400."""
    form = SuspensionForm()
    if not form.is_submitted():
        return _render_list(form)
    if not form.validate():
        return _render_list(form, 400)
    try:
        suspension = suspensions.create_suspension(
            form.types.data, form.starts_at.data, form.ends_at.data, form.notice.data,
            current_user._get_current_object())
    except suspensions.SuspensionError as exc:
        db.session.rollback()
        return _render_list(form, 400, error=str(exc))
    db.session.commit()
    flash(_("Đã tạo đợt tạm dừng dịch vụ số %(id)s.", id=suspension.id), "success")
    return redirect(url_for("incidents.suspension_list"), 303)


@bp.post("/suspensions/<int:suspension_id>/lift")
@login_required
@roles_required(*EDITORS)
def suspension_lift(suspension_id: int):
    """End a suspension now; its deferred requests go back to their districts' queues."""
    suspension = db.session.get(Suspension, suspension_id)
    if suspension is None:
        abort(404)
    try:
        suspensions.lift(suspension, current_user._get_current_object())
    except suspensions.SuspensionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render_list(SuspensionForm(formdata=None), 409)
    db.session.commit()
    flash(_("Đã dỡ bỏ đợt tạm dừng số %(id)s; các yêu cầu tạm hoãn được chuyển lại cho Điện "
            "lực.", id=suspension_id), "success")
    return redirect(url_for("incidents.suspension_list"), 303)


@bp.get("/suspensions/deferred")
@login_required
def deferred():
    """The "contact after suspension" list: requests kept during a suspension, oldest first."""
    page = queries.deferred_tickets(current_user, request.args.get("after", type=int))
    return render_template("incidents/deferred.html", page=page, now=utcnow())


def _render_list(form: SuspensionForm, status: int = 200, error: str | None = None):
    page = queries.suspensions_page(request.args.get("before", type=int))
    return render_template("incidents/suspensions.html", page=page, form=form, error=error,
                           state=queries.suspension_state, now=utcnow()), status
