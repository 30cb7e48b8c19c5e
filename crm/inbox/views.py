"""The agent inbox: the filtered ticket list and its live refresh."""
from __future__ import annotations

import re
from datetime import timedelta

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

import workflows
from crm.core.timefmt import iso, parse_local
from crm.inbox.forms import filter_args, filter_form, status_chips
from crm.inbox.queries import (ACTIVE, COUNT_CAP, Filters, changed_since, status_counts,
                               ticket_page, unrouted_count)
from crm.models import Ticket, utcnow
from workflows.sla import clock

bp = Blueprint("inbox", __name__)

#: Re-read this much before `since`: a row stamped just before a slow commit is not missed.
#: Rows come back keyed by id, so the page replaces a repeat instead of adding it twice.
OVERLAP = timedelta(seconds=3)


def kind_label(ticket: Ticket) -> str:
    """The ticket's type and subtype in words, as list rows show them."""
    wf = workflows.WORKFLOWS.get(ticket.type)
    if wf is None:
        return ticket.type
    parts = [str(wf.title), wf.subtype_title(ticket.subtype)]
    return " · ".join(p for p in parts if p)


@bp.app_context_processor
def _ticket_helpers():
    return {"kind_label": kind_label, "sla_state": clock.state}


def _filters() -> Filters:
    filters = Filters.from_args(request.args, current_user)
    if current_user.is_district_scoped:    # their list is already their district
        filters.district_id = None
    return filters


def _count_text(count: int) -> str:
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


def _chips(filters: Filters) -> list[dict]:
    counts = status_counts(current_user, filters)
    counts[ACTIVE] = sum(counts.values())
    current = filters.status or "all"
    return [{"value": value, "label": text, "active": value == current,
             "count": _count_text(counts[value]) if value in counts else None}
            for value, text in status_chips()]


def _unrouted_chip(filters: Filters) -> dict | None:
    """The "needs routing" queue with its bounded count, for care-centre users only."""
    count = unrouted_count(current_user)
    if count is None:
        return None
    return {"label": _("Chưa định tuyến"), "count": _count_text(count),
            "active": filters.unrouted}


@bp.get("/")
@bp.get("/inbox")
@login_required
def index():
    """The ticket list of the current user's scope, by activity or due time, keyset paged."""
    filters, cursor = _filters(), request.args.get("cursor") or None
    now = utcnow()
    page = ticket_page(current_user, filters, cursor, now=now)
    return render_template(
        "inbox/index.html", page=page, cursor=cursor, now=now, chips=_chips(filters),
        unrouted=_unrouted_chip(filters), sort=filters.sort,
        form=filter_form(request.args, with_districts=not current_user.is_district_scoped,
                         sort=filters.sort),
        args=filter_args(request.args))


def _parse_since(text: str | None):
    """An ISO 8601 time; a "+07:00" offset may arrive as " 07:00" from a hand-built URL."""
    if not text:
        raise ValueError("since is missing")
    return parse_local(re.sub(r" (\d\d:?\d\d)$", r"+\1", text.strip()))


@bp.get("/inbox/changes")
@login_required
def changes():
    """JSON: the rendered rows of the list's tickets whose activity is newer than `since`."""
    try:
        since = _parse_since(request.args.get("since"))
    except ValueError:
        return jsonify(error=_("Tham số since thiếu hoặc không đúng định dạng ISO 8601.")), 400
    now = utcnow()
    tickets = changed_since(current_user, _filters(), since - OVERLAP)
    rows = [{"id": t.id, "html": render_template("inbox/_row.html", t=t, now=now)}
            for t in tickets]
    return jsonify(now=iso(now), rows=rows)
