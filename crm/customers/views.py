"""Customer search, the customer 360 page, and the contact actions taken from it."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from crm import labels
from crm.consumption import history, rules, schedule
from crm.core.permissions import customer_or_404, roles_required
from crm.core.phones import InvalidPhone
from crm.core.timefmt import local
from crm.customers import queries, services
from crm.customers.forms import ContactForm, LinkForm
from crm.extensions import db
from crm.inbox.queries import customer_tickets
from crm.models import ContactPoint, Customer, Reading, Role, Ticket, utcnow

bp = Blueprint("customers", __name__)

CENTRE_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


@bp.get("/customers/search")
@login_required
def search():
    """An exact hit (ticket code, phone, customer code, ...) opens directly; else the list."""
    q = request.args.get("q", "").strip()[:200]
    result = queries.search(current_user, q)
    target = result.redirect_target
    if isinstance(target, Ticket):
        return redirect(url_for("tickets.detail", ticket_id=target.id), 303)
    if isinstance(target, Customer):
        return redirect(url_for("customers.detail", customer_id=target.id), 303)
    return render_template("customers/search.html", q=q, result=result,
                           phones=queries.find_first_phones(result.customers))


@bp.get("/customers/<int:customer_id>")
@login_required
def detail(customer_id: int):
    """The customer 360 page; 404 for a customer the user may not see."""
    return _render_detail(customer_or_404(current_user, customer_id))


@bp.post("/customers/<int:customer_id>/contacts")
@login_required
def add_contact(customer_id: int):
    """Attach a phone, e-mail, Zalo or Telegram id; 400 if invalid, 409 if someone else's."""
    customer = customer_or_404(current_user, customer_id)
    form = ContactForm()
    if not form.validate():
        return _render_detail(customer, contact_form=form, status=400)
    try:
        services.add_contact(customer, form.kind.data, form.value.data)
    except InvalidPhone:
        db.session.rollback()
        form.value.errors.append(_("Số điện thoại không hợp lệ."))
        return _render_detail(customer, contact_form=form, status=400)
    except ValueError:
        db.session.rollback()
        form.value.errors.append(_owner_message(form.kind.data, form.value.data))
        return _render_detail(customer, contact_form=form, status=409)
    db.session.commit()
    flash(_("Đã thêm liên hệ."), "success")
    return redirect(url_for("customers.detail", customer_id=customer.id), 303)


@bp.post("/customers/<int:customer_id>/link")
@login_required
def link(customer_id: int):
    """Merge a provisional contact into the customer with the given code, then open it."""
    # Visibility before the role check: another district's ids answer 404, as everywhere.
    return _link(customer_or_404(current_user, customer_id))


@roles_required(*CENTRE_ROLES)
def _link(provisional: Customer):
    form = LinkForm()
    if not form.validate():
        return _render_detail(provisional, link_form=form, status=400)
    code = form.code.data.upper()
    target = queries.find_customer_by_code(current_user, code)
    if target is None:
        form.code.errors.append(_("Không tìm thấy khách hàng có mã %(code)s.", code=code))
        return _render_detail(provisional, link_form=form, status=400)
    try:
        services.link(provisional, target)
    except ValueError:
        db.session.rollback()
        form.code.errors.append(_("Chỉ liên hệ tạm mới có thể liên kết với khách hàng khác."))
        return _render_detail(provisional, link_form=form, status=400)
    db.session.commit()
    flash(_("Đã liên kết liên hệ tạm vào khách hàng %(code)s.", code=target.code), "success")
    return redirect(url_for("customers.detail", customer_id=target.id), 303)


def _render_detail(customer: Customer, *, contact_form=None, link_form=None, status=200):
    messages, older = queries.list_messages(current_user, customer,
                                            before=request.args.get("before", type=int))
    limit = rules.threshold()
    readings = _reading_rows(customer, queries.list_readings(customer), limit)
    is_centre = current_user.has_role(*CENTRE_ROLES)
    return render_template(
        "customers/detail.html", customer=customer, contacts=_contacts_by_kind(customer),
        contracts=queries.list_contracts(customer), readings=readings,
        chart=history.chart(readings, limit), reading_schedule=_reading_schedule(customer),
        tickets=customer_tickets(current_user, customer), messages=messages, older=older,
        contact_form=contact_form or ContactForm(formdata=None),
        link_form=link_form or LinkForm(formdata=None),
        can_create_ticket=is_centre, can_link=is_centre and customer.is_provisional), status


def _owner_message(kind: str, value: str) -> str:
    """Who already owns a contact value; district staff are not told who."""
    owner = services.find_contact(kind, services.normalise_contact(kind, value))
    if owner is None or current_user.is_district_scoped:
        return _("Liên hệ này đã thuộc về một khách hàng khác.")
    return _("Liên hệ này đã thuộc về khách hàng khác: %(name)s (%(code)s).",
             name=owner.customer.name, code=owner.customer.code or _("liên hệ tạm"))


def _contacts_by_kind(customer: Customer) -> list[tuple[str, list[ContactPoint]]]:
    groups = {kind: [] for kind, _label in labels.choices("contact")}
    for contact in customer.contact_points:
        groups.setdefault(str(contact.kind), []).append(contact)
    return [(kind, items) for kind, items in groups.items() if items]


def _reading_rows(customer: Customer, rows: list[Reading], limit) -> list[dict]:
    """Readings (oldest first) with their change, flag and abnormal-consumption ticket."""
    tickets = queries.reading_tickets(current_user, customer, [r.period for r in rows])
    return history.reading_rows(rows, tickets, limit)


def _reading_schedule(customer: Customer) -> dict:
    """The customer's reading day and next reading date (lịch ghi chỉ số)."""
    rule = schedule.rule_for(customer)
    return {"rule": rule, "next": schedule.next_date(rule.day, local(utcnow()).date())}
