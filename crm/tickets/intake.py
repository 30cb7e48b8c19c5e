"""Tạo phiếu (new ticket intake): find the caller by phone, then open a ticket for them."""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

import workflows
from crm.core.permissions import customer_or_404, roles_required, tickets_for
from crm.core.phones import InvalidPhone, national, normalise_phone
from crm.customers import services as customers
from crm.extensions import db
from crm.models import OPEN_STATUSES, ContactKind, Customer, Role, Ticket, Ward
from crm.tickets import notify
from crm.tickets.intake_forms import IntakeForm
from crm.tickets.services import TicketError, create_ticket

bp = Blueprint("intake", __name__)

OPEN_TICKETS_SHOWN = 5


@dataclass
class Caller:
    """Who the agent is talking to: a known customer, a new number, or nothing yet."""

    phone: str | None = None            #: E.164
    customer: Customer | None = None
    error: str | None = None
    open_count: int = 0
    open_tickets: list[Ticket] = field(default_factory=list)

    @property
    def is_known(self) -> bool:
        return self.customer is not None

    @property
    def is_looked_up(self) -> bool:
        return self.customer is not None or (self.phone is not None and not self.error)


@bp.route("/tickets/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
def new():
    """GET finds the caller; POST opens the ticket (303 to it) or answers 400, saving nothing."""
    if request.method == "POST":
        return _create()
    caller = _lookup(request.args.get("customer_id", type=int), request.args.get("phone", ""))
    wf_type = request.args.get("type", "")
    form = IntakeForm(formdata=None, type=wf_type if wf_type in workflows.WORKFLOWS else "",
                      customer_id=caller.customer.id if caller.customer else None,
                      phone=caller.phone or "",
                      ward_id=caller.customer.ward_id if caller.customer else None)
    return _render(form, caller, 400 if caller.error else 200)


def _create():
    form = IntakeForm()
    caller = _lookup(form.customer_id.data, form.phone.data, required=True)
    if not form.validate() or caller.error:
        return _render(form, caller, 400)
    customer = caller.customer or customers.identify(
        ContactKind.PHONE, caller.phone, form.name.data or national(caller.phone))
    try:
        ticket = create_ticket(
            customer=customer, type=form.type.data, subtype=form.subtype.data,
            channel=form.channel.data, priority=form.priority.data or None,
            subject=form.subject.data, description=form.description.data or None,
            ward=form.ward, actor=current_user._get_current_object())
        notify.received(ticket)
    except TicketError:
        db.session.rollback()
        caller = _lookup(form.customer_id.data, form.phone.data)
        form.type.errors.append(_("Không tạo được phiếu: loại yêu cầu không hợp lệ."))
        return _render(form, caller, 400)
    db.session.commit()
    flash(_("Đã tạo phiếu %(code)s.", code=ticket.code), "success")
    return redirect(url_for("tickets.detail", ticket_id=ticket.id), 303)


def _lookup(customer_id: int | None, phone_text: str | None, *, required: bool = False) -> Caller:
    """The caller from a visible customer id, else from a phone typed in any format."""
    if customer_id:
        customer = customer_or_404(current_user, customer_id)
        return _with_open_tickets(Caller(phone=customer.phone, customer=customer))
    phone_text = (phone_text or "").strip()
    if not phone_text:
        return Caller(error=_("Vui lòng nhập số điện thoại của khách hàng.") if required else None)
    try:
        phone, customer = normalise_phone(phone_text), customers.find_by_phone(phone_text)
    except InvalidPhone:
        return Caller(error=_("Số điện thoại không hợp lệ: %(phone)s", phone=phone_text[:40]))
    return _with_open_tickets(Caller(phone=phone, customer=customer))


def _with_open_tickets(caller: Caller) -> Caller:
    if caller.customer is None:
        return caller
    query = tickets_for(current_user).where(Ticket.customer_id == caller.customer.id,
                                            Ticket.status.in_(OPEN_STATUSES))
    caller.open_count = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    caller.open_tickets = db.session.scalars(
        query.order_by(Ticket.id.desc()).limit(OPEN_TICKETS_SHOWN)).all()
    return caller


def _ward_groups() -> list[tuple[str, list[Ward]]]:
    """Every ward, grouped by the district office that serves it."""
    wards = db.session.scalars(sa.select(Ward).options(joinedload(Ward.district))).all()
    wards.sort(key=lambda w: (w.district is None, w.district.code if w.district else "", w.name))
    return [(str(district) if district else _("Chưa có Điện lực"), list(items))
            for district, items in groupby(wards, key=lambda w: w.district)]


def _render(form: IntakeForm, caller: Caller, status: int):
    subtypes = [(name, wf.title, list(wf.subtypes.items()))
                for name, wf in workflows.WORKFLOWS.items() if wf.subtypes]
    priorities = {name: wf.default_priority for name, wf in workflows.WORKFLOWS.items()}
    return render_template("intake/new.html", form=form, lookup=caller, subtypes=subtypes,
                           priorities=priorities, ward_groups=_ward_groups()), status
