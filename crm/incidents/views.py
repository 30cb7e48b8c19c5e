"""Sự cố (outage incidents): the list, one incident with its reports, restoring it; and the
incident panel of the ticket page. Suspension pages are in `suspension_views`."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from crm.core.permissions import roles_required
from crm.extensions import db
from crm.incidents import jobs, queries, services  # noqa: F401  (jobs: registers its schedule)
from crm.incidents.forms import ExpectedRestoreForm, RestoreForm
from crm.incidents.info import IncidentInfo
from crm.models import Incident, IncidentStatus, Role, Status, Suspension, utcnow
from crm.tickets import panels

bp = Blueprint("incidents", __name__)

#: Who may change an incident: the district that repairs it and the centre's supervisors.
RESTORERS = (Role.DISTRICT_STAFF, Role.SUPERVISOR, Role.ADMIN)


@bp.get("/incidents")
@login_required
def index():
    """Open incidents first, then restored ones (a keyset page); a district sees its own."""
    user = current_user._get_current_object()
    restored = queries.restored_incidents(user, request.args.get("before", type=int))
    return render_template("incidents/index.html", open_incidents=queries.open_incidents(user),
                           restored=restored, now=utcnow())


@bp.get("/incidents/<int:incident_id>")
@login_required
def detail(incident_id: int):
    """One incident with its reports and the restore forms; 404 for another district's."""
    return _render(queries.incident_or_404(current_user, incident_id))


@bp.post("/incidents/<int:incident_id>/expected-restore")
@login_required
@roles_required(*RESTORERS)
def expected_restore(incident_id: int):
    """Set when power should be back (303), or 400 with the reason and nothing saved."""
    incident = queries.incident_or_404(current_user, incident_id)
    form = ExpectedRestoreForm()
    if not form.validate():
        return _render(incident, 400, expected_form=form)
    try:
        services.set_expected_restore(incident, form.expected_restore_at.data,
                                      current_user._get_current_object())
    except services.IncidentError as exc:
        db.session.rollback()
        form.expected_restore_at.errors.append(str(exc))
        return _render(queries.incident_or_404(current_user, incident_id), 400,
                       expected_form=form)
    db.session.commit()
    flash(_("Đã cập nhật thời gian dự kiến có điện trở lại."), "success")
    return redirect(url_for("incidents.detail", incident_id=incident_id), 303)


@bp.post("/incidents/<int:incident_id>/restore")
@login_required
@roles_required(*RESTORERS)
def restore(incident_id: int):
    """Restore the incident: every open report is resolved and its customer told (303)."""
    incident = queries.incident_or_404(current_user, incident_id)
    form = RestoreForm()
    if not form.validate():
        return _render(incident, 400, restore_form=form)
    try:
        closed = services.restore(incident, cause=form.cause.data,
                                  actor=current_user._get_current_object())
    except services.IncidentError as exc:
        db.session.rollback()
        form.cause.errors.append(str(exc))
        return _render(queries.incident_or_404(current_user, incident_id), 400,
                       restore_form=form)
    db.session.commit()
    flash(_("Đã ghi nhận có điện trở lại; đã đóng %(count)s phiếu và báo cho khách hàng.",
            count=len(closed)), "success")
    return redirect(url_for("incidents.detail", incident_id=incident_id), 303)


def _render(incident: Incident, status: int = 200, **forms):
    user = current_user._get_current_object()
    info = IncidentInfo.of(incident) if incident.status == IncidentStatus.OPEN else None
    return render_template(
        "incidents/detail.html", incident=incident, info=info,
        reports=queries.reports(user, incident), can_change=user.has_role(*RESTORERS),
        expected_form=forms.get("expected_form") or ExpectedRestoreForm(
            formdata=None, expected_restore_at=incident.expected_restore_at),
        restore_form=forms.get("restore_form") or RestoreForm(formdata=None)), status


def _ticket_panel(ticket, user) -> dict | None:
    """Outage report: its incident. Deferred by a suspension: the notice. Else nothing."""
    if ticket.incident_id:
        incident = db.session.scalar(
            sa.select(Incident).where(Incident.id == ticket.incident_id)
            .options(joinedload(Incident.ward), joinedload(Incident.district)))
        info = IncidentInfo.of(incident) if incident.status == IncidentStatus.OPEN else None
        return {"incident": incident, "info": info, "suspension": None}
    if ticket.suspension_id and ticket.status == Status.DEFERRED:
        return {"incident": None, "info": None,
                "suspension": db.session.get(Suspension, ticket.suspension_id)}
    return None


def register_panel() -> None:
    """Put the incident panel on the ticket page (at import; again if a test removed it)."""
    panels.register("incident", "tickets/_incident.html", _ticket_panel, column="side", order=5)


register_panel()

from crm.incidents import suspension_views  # noqa: E402,F401  (its routes join this blueprint)
