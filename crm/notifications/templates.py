"""Mẫu thông báo (notification templates): one Jinja template per event and channel.

The defaults live in code (`template_defaults`); an admin's edit is a `NotificationTemplate`
row that replaces the default until it is reset. Templates run in a sandbox with
StrictUndefined and see only the variables their event documents in `EVENTS`, so a typo
is refused when the template is saved (`check`) instead of reaching a customer.

Context values usually come back from the outbox's JSON column: the filters therefore take
ISO 8601 strings as well as datetimes, and numeric strings as well as numbers. SMS bodies
are always sent without diacritics (one GSM segment holds 160 plain characters, but only
70 once a single accent is in it), whatever an admin typed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import quote

import jinja2
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

import workflows
from crm.core.text import plain
from crm.core.timefmt import fmt_date, fmt_datetime, fmt_money, fmt_time, parse_local
from crm.extensions import db
from crm.models import NotificationTemplate
from crm.notifications.template_defaults import DEFAULTS
from crm.notifications.template_variables import EVENTS, OPTIONAL, sample_context

__all__ = ["CHANNELS", "EVENTS", "OPTIONAL", "Rendered", "TemplateError", "check", "render",
           "render_source", "source", "edited_templates", "status_url", "customer_context", "ticket_context"]

CHANNELS = ("sms", "zalo", "telegram", "email")
#: The public page a notice links to: PUBLIC_BASE_URL + STATUS_PATH + ticket code.
STATUS_PATH = "/status/"
MAX_SOURCE = 5000


@dataclass(frozen=True)
class Rendered:
    subject: str | None          #: e-mail only
    body: str


class TemplateError(ValueError):
    """A template that cannot be saved or rendered; the message says why, `field` where."""

    def __init__(self, message: str, field: str = "body"):
        super().__init__(message)
        self.field = field


def render(event: str, channel: str, context: dict, edited: dict | None = None) -> Rendered:
    """The notice for `event` on `channel`, from the admin's template or the default.

    `edited` (from `edited_templates()`) saves a batch one query per notice. Raises
    TemplateError for an unknown event/channel, a variable the event does not have, a
    required variable missing from `context`, or a value a filter cannot format.
    """
    subject, body = source(event, channel, edited)
    return render_source(event, channel, body, subject, context)


def source(event: str, channel: str, edited: dict | None = None) -> tuple[str | None, str]:
    """(subject, body) of the template in force: the admin's edit, else the default."""
    _known(event, channel)
    if edited is not None:
        return edited.get((event, channel)) or DEFAULTS[(event, channel)]
    row = stored(event, channel)
    if row is not None:
        return row.subject, row.body
    return DEFAULTS[(event, channel)]


def edited_templates() -> dict[tuple[str, str], tuple[str | None, str]]:
    """Every admin edit in force, (event, channel) → (subject, body): one query (a few dozen
    rows at most) for a whole dispatch batch."""
    return {(row.event, row.channel): (row.subject, row.body)
            for row in db.session.scalars(sa.select(NotificationTemplate))}


def stored(event: str, channel: str) -> NotificationTemplate | None:
    return db.session.scalar(sa.select(NotificationTemplate).where(
        NotificationTemplate.event == event, NotificationTemplate.channel == channel))


def render_source(event: str, channel: str, body: str, subject: str | None,
                  context: dict) -> Rendered:
    """Render template text (saved or not, e.g. a preview) with `context`."""
    _known(event, channel)
    values = _values(event, context)
    text = _run(body, values, "body")
    if channel == "sms":
        return Rendered(None, " ".join(plain(text).split()))
    title = " ".join(_run(subject, values, "subject").split()) \
        if channel == "email" and subject else None
    return Rendered(title, _tidy(text))


def check(event: str, channel: str, body: str, subject: str | None = None) -> None:
    """Raise TemplateError (with the reason, in Vietnamese) unless the template can be saved:
    it parses, uses only its event's variables, and renders with full and sparse samples."""
    _known(event, channel)
    if not (body or "").strip():
        raise TemplateError(_("Nội dung không được để trống."))
    if channel == "email" and not (subject or "").strip():
        raise TemplateError(_("Thư điện tử cần có tiêu đề."), "subject")
    parts = {"body": body, "subject": subject if channel == "email" else None}
    for field, text in parts.items():
        if text is not None:
            _check_names(event, text, field)
    for context in (sample_context(event), sample_context(event, sparse=True)):
        render_source(event, channel, body, parts["subject"], context)


