"""`/csat`: the CSAT page for supervisors and admins (average against the 8.05 target)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from crm.core import settings
from crm.core.permissions import may_see_csat
from crm.csat import jobs, replies, report, survey  # noqa: F401  (plug in hook, step, job)
from crm.models import utcnow

bp = Blueprint("csat", __name__, url_prefix="/csat")
PERIODS = (1, 3, 6, 12)


@bp.before_request
@login_required
def _only_supervisors():
    if not may_see_csat(current_user):
        abort(403)


@bp.get("")
def index():
    group = request.args.get("by", "district")
    if group not in report.GROUPS:
        abort(400)
    months = request.args.get("months", 12, type=int)
    if months not in PERIODS:
        abort(400)
    since = report.since_months(utcnow(), months)
    return render_template("csat/index.html", group=group, months=months, periods=PERIODS,
                           lines=report.lines(group, since), totals=report.totals(since),
                           target=float(settings.get("csat_target")))
