"""Liên kết và gộp phiếu on the ticket page: three POST routes and the "links" side panel.

Both tickets go through crm.core.permissions: a code the user may not see reads as "not
found" (404) and changes nothing. The view commits; a refusal rolls everything back.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, g, redirect, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from crm.core.permissions import customer_visible, ticket_or_404, ticket_visible
from crm.extensions import db
from crm.models import Customer, Status, Ticket
from crm.tickets import merge, panels
from crm.tickets.merge import MergeError
from crm.tickets.views import render_ticket

bp = Blueprint("links", __name__)


def _code(value: str | None) -> str:
    return (value or "").strip().upper()


class LinkForm(FlaskForm):
    code = StringField(_l("Liên kết với phiếu (mã)"), filters=[_code], validators=[
        DataRequired(_l("Vui lòng nhập mã phiếu.")), Length(max=20)])


class MergeForm(FlaskForm):
    code = StringField(_l("Gộp vào phiếu (mã)"), filters=[_code], validators=[
        DataRequired(_l("Vui lòng nhập mã phiếu.")), Length(max=20)])
    reason = TextAreaField(_l("Lý do gộp"), validators=[
        DataRequired(_l("Vui lòng nhập lý do gộp phiếu.")), Length(max=1000)])


# --- helpers ----------------------------------------------------------------------------


def _me():
    return current_user._get_current_object()


def _visible_id(code: str) -> int | None:
    return db.session.scalar(sa.select(Ticket.id).where(Ticket.code == code,
                                                        ticket_visible(current_user)))


def _lock(ticket_id: int, other_id: int) -> tuple[Ticket, Ticket]:
    """Both tickets (404 if out of sight), row-locked in id order so two merges cannot deadlock."""
    locked = {i: ticket_or_404(current_user, i, for_update=True)
              for i in sorted({ticket_id, other_id})}
    return locked[ticket_id], locked[other_id]


def _invalid(ticket_id: int, **forms):
    """Show the page again with the form's field errors (400)."""
    g.links_forms = forms
    return render_ticket(ticket_or_404(current_user, ticket_id), 400)


def _not_found(ticket_id: int, code: str):
    ticket = ticket_or_404(current_user, ticket_id)
    flash(_("Không tìm thấy phiếu %(code)s.", code=code), "error")
    return render_ticket(ticket, 404)


def _refused(ticket_id: int, exc: Exception):
    """Undo everything of this request and show the page with the reason (409)."""
    db.session.rollback()
    flash(str(exc), "error")
    return render_ticket(ticket_or_404(current_user, ticket_id), 409)


def _back(ticket_id: int, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("tickets.detail", ticket_id=ticket_id), 303)


# --- routes -----------------------------------------------------------------------------


@bp.post("/tickets/<int:ticket_id>/link")
@login_required
def link(ticket_id: int):
    """Link this ticket to another one by its code (related); linking twice changes nothing."""
    form = LinkForm()
    if not form.validate():
        return _invalid(ticket_id, link_form=form)
    other_id = _visible_id(form.code.data)
    if other_id is None:
        return _not_found(ticket_id, form.code.data)
    ticket, other = _lock(ticket_id, other_id)
    try:
        merge.link(ticket, other, actor=_me())
    except MergeError as exc:
        return _refused(ticket_id, exc)
    return _back(ticket_id, _("Đã liên kết với phiếu %(code)s.", code=other.code))


@bp.post("/tickets/<int:ticket_id>/unlink/<int:other_id>")
@login_required
def unlink(ticket_id: int, other_id: int):
    """Remove the related link between two tickets the user can both see."""
    ticket, other = _lock(ticket_id, other_id)
    try:
        merge.unlink(ticket, other, actor=_me())
    except MergeError as exc:
        return _refused(ticket_id, exc)
    return _back(ticket_id, _("Đã bỏ liên kết với phiếu %(code)s.", code=other.code))


@bp.post("/tickets/<int:ticket_id>/merge")
@login_required
def merge_into(ticket_id: int):
    """Merge this ticket (the duplicate) into the ticket with the given code; 303 to that one."""
    form = MergeForm()
    if not form.validate():
        return _invalid(ticket_id, merge_form=form)
    into_id = _visible_id(form.code.data)
    if into_id is None:
        return _not_found(ticket_id, form.code.data)
    duplicate, into = _lock(ticket_id, into_id)
    try:
        merge.merge(duplicate, into, actor=_me(), reason=form.reason.data)
    except MergeError as exc:
        return _refused(ticket_id, exc)
    db.session.commit()
    flash(_("Đã gộp phiếu %(old)s vào phiếu này.", old=duplicate.code), "success")
    return redirect(url_for("tickets.detail", ticket_id=into.id), 303)


# --- the ticket-page panel --------------------------------------------------------------


def _merged_into(ticket: Ticket, user) -> dict | None:
    """Where a merged ticket went: its code always, a link only if the user may open it."""
    if ticket.merged_into_id is None:
        return None
    code, visible = db.session.execute(
        sa.select(Ticket.code, ticket_visible(user)).where(Ticket.id == ticket.merged_into_id)
    ).one()
    return {"id": ticket.merged_into_id, "code": code, "visible": bool(visible)}


def _openable(parties, user) -> set[int]:
    """The party customers whose page the user may open (one query, district staff only)."""
    ids = [p.customer_id for p in parties]
    if not ids or not user.is_district_scoped:
        return set(ids)
    return set(db.session.scalars(sa.select(Customer.id).where(Customer.id.in_(ids),
                                                               customer_visible(user))))


def panel_context(ticket: Ticket, user) -> dict | None:
    """Linked tickets, other customers, where a merged ticket went, and the link/merge forms."""
    submitted = g.get("links_forms", {})
    parties = merge.parties_of(ticket)
    return {
        "links": merge.links_of(ticket, user), "parties": parties,
        "openable": _openable(parties, user), "merged_into": _merged_into(ticket, user),
        "can_merge": ticket.merged_into_id is None and ticket.status != Status.CLOSED,
        "link_form": submitted.get("link_form") or LinkForm(formdata=None),
        "merge_form": submitted.get("merge_form") or MergeForm(formdata=None),
    }


panels.register("links", "tickets/_links.html", panel_context, column="side", order=20)
