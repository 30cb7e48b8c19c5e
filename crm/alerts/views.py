"""The alerts list (/alerts), marking alerts read, and the count behind the top-bar bell."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from crm.alerts import services
from crm.alerts.forms import MarkReadForm
from crm.extensions import db
from workflows.sla.sweep import alert_sentence

bp = Blueprint("alerts", __name__)

KIND_LABELS = {"sla_warning": _l("Sắp đến hạn"), "sla_breach": _l("Quá hạn"),
               "sla_supervisor": _l("Quá hạn kéo dài")}


def alert_text(alert) -> str:
    """An SLA alert's sentence in the reader's language; any other alert's stored text."""
    if alert.kind.startswith("sla_") and alert.ticket is not None:
        return alert_sentence(alert.kind[4:], alert.ticket.code)
    return alert.text


def _bell() -> str:
    """"" when nothing is unread, else the count ("99+" past the cap)."""
    count = services.unread_count(current_user)
    if not count:
        return ""
    return f"{services.BELL_CAP}+" if count > services.BELL_CAP else str(count)


@bp.app_context_processor
def _alert_helpers():
    # A function, so the count is only queried when the top bar is drawn.
    return {"alert_bell": _bell}


@bp.get("/alerts")
@login_required
def index():
    """The current user's visible alerts, newest first, keyset-paged by `before`."""
    before = request.args.get("before", "")
    page = services.alert_page(current_user, int(before) if before.isdigit() else None)
    return render_template("alerts/index.html", page=page,
                           paged=before.isdigit(), kinds=KIND_LABELS, alert_text=alert_text)


@bp.post("/alerts/<int:alert_id>/read")
@login_required
def read(alert_id: int):
    """Mark one of the user's alerts read (404 for anyone else's), back to the list."""
    if not MarkReadForm().validate_on_submit():
        abort(400)
    if not services.mark_read(current_user, alert_id):
        abort(404)
    db.session.commit()
    return redirect(url_for("alerts.index"), 303)


@bp.post("/alerts/read-all")
@login_required
def read_all():
    """Mark every visible alert of the user read, back to the list."""
    if not MarkReadForm().validate_on_submit():
        abort(400)
    services.mark_all_read(current_user)
    db.session.commit()
    return redirect(url_for("alerts.index"), 303)
