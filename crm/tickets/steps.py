"""Working a ticket through its workflow's steps, and ending it with a result.

The workflow modules declare the steps, their fields, the results and the notices; this
module enforces them. Services flush, never commit: the caller owns the transaction. A
refused change raises StepError before anything is written.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import force_locale, gettext as _

import workflows
from crm.core import audit
from crm.core.phones import InvalidPhone, national, normalise_phone
from crm.core.timefmt import LOCAL_TZ, fmt_date, fmt_datetime, iso, local, parse_local
from crm.models import Role, Status, Ticket, User, utcnow
from crm.tickets import services
from crm.tickets.notify import notify_customer
from crm.tickets.services import TicketError
from workflows.base import RESULT_KEY, Field, Result, Workflow

MAX_LENGTH = {"text": 300, "textarea": 5000}
MAX_NUMBER = 10 ** 12        #: readings, capacities, households: anything larger is a typo


class StepError(TicketError):
    """A step change the workflow does not allow; the message names what is wrong.

    `fields` maps each field at fault to its own short message, for the form to show.
    """

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.fields = fields or {}


# --- values: typed in, JSON stored, text shown -------------------------------------------


def _missing(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(field: Field, value, now: datetime) -> str:
    text = str(value).strip()
    if len(text) > MAX_LENGTH[field.kind]:
        raise ValueError(field.name)
    return text


def _choice(field: Field, value, now: datetime) -> str:
    if value not in dict(field.choices):
        raise ValueError(field.name)
    return value


def _number(field: Field, value, now: datetime) -> int | float:
    number = Decimal(str(value).strip().replace(",", "."))     # "12,5" as typed in Vietnam
    if not number.is_finite() or abs(number) >= MAX_NUMBER or \
            (field.minimum is not None and number < field.minimum):
        raise ValueError(field.name)
    return int(number) if number == number.to_integral_value() else float(number)


def _date(field: Field, value, now: datetime) -> str:
    day = value if isinstance(value, date) else date.fromisoformat(str(value))
    today = local(now).date()
    _check_when(field, day > today if field.when == "past" else day < today)
    return day.isoformat()


def _datetime(field: Field, value, now: datetime) -> str:
    """ISO 8601 with +07:00; a time without an offset (a datetime-local input) is Vietnam's."""
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value
    else:
        moment = parse_local(str(value))
    _check_when(field, moment > now if field.when == "past" else moment <= now)
    return iso(moment)


#: kind → (field, value, now) -> the JSON form; ValueError (and kin) when invalid
STORE = {"text": _text, "textarea": _text, "choice": _choice, "number": _number,
         "date": _date, "datetime": _datetime,
         "phone": lambda field, value, now: normalise_phone(str(value))}


def _check_when(field: Field, wrong_side: bool) -> None:
    if field.when and wrong_side:
        raise ValueError(field.name)


def clean(fields: tuple[Field, ...], values: dict, now: datetime | None = None) -> dict:
    """The stored values of a step; StepError naming every missing or invalid field."""
    now, stored, missing, invalid = now or utcnow(), {}, [], []
    for field in fields:
        value = values.get(field.name)
        if _missing(value):
            if field.required:
                missing.append(field)
            continue
        try:
            stored[field.name] = STORE[field.kind](field, value, now)
        except (ValueError, InvalidOperation, InvalidPhone, TypeError, OverflowError):
            invalid.append(field)
    if missing or invalid:
        raise StepError(" ".join(filter(None, (
            missing and _("Cần nhập: %(fields)s.", fields=_names(missing)),
            invalid and _("Giá trị không hợp lệ: %(fields)s.", fields=_names(invalid))))),
            {f.name: _("Vui lòng nhập thông tin này.") for f in missing}
            | {f.name: _invalid_reason(f) for f in invalid})
    return stored


def _names(fields: list[Field]) -> str:
    return ", ".join(str(f.label) for f in fields)


def _invalid_reason(field: Field) -> str:
    if field.when == "past":
        return _("Giá trị không hợp lệ hoặc ở tương lai.")
    if field.when == "future":
        return _("Giá trị không hợp lệ hoặc đã qua.")
    if field.minimum is not None:
        return _("Cần một số không nhỏ hơn %(minimum)s.", minimum=f"{field.minimum:g}")
    return _("Giá trị không hợp lệ.")


def show(field: Field, value) -> str:
    """A stored value as people read it: dd/mm/yyyy, 1.234 kWh, the choice's label."""
    if value is None or value == "":
        return ""
    if field.kind == "date":
        return fmt_date(date.fromisoformat(value))
    if field.kind == "datetime":
        return fmt_datetime(datetime.fromisoformat(value))
    if field.kind == "choice":
        return field.choice_label(value)
    if field.kind == "phone":
        return national(value)
    if field.kind == "number":
        whole, _dot, frac = f"{value:,}".partition(".")
        return whole.replace(",", ".") + ("," + frac if frac else "")
    return str(value)


# --- notices --------------------------------------------------------------------------


class _Blank(dict):
    def __missing__(self, key):          # a placeholder without a value reads as nothing
        return ""


