"""District work on the ticket page: step progression, closing with a result, the contact log.

The forms are built from the workflow declarations; every value is checked by the services
(`crm.tickets.steps`, `crm.tickets.contacts`), whose messages the forms show. Two panels of
the ticket page are registered here: "steps" (main column) and "contacts" (side column).
"""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import DateInput, DateTimeLocalInput, NumberInput, TelInput

import workflows
from crm.core.permissions import roles_required, ticket_or_404
from crm.core.timefmt import parse_local
from crm.extensions import db
from crm.models import Role, Ticket
from crm.tickets import contacts, panels, steps
from crm.tickets.steps import StepError
from crm.tickets.views import render_ticket
from workflows.base import Field, Workflow

bp = Blueprint("steps", __name__)

# --- forms built from the declarations ------------------------------------------------

WIDGETS = {"date": DateInput(), "datetime": DateTimeLocalInput(), "phone": TelInput()}


def _options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value=str(value), label=label) for value, label in pairs]


def _input(field: Field):
    if field.kind == "choice":
        return SelectField(field.label, validate_choice=False,
                           choices=_options([("", _l("— Chọn —")), *field.choices]))
    if field.kind == "textarea":
        return TextAreaField(field.label)
    if field.kind == "number":
        return StringField(field.label, widget=NumberInput(step="any", min=field.minimum))
    return StringField(field.label, widget=WIDGETS.get(field.kind))


def step_form(workflow: Workflow, ticket: Ticket, step: str, formdata=None) -> FlaskForm:
    """The form entering `step`: one input per field the step asks for on this ticket."""
    fields = workflow.fields_for(step, ticket.subtype)
    form_class = type("StepForm", (FlaskForm,), {"step": HiddenField(),
                                                **{f.name: _input(f) for f in fields}})
    form = form_class(formdata=formdata, step=step)
    form.spec = fields
    return form


class CloseForm(FlaskForm):
    result = SelectField(_l("Kết quả"), validate_choice=False)
    note = TextAreaField(_l("Lý do / ghi chú"))


class ReopenForm(FlaskForm):
    step = SelectField(_l("Quay lại bước"), validate_choice=False)
    reason = TextAreaField(_l("Lý do"))


class ContactForm(FlaskForm):
    outcome = SelectField(_l("Kết quả liên hệ"), validate_choice=False,
                          choices=_options(contacts.OUTCOMES.items()))
    appointment_at = StringField(_l("Thời gian hẹn"), widget=DateTimeLocalInput())
    note = TextAreaField(_l("Ghi chú"))


def close_form(workflow: Workflow, formdata=None) -> CloseForm:
    form = CloseForm(formdata=formdata)
    form.result.choices = _options((r.code, r.label) for r in workflow.result_choices[1:])
    return form


def reopen_form(workflow: Workflow, ticket: Ticket, formdata=None) -> ReopenForm:
    form = ReopenForm(formdata=formdata)
    keys = list(workflow.steps)
    earlier = keys[:keys.index(ticket.step)] if ticket.step in keys else []
    form.step.choices = _options((k, workflow.steps[k]) for k in earlier)
    return form


def _show_errors(form: FlaskForm, exc: StepError) -> None:
    for name, message in exc.fields.items():
        if name in form:
            form[name].errors = [*form[name].errors, message]


# --- actions --------------------------------------------------------------------------


def _back(ticket_id: int, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("tickets.detail", ticket_id=ticket_id), 303)


def _refused(ticket_id: int, exc: StepError, **submitted):
    """Undo the request, say why, and show the ticket page again with the form as sent."""
    db.session.rollback()
    flash(str(exc), "error")
    g.steps_submitted = submitted
    return render_ticket(ticket_or_404(current_user, ticket_id), 400)


@bp.post("/tickets/<int:ticket_id>/step")
@login_required
def advance(ticket_id: int):
    """Enter the next step with its fields; the last step resolves the ticket (303 back)."""
    ticket = ticket_or_404(current_user, ticket_id, for_update=True)
    workflow = workflows.get(ticket.type)
    form = step_form(workflow, ticket, request.form.get("step", ""), request.form)
    values = {f.name: form[f.name].data for f in form.spec}
    try:
        steps.advance(ticket, form.step.data, values, actor=current_user._get_current_object())
    except StepError as exc:
        _show_errors(form, exc)
        return _refused(ticket_id, exc, step_form=form)
    if not ticket.is_open:
        return _back(ticket_id, _("Đã hoàn thành bước cuối, phiếu đã được giải quyết."))
    return _back(ticket_id, _("Đã chuyển sang bước «%(step)s».",
                              step=workflow.step_title(ticket.step)))


