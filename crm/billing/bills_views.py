"""`/bills/imports`: the bill-notice runs and each run's progress (supervisors and admins).

Runs start from `flask bills import` (a month's file is hundreds of megabytes: no upload
through a web request); this page follows them: the share of the file read, then of the
notices queued, refreshed every 2 seconds, and at the end the summary with the bad lines.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from crm.core.permissions import may_import_readings
from crm.extensions import db
from crm.models import BillImport

bp = Blueprint("bills", __name__, url_prefix="/bills")
RECENT = 20


@bp.before_request
@login_required
def _only_importers():
    if not may_import_readings(current_user):
        abort(403)


@bp.get("/imports")
def imports():
    runs = db.session.scalars(sa.select(BillImport).order_by(BillImport.id.desc())
                              .limit(RECENT)).all()
    return render_template("bills/imports.html", runs=runs)


@bp.get("/imports/<int:import_id>")
def import_run(import_id: int):
    run = db.session.get(BillImport, import_id) or abort(404)
    return render_template("bills/import_run.html", run=run)
