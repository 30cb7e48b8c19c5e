"""Mẫu thông báo (admin pages): every event × channel template, edit with a preview, reset.

Admins only. The preview renders the text in the form with typical values (nothing saved);
saving runs `templates.check`, so a template with an unknown variable or a syntax error is
refused with the reason (400) and the one in force stays.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from crm.core.permissions import roles_required
from crm.extensions import db
from crm.models import NotificationTemplate, Role
from crm.notifications import template_store, templates
from crm.notifications.template_variables import EVENT_LABELS, EVENTS, OPTIONAL, VARIABLES, \
    sample_context

bp = Blueprint("notification_templates", __name__, url_prefix="/admin/notification-templates")

#: An SMS of plain characters: 160 in one segment, 153 a segment once split.
SMS_SEGMENT, SMS_PART = 160, 153


def _newlines(value):
    """Browsers send CRLF: stored text keeps the defaults' LF, so equal text compares equal."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class TemplateForm(FlaskForm):
    subject = StringField(_l("Tiêu đề thư"), filters=[_newlines],
                          validators=[Optional(), Length(max=200)])
    body = TextAreaField(_l("Nội dung"), filters=[_newlines], validators=[
        DataRequired(_l("Vui lòng nhập nội dung.")), Length(max=templates.MAX_SOURCE)])
    preview = SubmitField(_l("Xem trước"))
    save = SubmitField(_l("Lưu"))


@bp.get("/")
@login_required
@roles_required(Role.ADMIN)
def index():
    """Every (event, channel) with whether an admin changed it; reads only."""
    edited = {(row.event, row.channel): row
              for row in db.session.scalars(db.select(NotificationTemplate))}
    return render_template("notifications/template_list.html", events=EVENTS,
                           labels=EVENT_LABELS, channels=templates.CHANNELS, edited=edited)


@bp.route("/<event>/<channel>", methods=["GET", "POST"])
@login_required
@roles_required(Role.ADMIN)
def edit(event: str, channel: str):
    """GET: the template in force and its preview. POST "preview": the form's text rendered
    (nothing saved); POST "save": checked, saved and audited (303), or refused (400)."""
    _known_or_404(event, channel)
    subject, body = templates.source(event, channel)
    form = TemplateForm(data={"subject": subject, "body": body})
    if not form.is_submitted():
        return _render_edit(event, channel, form, _preview(event, channel, form))
    if not form.validate():
        return _render_edit(event, channel, form, None, 400)
    if form.save.data:
        try:
            template_store.save_template(event, channel, body=form.body.data,
                                         subject=form.subject.data)
        except templates.TemplateError as exc:
            db.session.rollback()
            _field(form, exc).errors.append(str(exc))
            return _render_edit(event, channel, form, None, 400)
        db.session.commit()
        flash(_("Đã lưu mẫu thông báo."), "success")
        return redirect(url_for(".edit", event=event, channel=channel), 303)
    preview = _preview(event, channel, form)
    return _render_edit(event, channel, form, preview, 200 if preview else 400)


@bp.post("/<event>/<channel>/reset")
@login_required
@roles_required(Role.ADMIN)
def reset(event: str, channel: str):
    """Back to the default text (audited); harmless when already the default."""
    _known_or_404(event, channel)
    if template_store.reset_template(event, channel):
        db.session.commit()
        flash(_("Đã khôi phục mẫu mặc định."), "success")
    return redirect(url_for(".edit", event=event, channel=channel), 303)


def _preview(event: str, channel: str, form: TemplateForm) -> dict | None:
    """The form's text checked and rendered with typical values; errors go on the form."""
    try:
        templates.check(event, channel, form.body.data, form.subject.data)
        rendered = templates.render_source(event, channel, form.body.data, form.subject.data,
                                           sample_context(event))
    except templates.TemplateError as exc:
        _field(form, exc).errors.append(str(exc))
        return None
    length = len(rendered.body)
    parts = 1 if length <= SMS_SEGMENT else -(-length // SMS_PART)
    return {"subject": rendered.subject, "body": rendered.body, "length": length,
            "parts": parts}


def _render_edit(event, channel, form, preview, status=200):
    row = templates.stored(event, channel)
    samples = sample_context(event)
    variables = [(name, VARIABLES[name][0], samples.get(name), name in OPTIONAL)
                 for name in EVENTS[event]]
    return render_template("notifications/template_edit.html", event=event, channel=channel,
                           event_label=EVENT_LABELS[event], form=form, preview=preview, row=row,
                           variables=variables), status


def _field(form: TemplateForm, exc: templates.TemplateError):
    return form.subject if exc.field == "subject" else form.body


def _known_or_404(event: str, channel: str) -> None:
    if event not in EVENTS or channel not in templates.CHANNELS:
        abort(404)