@bp.post("/tickets/<int:ticket_id>/close")
@login_required
def close(ticket_id: int):
    """End the ticket with another result of its type (refused, cancelled...); 303 back."""
    ticket = ticket_or_404(current_user, ticket_id, for_update=True)
    form = close_form(workflows.get(ticket.type), request.form)
    try:
        steps.close(ticket, form.result.data, form.note.data,
                    actor=current_user._get_current_object())
    except StepError as exc:
        return _refused(ticket_id, exc, close_form=form)
    return _back(ticket_id, _("Đã giải quyết phiếu với kết quả đã chọn."))


@bp.post("/tickets/<int:ticket_id>/step/reopen")
@login_required
@roles_required(Role.SUPERVISOR, Role.ADMIN)
def reopen(ticket_id: int):
    """Supervisors and admins: go back to an earlier step, reopening the ticket if needed."""
    ticket = ticket_or_404(current_user, ticket_id, for_update=True)
    form = reopen_form(workflows.get(ticket.type), ticket, request.form)
    try:
        steps.reopen_step(ticket, form.step.data, actor=current_user._get_current_object(),
                          reason=form.reason.data)
    except StepError as exc:
        return _refused(ticket_id, exc, reopen_form=form)
    return _back(ticket_id, _("Đã quay lại bước trước."))


@bp.post("/tickets/<int:ticket_id>/contacts")
@login_required
def log_contact(ticket_id: int):
    """Add an entry to the contact log; an appointment is sent to the customer; 303 back."""
    ticket = ticket_or_404(current_user, ticket_id, for_update=True)
    form = ContactForm(request.form)
    try:
        contacts.log_contact(ticket, form.outcome.data, form.note.data,
                             _appointment(form), actor=current_user._get_current_object())
    except StepError as exc:
        _show_errors(form, exc)
        return _refused(ticket_id, exc, contact_form=form)
    return _back(ticket_id, _("Đã ghi nhật ký liên hệ."))


def _appointment(form: ContactForm) -> datetime | None:
    text = (form.appointment_at.data or "").strip()
    if not text:
        return None
    try:
        return parse_local(text)
    except (ValueError, OverflowError):
        message = _("Thời gian hẹn không hợp lệ.")
        raise contacts.ContactError(message, {"appointment_at": message}) from None


# --- the panels of the ticket page ----------------------------------------------------


def _progress(ticket: Ticket, workflow: Workflow) -> list[dict]:
    """Each step with its state, when and by whom it was reached, and the values recorded.

    `ticket.step` is the last step reached, so it is done; the one after is being worked on.
    """
    keys, details = list(workflow.steps), ticket.details or {}
    reached = keys.index(ticket.step) if ticket.step in keys else 0
    out = []
    for index, key in enumerate(keys):
        record = details.get(key) or {}
        at = record.get("_at")
        out.append({
            "key": key, "label": workflow.steps[key],
            "state": "done" if index <= reached else
            "current" if index == reached + 1 and ticket.is_open else "todo",
            "at": ticket.created_at if index == 0 else
            (datetime.fromisoformat(at) if at else None),
            "by": record.get("_by"),
            "values": [(f.label, steps.show(f, record.get(f.name)))
                       for f in workflow.fields_for(key, ticket.subtype)
                       if record.get(f.name) not in (None, "")]})
    return out


def _steps_panel(ticket: Ticket, user) -> dict | None:
    workflow = workflows.WORKFLOWS.get(ticket.type)
    if workflow is None:
        return None
    sent = g.get("steps_submitted", {})
    targets = workflow.next_steps(ticket.step) if ticket.is_open else []
    submitted = sent.get("step_form")
    forms = [submitted if submitted is not None and submitted.step.data == key
             else step_form(workflow, ticket, key) for key in targets]
    result = (ticket.details or {}).get(steps.RESULT_KEY)
    can_reopen = user.has_role(Role.SUPERVISOR, Role.ADMIN) and ticket.step != \
        workflow.first_step()
    return {"workflow": workflow, "progress": _progress(ticket, workflow), "step_forms": forms,
            "close_form": (sent.get("close_form") or close_form(workflow))
            if ticket.is_open and len(workflow.result_choices) > 1 else None,
            "reopen_form": (sent.get("reopen_form") or reopen_form(workflow, ticket))
            if can_reopen else None,
            "result": workflow.result(result["code"]) if result else None,
            "result_note": result.get("note") if result else None}


def _contacts_panel(ticket: Ticket, user) -> dict:
    return {"contacts": contacts.contacts_for(ticket), "outcomes": contacts.OUTCOMES,
            "contact_form": g.get("steps_submitted", {}).get("contact_form")
            or ContactForm(formdata=None)}


panels.register("steps", "tickets/_steps.html", _steps_panel, column="main", order=10)
panels.register("contacts", "tickets/_contacts.html", _contacts_panel, column="side", order=20)
