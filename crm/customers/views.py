"""Customer search, the customer 360 page, and the actions taken from it: contacts, linking,
the customer's notice channel and opt-outs."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from crm import labels
from crm.consumption import history, rules, schedule
from crm.core.permissions import customer_or_404, may_edit_notice_preferences, roles_required
from crm.core.phones import InvalidPhone
from crm.core.timefmt import local
from crm.customers import queries, services
from crm.customers.forms import ConsentForm, ContactForm, LinkForm, NoticeChannelForm
from crm.extensions import db
from crm.inbox.queries import customer_tickets
from crm.models import ContactPoint, Customer, Reading, Role, Ticket, utcnow
from crm.notifications import choice, consent

bp = Blueprint("customers", __name__)

CENTRE_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
#: The notice channels in the order the "Thông báo" panel lists them.
NOTICE_PANEL_ORDER = tuple(ch for ch in ("zalo", "sms", "email", "telegram")
                           if ch in choice.NOTICE_CHANNELS)


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


@bp.post("/customers/<int:customer_id>/notice-channel")
@login_required
def notice_channel(customer_id: int):
    """Set (or clear: automatic) the channel the customer wants notices on; 400 if unusable."""
    customer = customer_or_404(current_user, customer_id)
    if not may_edit_notice_preferences(current_user):
        abort(403)
    facts = choice.Facts.load([customer.id])
    form = NoticeChannelForm()
    form.channel.choices = _channel_choices(customer, facts)
    if not form.validate():
        return _render_detail(customer, notice_form=form, status=400)
    channel = form.channel.data or None
    if channel is not None and channel != facts.preferred.get(customer.id):
        error = _unusable(customer, facts, channel)
        if error:
            form.channel.errors.append(error)
            return _render_detail(customer, notice_form=form, status=400)
    if choice.set_preferred(customer.id, channel):
        db.session.commit()
        flash(_("Đã lưu kênh nhận thông báo: %(channel)s.",
                channel=labels.label("channel", channel))
              if channel else _("Thông báo sẽ gửi theo thứ tự kênh mặc định."), "success")
    else:
        flash(_("Kênh nhận thông báo không thay đổi."), "info")
    return redirect(url_for("customers.detail", customer_id=customer.id,
                            _anchor="notice-settings"), 303)


@bp.post("/customers/<int:customer_id>/notice-consent")
@login_required
def notice_consent(customer_id: int):
    """Record, on the customer's behalf, that they refuse (or accept again) notices on a channel."""
    customer = customer_or_404(current_user, customer_id)
    if not may_edit_notice_preferences(current_user):
        abort(403)
    form = ConsentForm()
    channel, state = form.channel.data, form.state.data
    if not form.validate() or state not in ("in", "out") or channel not in choice.NOTICE_CHANNELS:
        return _render_detail(customer, consent_error=_("Yêu cầu không hợp lệ."), status=400)
    facts = choice.Facts.load([customer.id])
    if (customer.id, channel) not in facts.refused:       # an old opt-out can always be lifted
        error = _unusable(customer, facts, channel)
        if error:
            return _render_detail(customer, consent_error=error, status=400)
    label = labels.label("channel", channel)
    if consent.set_opt_out(customer.id, channel, state == "out", source="agent"):
        db.session.commit()
        flash(_("Đã ghi nhận: khách hàng từ chối nhận thông báo qua %(channel)s.", channel=label)
              if state == "out" else
              _("Đã ghi nhận: khách hàng đồng ý nhận thông báo qua %(channel)s.", channel=label),
              "success")
    else:
        flash(_("Không có gì thay đổi."), "info")
    return redirect(url_for("customers.detail", customer_id=customer.id,
                            _anchor="notice-settings"), 303)


def _unusable(customer: Customer, facts: choice.Facts, channel: str) -> str | None:
    """Why `channel` cannot be chosen for this customer, or None."""
    if channel not in choice.NOTICE_CHANNELS:
        return _("Kênh thông báo không hợp lệ.")
    if (customer.id, channel) not in facts.addresses:
        return _("Khách hàng chưa có địa chỉ %(channel)s: hãy thêm liên hệ trước.",
                 channel=labels.label("channel", channel))
    return None


def _channel_choices(customer: Customer, facts: choice.Facts) -> list[tuple[str, str]]:
    """Automatic, the channels the customer has an address on, and the current choice."""
    current = facts.preferred.get(customer.id)
    return [("", _("Tự động (theo thứ tự mặc định)"))] + [
        (ch, labels.label("channel", ch)) for ch in NOTICE_PANEL_ORDER
        if (customer.id, ch) in facts.addresses or ch == current]


def _notice_panel(customer: Customer, form: NoticeChannelForm | None, error: str | None) -> dict:
    """The "Thông báo" panel: preferred channel, per-channel address and consent, next channel."""
    facts = choice.Facts.load([customer.id])
    current = facts.preferred.get(customer.id)
    if form is None:
        form = NoticeChannelForm(formdata=None, data={"channel": current or ""})
    form.channel.choices = _channel_choices(customer, facts)
    rows = [{"channel": ch, "address": facts.addresses.get((customer.id, ch)),
             "opted_out": (customer.id, ch) in facts.refused,
             "configured": facts.configured is None or ch in facts.configured}
            for ch in NOTICE_PANEL_ORDER]
    upcoming = facts.candidates(customer.id)
    return {"form": form, "consent_form": ConsentForm(formdata=None), "error": error,
            "preferred": current, "rows": rows, "next": upcoming[0] if upcoming else None,
            "can_edit": may_edit_notice_preferences(current_user)}


def _render_detail(customer: Customer, *, contact_form=None, link_form=None, notice_form=None,
                   consent_error=None, status=200):
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
        notice=_notice_panel(customer, notice_form, consent_error),
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
