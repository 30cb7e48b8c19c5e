"""The ticket page: thread, customer panel, actions, audit trail, live thread and downloads."""
from __future__ import annotations

import sqlalchemy as sa
from flask import (Blueprint, abort, flash, jsonify, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import CombinedMultiDict

import workflows
from crm.core import storage
from crm.core.permissions import ticket_or_404, ticket_visible
from crm.core.storage import AttachmentRejected
from crm.extensions import db
from crm.inbox import canned
from crm.inbox.queries import customer_tickets
from crm.inbox.services import ReplyError, reply
from crm.labels import label
from crm.models import (Attachment, AuditEvent, Customer, District, Message, Note, Ticket, User,
                        utcnow)
from crm.tickets import forms, panels, services
from crm.tickets.services import TicketError

bp = Blueprint("tickets", __name__)

# --- reading ----------------------------------------------------------------------------


def thread_items(ticket_id: int, after_message: int = 0, after_note: int = 0) -> list:
    """Messages and notes of a ticket, oldest first, each list in one query with its relations."""
    messages = db.session.scalars(
        sa.select(Message).where(Message.ticket_id == ticket_id, Message.id > after_message)
        .options(joinedload(Message.attachments), joinedload(Message.author))
        .order_by(Message.id)).unique().all()
    notes = db.session.scalars(
        sa.select(Note).where(Note.ticket_id == ticket_id, Note.id > after_note)
        .options(joinedload(Note.attachments), joinedload(Note.author))
        .order_by(Note.id)).unique().all()
    items = [("message", m) for m in messages] + [("note", n) for n in notes]
    return sorted(items, key=lambda item: (item[1].created_at, item[0], item[1].id))


def audit_trail(ticket_id: int) -> tuple[list[AuditEvent], dict[int, str]]:
    """The ticket's audit events with their actors, and the names of users the changes name."""
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.ticket_id == ticket_id)
        .options(joinedload(AuditEvent.actor)).order_by(AuditEvent.id.desc())).all()
    ids = {old for e in events for old, _new in [e.changes.get("assignee_id", [None, None])]
           if isinstance(old, int)}
    names = dict(db.session.execute(sa.select(User.id, User.username).where(User.id.in_(ids)))
                 .all()) if ids else {}
    return events, names


def _customer(ticket: Ticket) -> Customer:
    return db.session.scalar(sa.select(Customer).where(Customer.id == ticket.customer_id)
                             .options(joinedload(Customer.contact_points),
                                      joinedload(Customer.ward)))


def _forms(ticket: Ticket, **submitted) -> dict:
    """Every action form of the page, blank unless `submitted` holds the one being re-shown."""
    built = {"reply_form": lambda: forms.reply_form(ticket),
             "note_form": lambda: forms.note_form(ticket),
             "status_form": lambda: forms.status_form(ticket),
             "assign_form": lambda: forms.assign_form(ticket, current_user),
             "transfer_form": lambda: forms.transfer_form(ticket)}
    return {name: submitted.get(name) or make() for name, make in built.items()}


def render_ticket(ticket: Ticket, status: int = 200, active_tab: str = "reply", **submitted):
    """The ticket page; `submitted` carries a form with errors (shown with status 400)."""
    customer = _customer(ticket)
    others = [t for t in customer_tickets(current_user, customer)
              if t.id != ticket.id and t.is_open]
    events, names = audit_trail(ticket.id)
    items = thread_items(ticket.id)
    return render_template(
        "tickets/detail.html", ticket=ticket, customer=customer, others=others, items=items,
        events=events, user_names=names, workflow=workflows.WORKFLOWS.get(ticket.type),
        panels=panels.render(ticket, current_user._get_current_object()),
        now=utcnow(), active_tab=active_tab,
        last_message=max((i.id for k, i in items if k == "message"), default=0),
        last_note=max((i.id for k, i in items if k == "note"), default=0),
        **_forms(ticket, **submitted)), status


@bp.get("/tickets/<int:ticket_id>")
@login_required
def detail(ticket_id: int):
    """The ticket page, if the user may see the ticket (404 otherwise)."""
    return render_ticket(ticket_or_404(current_user, ticket_id))


@bp.get("/tickets/<int:ticket_id>/thread")
@login_required
def thread(ticket_id: int):
    """JSON: rendered messages and notes newer than the given ids, and the current status."""
    ticket = ticket_or_404(current_user, ticket_id)
    after_message = request.args.get("after_message", 0, type=int)
    after_note = request.args.get("after_note", 0, type=int)
    items = [{"kind": kind, "id": item.id,
              "html": render_template(f"tickets/_{kind}.html", item=item)}
             for kind, item in thread_items(ticket.id, after_message, after_note)]
    return jsonify(items=items, updated=_refreshed(ticket.id),
                   status=str(ticket.status), status_label=label("status", ticket.status),
                   assignee=ticket.assignee.full_name if ticket.assignee else "")


def _refreshed(ticket_id: int) -> list[dict]:
    """Re-rendered messages the page still shows as waiting to be sent (`pending=1,2`)."""
    ids = [int(x) for x in request.args.get("pending", "").split(",") if x.isdigit()][:50]
    if not ids:
        return []
    messages = db.session.scalars(
        sa.select(Message).where(Message.ticket_id == ticket_id, Message.id.in_(ids))
        .options(joinedload(Message.attachments), joinedload(Message.author))).unique().all()
    return [{"kind": "message", "id": m.id, "status": str(m.status),
             "html": render_template("tickets/_message.html", item=m)} for m in messages]