def status_url(code: str) -> str:
    """The public status page of ticket `code` (no personal data on it)."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + STATUS_PATH + quote(code)


def customer_context(customer) -> dict:
    """The variables every notice to `customer` shares."""
    return {"ten_khach_hang": customer.name, "ma_khach_hang": customer.code}


def ticket_context(ticket, customer=None) -> dict:
    """The variables every ticket notice shares, JSON-ready (for `notify(..., context)`).

    `customer` is who is told when it is not the ticket's own customer (a merged party).
    """
    workflow = workflows.WORKFLOWS.get(ticket.type)
    due_at = ticket.sla.due_at if ticket.sla else None
    return {**customer_context(customer or ticket.customer), "ma_phieu": ticket.code,
            "loai_yeu_cau": str(workflow.title) if workflow else ticket.type,
            "han_giai_quyet": due_at.isoformat() if due_at else None,
            "link_tra_cuu": status_url(ticket.code)}


# --- the sandbox -----------------------------------------------------------------------


def _when(value) -> datetime | date | None:
    if isinstance(value, str):
        return parse_local(value) if value.strip() else None
    return value


def _number(value) -> float | None:
    if value is None or value == "":
        return None
    return float(value)


def _fmt_number(value) -> str:
    number = _number(value)
    return "" if number is None else f"{round(number):,}".replace(",", ".")


def _fmt_percent(value) -> str:
    """The size of a change, unsigned ("42 %"): the template says tăng or giảm."""
    number = _number(value)
    return "" if number is None else f"{abs(round(number))} %"


# Plain text, not HTML (no autoescape); newlines after block tags kept as written.
_env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False,
                            finalize=lambda value: "" if value is None else value)
_env.filters.update({
    "date": lambda v: fmt_date(_when(v)), "datetime": lambda v: fmt_datetime(_when(v)),
    "time": lambda v: fmt_time(_when(v)), "money": lambda v: fmt_money(_number(v)),
    "number": _fmt_number, "percent": _fmt_percent, "unaccent": plain,
})


@lru_cache(maxsize=256)
def _compile(text: str) -> jinja2.Template:
    return _env.from_string(text)


def _check_names(event: str, text: str, field: str) -> None:
    if len(text) > MAX_SOURCE:
        raise TemplateError(_("Mẫu dài quá %(n)s ký tự.", n=MAX_SOURCE), field)
    try:
        used = meta.find_undeclared_variables(_env.parse(text))    # compiles: unknown filters
    except jinja2.TemplateSyntaxError as exc:
        raise _syntax(exc, field) from None
    unknown = used - set(EVENTS[event]) - set(_env.globals)
    if unknown:
        raise TemplateError(_("Biến không tồn tại: %(names)s. Sự kiện này có các biến: "
                              "%(known)s.", names=", ".join(sorted(unknown)),
                              known=", ".join(EVENTS[event])), field)


def _run(text: str, values: dict, field: str) -> str:
    try:
        return _compile(text).render(values)
    except jinja2.TemplateSyntaxError as exc:
        raise _syntax(exc, field) from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(_("Thiếu hoặc sai biến: %(error)s", error=str(exc)), field) from None
    except jinja2.TemplateError as exc:
        raise TemplateError(_("Mẫu không hợp lệ: %(error)s", error=str(exc)), field) from None
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
        raise TemplateError(_("Không hiển thị được mẫu: %(error)s", error=str(exc)),
                            field) from None


def _syntax(exc: jinja2.TemplateSyntaxError, field: str) -> TemplateError:
    return TemplateError(_("Lỗi cú pháp ở dòng %(line)s: %(error)s", line=exc.lineno,
                           error=exc.message), field)


def _values(event: str, context: dict) -> dict:
    """Only the event's documented variables; optional ones default to None, and a ticket
    code brings its status link."""
    values = {name: context[name] for name in EVENTS[event] if name in context}
    for name in OPTIONAL & set(EVENTS[event]):
        values.setdefault(name, None)
    if "link_tra_cuu" in EVENTS[event] and not values.get("link_tra_cuu") \
            and values.get("ma_phieu"):
        values["link_tra_cuu"] = status_url(values["ma_phieu"])
    return values


def _tidy(text: str) -> str:
    """No trailing spaces, at most one blank line in a row, nothing around the text."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out)


def _known(event: str, channel: str) -> None:
    if event not in EVENTS:
        raise TemplateError(_("Sự kiện không tồn tại: %(event)s", event=event))
    if channel not in CHANNELS:
        raise TemplateError(_("Kênh không hỗ trợ: %(channel)s", channel=channel))
