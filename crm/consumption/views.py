"""The readings upload page (`/consumption/import`): supervisors and admins only.

The file is saved beside the attachments and imported by a job on the `imports` queue, the
same code as `flask readings import`; the run's page shows its progress and then its
summary. With Redis a worker does the work and the page follows it (a request never runs
for minutes behind a proxy's timeout); without Redis the job runs in-process right after
the upload's commit, so the answer comes with the redirect. Uploads stop at the app's
MAX_CONTENT_LENGTH; bigger files go through the command.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from crm.consumption import rules, tickets
from crm.consumption.forms import ImportForm
from crm.core import queue
from crm.core.permissions import may_import_readings
from crm.core.storage import display_name
from crm.extensions import db
from crm.models import ReadingImport

bp = Blueprint("consumption", __name__, url_prefix="/consumption")
RECENT = 20


@bp.before_request
@login_required
def _only_importers():
    if not may_import_readings(current_user):
        abort(403)


@bp.get("/import")
def import_page():
    return _render(ImportForm(formdata=None))


@bp.post("/import")
def upload():
    """Save the file, queue its import, open the run's page; 400 with the form when invalid."""
    form = ImportForm()
    if not form.validate():
        return _render(form, 400)
    upload = form.file.data
    path = _upload_dir() / f"{uuid.uuid4().hex}.csv"
    upload.save(path)
    size = path.stat().st_size
    if size == 0:
        path.unlink()
        form.file.errors.append(_("Tệp rỗng."))
        return _render(form, 400)
    run = ReadingImport(filename=display_name(upload.filename or "readings.csv"),
                        stored_path=str(path), size_bytes=size,
                        created_by=current_user._get_current_object())
    db.session.add(run)
    db.session.flush()
    queue.enqueue("crm.consumption.jobs.run_import", run.id, queue="imports",
                  job_id=f"reading-import-{run.id}")
    db.session.commit()
    return redirect(url_for("consumption.import_run", import_id=run.id), 303)


@bp.get("/import/<int:import_id>")
def import_run(import_id: int):
    run = db.session.get(ReadingImport, import_id) or abort(404)
    return render_template("consumption/import_run.html", run=run,
                           pending=tickets.pending_count() if run.is_finished else 0)


def _render(form: ImportForm, status: int = 200):
    runs = db.session.scalars(sa.select(ReadingImport).order_by(ReadingImport.id.desc())
                              .limit(RECENT)).all()
    limit_mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
    return render_template("consumption/import.html", form=form, runs=runs,
                           limit_mb=limit_mb, threshold=rules.threshold()), status


def _upload_dir() -> Path:
    path = Path(current_app.config["ATTACHMENT_DIR"]) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path