@bp.get("/tickets/<int:ticket_id>/canned")
@login_required
def canned_replies(ticket_id: int):
    """JSON: the active canned replies with this ticket's values filled in."""
    ticket = ticket_or_404(current_user, ticket_id)
    agent = current_user._get_current_object()
    return jsonify([{"shortcut": c.shortcut, "title": c.title,
                     "text": canned.render(c.body, ticket, agent)}
                    for c in canned.active_replies()])


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    """The stored file, to users who may see its ticket; pictures and PDFs inline."""
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.ticket_id is None:
        abort(404)
    ticket_or_404(current_user, item.ticket_id)
    path = storage.path_for(item.sha256)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=item.content_type, download_name=item.filename,
                         as_attachment=item.content_type not in storage.INLINE_TYPES,
                         conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- actions ----------------------------------------------------------------------------


def _done(ticket_id: int, message: str):
    """Commit, say so, and go back to the ticket (or to the inbox if it is now out of sight)."""
    db.session.commit()
    flash(message, "success")
    visible = db.session.scalar(sa.select(sa.exists().where(Ticket.id == ticket_id,
                                                            ticket_visible(current_user))))
    target = url_for("tickets.detail", ticket_id=ticket_id) if visible \
        else url_for("inbox.index")
    return redirect(target, 303)


def _refused(ticket_id: int, exc: Exception, code: int, **page):
    """Undo everything of this request and show the page again with the reason."""
    db.session.rollback()
    flash(str(exc), "error")
    return render_ticket(ticket_or_404(current_user, ticket_id), code, **page)


@bp.post("/tickets/<int:ticket_id>/reply")
@login_required
def reply_to_customer(ticket_id: int):
    """Queue a public reply on the chosen channel; the send job runs after the commit."""
    ticket = ticket_or_404(current_user, ticket_id, for_update=True)
    form = forms.reply_form(ticket, request.form)
    if not form.validate():
        return render_ticket(ticket, 400, reply_form=form)
    recipient = (db.session.get(Customer, int(form.recipient.data))
                 if getattr(form, "recipient", None) else None)
    try:
        reply(ticket, form.body.data, actor=current_user._get_current_object(),
              channel=form.channel.data, customer=recipient)
    except ReplyError as exc:
        return _refused(ticket_id, exc, 400, reply_form=forms.reply_form(ticket, request.form))
    return _done(ticket_id, _("Đã gửi trả lời vào hàng đợi."))


@bp.post("/tickets/<int:ticket_id>/note")
@login_required
def note(ticket_id: int):
    """Add an internal note, with its file if one was attached; a refused file saves nothing."""
    ticket = ticket_or_404(current_user, ticket_id, for_update=True)
    form = forms.note_form(ticket, CombinedMultiDict((request.files, request.form)))
    if not form.validate():
        return render_ticket(ticket, 400, active_tab="note", note_form=form)
    upload = form.file.data
    try:
        added = services.add_note(ticket, form.body.data, actor=current_user._get_current_object())
        if upload and upload.filename:
            storage.store(upload.read(), upload.filename, upload.mimetype, ticket_id=ticket.id,
                          note_id=added.id, uploaded_by_id=current_user.id)
    except AttachmentRejected as exc:
        return _refused(ticket_id, exc, 400, active_tab="note",
                        note_form=forms.note_form(ticket, request.form))
    return _done(ticket_id, _("Đã thêm ghi chú nội bộ."))


@bp.post("/tickets/<int:ticket_id>/status")
@login_required
def change_status(ticket_id: int):
    """Move the ticket to another status; resolving or closing needs a result."""
    ticket = ticket_or_404(current_user, ticket_id, for_update=True)
    form = forms.status_form(ticket, request.form)
    if not form.validate():
        return render_ticket(ticket, 400, status_form=form)
    try:
        services.change_status(ticket, form.status.data, actor=current_user._get_current_object(),
                               result=(form.result.data or "").strip() or None)
    except TicketError as exc:
        return _refused(ticket_id, exc, 409)
    return _done(ticket_id, _("Đã cập nhật trạng thái phiếu."))


@bp.post("/tickets/<int:ticket_id>/assign")
@login_required
def assign(ticket_id: int):
    """Give the ticket to someone who may work it ("Nhận phiếu" gives it to oneself)."""
    ticket = ticket_or_404(current_user, ticket_id, for_update=True)
    me = current_user._get_current_object()
    form = forms.assign_form(ticket, me, request.form)
    if not form.wants_self and not form.validate():
        return render_ticket(ticket, 400, assign_form=form)
    assignee = me if form.wants_self else (
        db.session.get(User, int(form.assignee.data)) if form.assignee.data else None)
    try:
        services.assign(ticket, assignee, actor=me)
    except TicketError as exc:
        return _refused(ticket_id, exc, 409)
    return _done(ticket_id, _("Đã nhận phiếu.") if form.wants_self else _("Đã phân công phiếu."))


@bp.post("/tickets/<int:ticket_id>/transfer")
@login_required
def transfer(ticket_id: int):
    """Hand the ticket to another district office, with the reason on the audit trail."""
    ticket = ticket_or_404(current_user, ticket_id, for_update=True)
    form = forms.transfer_form(ticket, request.form)
    if not form.validate():
        return render_ticket(ticket, 400, transfer_form=form)
    district = db.session.get(District, form.district.data)
    try:
        services.transfer(ticket, district, actor=current_user._get_current_object(),
                          reason=form.reason.data)
    except TicketError as exc:
        return _refused(ticket_id, exc, 409)
    return _done(ticket_id, _("Đã chuyển phiếu cho %(district)s.", district=district.name))
