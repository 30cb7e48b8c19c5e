"""Quản trị (admin pages): canned replies for now."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from crm.admin import services
from crm.admin.forms import CannedReplyForm
from crm.core.permissions import roles_required
from crm.extensions import db
from crm.inbox.canned import PLACEHOLDERS
from crm.models import CannedReply, Role

bp = Blueprint("admin", __name__, url_prefix="/admin")

EDITORS = (Role.ADMIN, Role.SUPERVISOR)


@bp.route("/canned-replies", methods=["GET", "POST"])
@login_required
@roles_required(*EDITORS)
def canned_replies():
    """The list and the create form; POST adds a reply (303) or answers 400, saving nothing."""
    form = CannedReplyForm()
    if form.is_submitted():
        if form.validate() and _save(None, form):
            flash(_("Đã thêm câu trả lời mẫu “%(s)s”.", s=form.shortcut.data), "success")
            return redirect(url_for("admin.canned_replies"), 303)
        return _render_list(form, 400)
    return _render_list(form)


@bp.route("/canned-replies/<int:reply_id>", methods=["GET", "POST"])
@login_required
@roles_required(*EDITORS)
def canned_reply_edit(reply_id: int):
    """Edit one reply; invalid input answers 400 and changes nothing."""
    reply = _reply_or_404(reply_id)
    form = CannedReplyForm(obj=reply, reply_id=reply.id)
    if form.is_submitted():
        if form.validate() and _save(reply, form):
            flash(_("Đã lưu câu trả lời mẫu “%(s)s”.", s=reply.shortcut), "success")
            return redirect(url_for("admin.canned_replies"), 303)
        return _render_edit(reply, form, 400)
    return _render_edit(reply, form)


@bp.post("/canned-replies/<int:reply_id>/toggle")
@login_required
@roles_required(*EDITORS)
def canned_reply_toggle(reply_id: int):
    """Switch a reply on or off (agents only see active ones); audited."""
    reply = services.toggle_canned_reply(_reply_or_404(reply_id))
    db.session.commit()
    flash(_("Đã bật “%(s)s”.", s=reply.shortcut) if reply.is_active
          else _("Đã tắt “%(s)s”.", s=reply.shortcut), "success")
    return redirect(url_for("admin.canned_replies"), 303)


def _reply_or_404(reply_id: int) -> CannedReply:
    reply = db.session.get(CannedReply, reply_id)
    if reply is None:
        abort(404)
    return reply


def _save(reply: CannedReply | None, form: CannedReplyForm) -> bool:
    """Save the form into a new (None) or existing reply and commit; False if refused."""
    try:
        services.save_canned_reply(reply, shortcut=form.shortcut.data, title=form.title.data,
                                   body=form.body.data)
    except services.CannedReplyError as exc:
        db.session.rollback()
        getattr(form, exc.field).errors.append(str(exc))
        return False
    db.session.commit()
    return True


def _render_list(form: CannedReplyForm, status: int = 200):
    replies = db.session.scalars(sa.select(CannedReply).order_by(CannedReply.shortcut)).all()
    return render_template("admin/canned_replies.html", replies=replies, form=form,
                           placeholders=PLACEHOLDERS), status


def _render_edit(reply: CannedReply, form: CannedReplyForm, status: int = 200):
    return render_template("admin/canned_reply_edit.html", reply=reply, form=form,
                           placeholders=PLACEHOLDERS), status


from crm.admin import sla  # noqa: E402,F401