def step_notice(ticket: Ticket, workflow: Workflow, step: str, values: dict):
    """Tell the customer a step is done, when the type words a notice for it; else None.

    The type's sentence (in Vietnamese, whatever the staff's language) becomes the
    template's `chi_tiet`; the template adds the due date and the status link.
    """
    template = workflow.notice(step)
    if template is None:
        return None
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        fields = {f.name: f for f in workflow.fields_for(step, ticket.subtype)}
        shown = {name: show(fields[name], v) if name in fields else str(v)
                 for name, v in values.items() if v is not None}
        text = str(template).format_map(_Blank(ma_phieu=ticket.code, **shown))
        title = workflow.step_title(step)
    return notify_customer(ticket, "step_done",
                           {"buoc": title, "chi_tiet": " ".join(text.split())})


# --- moving through the steps ---------------------------------------------------------


def _workflow_of_open(ticket: Ticket) -> Workflow:
    if not ticket.is_open:
        raise StepError(_("Phiếu đã giải quyết hoặc đã đóng, không thể cập nhật bước."))
    return workflows.get(ticket.type)


def _stamp(actor: User | None, now: datetime) -> dict:
    return {"_at": iso(now), "_by": actor.full_name if actor else None}


def advance(ticket: Ticket, step: str, values: dict, *, actor: User | None) -> dict:
    """Enter the next `step` with its field values; the last step resolves the ticket.

    Raises StepError (nothing written) for a step out of order or missing/invalid fields.
    Returns the stored values.
    """
    workflow = _workflow_of_open(ticket)
    if step not in workflow.next_steps(ticket.step):
        raise StepError(_("Không thể chuyển từ bước «%(current)s» sang bước «%(step)s».",
                          current=workflow.step_title(ticket.step),
                          step=workflow.step_title(step)))
    now = utcnow()
    stored = clean(workflow.fields_for(step, ticket.subtype), values, now)
    old = ticket.step
    ticket.details = {**(ticket.details or {}), step: {**stored, **_stamp(actor, now)}}
    ticket.step = step
    services.touch(ticket)
    audit.record("ticket", ticket.id, "step_changed",
                 {"step": [old, step], **{k: [None, v] for k, v in stored.items()}},
                 ticket_id=ticket.id, actor=actor)
    if ticket.status == Status.NEW:
        services.change_status(ticket, Status.OPEN, actor=actor)
    step_notice(ticket, workflow, step, stored)
    if step == workflow.last_step():
        _finish(ticket, workflow, workflow.success(), None, actor, now,
                notify=workflow.notice(step) is None)
    return stored


def close(ticket: Ticket, result_code: str, note: str | None, *, actor: User | None) -> Result:
    """End the ticket with one of its type's other results (refused, cancelled, ...)."""
    workflow = _workflow_of_open(ticket)
    result, note = workflow.result(result_code), (note or "").strip() or None
    if result is None:
        raise StepError(_("Kết quả không hợp lệ."))
    if result == workflow.success():
        raise StepError(_("Kết quả «%(result)s» chỉ có khi hoàn thành bước «%(step)s».",
                          result=str(result.label),
                          step=workflow.step_title(workflow.last_step())))
    if result.note_required and not note:
        raise StepError(_("Cần nhập lý do cho kết quả «%(result)s».", result=str(result.label)))
    _finish(ticket, workflow, result, note, actor, utcnow(), notify=True)
    return result


def _finish(ticket: Ticket, workflow: Workflow, result: Result, note: str | None,
            actor: User | None, now: datetime, *, notify: bool) -> None:
    """Record the result and resolve (the SLA clock stops); tell the customer if asked."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = str(result.label)
    ticket.details = {**ticket.details,
                      RESULT_KEY: {"code": result.code, "note": note, **_stamp(actor, now)}}
    if notify:      # before the status hooks, so the result is told before the CSAT survey
        notify_customer(ticket, "resolved", {"ket_qua": f"{text}: {note}" if note else text})
    services.change_status(ticket, Status.RESOLVED, actor=actor,
                           result=f"{text}: {note}" if note else text)


def reopen_step(ticket: Ticket, step: str, *, actor: User, reason: str) -> dict:
    """Supervisors and admins only: go back to an earlier step (reopening a resolved ticket).

    The values of the later steps and the result are dropped (the audit trail keeps them).
    """
    workflow = workflows.get(ticket.type)
    keys = list(workflow.steps)
    if actor is None or not actor.has_role(Role.SUPERVISOR, Role.ADMIN):
        raise StepError(_("Chỉ giám sát viên hoặc quản trị được quay lại bước trước."))
    if step not in keys or ticket.step not in keys or keys.index(step) >= keys.index(ticket.step):
        raise StepError(_("Chỉ có thể quay lại một bước trước bước hiện tại."))
    if not (reason or "").strip():
        raise StepError(_("Cần nhập lý do quay lại bước trước."))
    later = set(keys[keys.index(step) + 1:]) | {RESULT_KEY}
    changes = {"step": [ticket.step, step], "reason": [None, reason.strip()]}
    ticket.details = {k: v for k, v in (ticket.details or {}).items() if k not in later}
    ticket.step = step
    if not ticket.is_open:
        changes |= audit.diff(ticket, result=None)
    audit.record("ticket", ticket.id, "step_reopened", changes, ticket_id=ticket.id,
                 actor=actor)
    if not ticket.is_open:
        services.change_status(ticket, Status.OPEN, actor=actor)
    services.touch(ticket)
    return changes
