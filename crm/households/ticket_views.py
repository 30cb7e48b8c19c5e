"""The "households" panel of a change_households ticket, and the proposals made from it.

Anyone who sees the ticket sees the panel (agents with masked citizen IDs); those who may
edit the contract's register propose additions and endings while the ticket is open.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from crm.core.permissions import may_edit_households, may_see_citizen_ids, ticket_or_404
from crm.extensions import db
from crm.households import ticket_changes
from crm.households.forms import ContractChoiceForm, HouseholdForm
from crm.households.services import HouseholdError
from crm.households.views import show_error
from crm.models import Household, Ticket
from crm.tickets import panels
from crm.tickets.views import render_ticket

bp = Blueprint("household_tickets", __name__)


def _panel(ticket: Ticket, user) -> dict | None:
    if not ticket_changes.is_households_ticket(ticket):
        return None
    plan = ticket_changes.plan_for(ticket)
    contract = plan.contract
    can_edit = ticket.is_open and contract is not None and may_edit_households(user, contract)
    sent = g.get("households_submitted", {})
    choice = sent.get("choice_form") or ContractChoiceForm(formdata=None)
    choice.contract_id.choices = [(c.id, c.number) for c in plan.choices]
    return {"plan": plan, "can_edit": can_edit,
            "can_choose": ticket.is_open and bool(plan.choices),
            "full_ids": contract is not None and may_see_citizen_ids(user, contract),
            "form": sent.get("form") or HouseholdForm(formdata=None), "choice_form": choice}


panels.register("households", "households/_ticket.html", _panel, column="main", order=15)


def _ticket(ticket_id: int) -> Ticket:
    ticket = ticket_or_404(current_user, ticket_id, for_update=True)
    if not ticket_changes.is_households_ticket(ticket):
        abort(404)
    return ticket


def _require_edit(ticket: Ticket):
    contract = ticket_changes.contract_of(ticket)
    if contract is not None and not may_edit_households(current_user, contract):
        abort(403)


def _back(ticket_id: int, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("tickets.detail", ticket_id=ticket_id, _anchor="households"), 303)


def _refused(ticket_id: int, exc: HouseholdError, **submitted):
    """Undo, say why, and show the ticket page again with the form as it was sent."""
    db.session.rollback()
    for form in submitted.values():
        show_error(form, exc)
    flash(str(exc), "error")
    g.households_submitted = submitted
    return render_ticket(ticket_or_404(current_user, ticket_id), 400)


@bp.post("/tickets/<int:ticket_id>/households/contract")
@login_required
def choose_contract(ticket_id: int):
    """The customer has several contracts: say which one the ticket changes."""
    ticket = _ticket(ticket_id)
    form = ContractChoiceForm()
    form.contract_id.choices = [(c.id, c.number) for c in ticket_changes.plan_for(ticket).choices]
    contract = next((c for c in ticket.customer.contracts if c.id == form.contract_id.data),
                    None) if form.validate() else None
    if contract is None:
        form.contract_id.errors = []            # WTForms' own words, replaced by ours
        return _refused(ticket_id, HouseholdError(_("Vui lòng chọn một hợp đồng."),
                                                  "contract_id"), choice_form=form)
    if not may_edit_households(current_user, contract):
        abort(403)
    try:
        ticket_changes.choose_contract(ticket, contract)
    except HouseholdError as exc:
        return _refused(ticket_id, exc, choice_form=form)
    return _back(ticket_id, _("Đã chọn hợp đồng %(number)s.", number=contract.number))


@bp.post("/tickets/<int:ticket_id>/households")
@login_required
def propose_addition(ticket_id: int):
    """A household to add when the ticket is done; form errors answer 400."""
    ticket = _ticket(ticket_id)
    _require_edit(ticket)
    form = HouseholdForm()
    if not form.validate():
        g.households_submitted = {"form": form}
        return render_ticket(ticket, 400)
    try:
        ticket_changes.propose_addition(ticket, form.data_for_service(),
                                        actor=current_user._get_current_object())
    except HouseholdError as exc:
        return _refused(ticket_id, exc, form=form)
    return _back(ticket_id, _("Đã đề xuất thêm hộ; hộ được tính khi phiếu hoàn tất."))


def _household(ticket: Ticket) -> Household:
    household = db.session.get(Household, request.view_args["household_id"])
    contract = ticket_changes.contract_of(ticket)
    if household is None or contract is None or household.contract_id != contract.id:
        abort(404)
    return household


@bp.post("/tickets/<int:ticket_id>/households/<int:household_id>/end")
@login_required
def propose_ending(ticket_id: int, household_id: int):
    """Mark an active household to end when the ticket is done."""
    ticket = _ticket(ticket_id)
    _require_edit(ticket)
    try:
        ticket_changes.propose_ending(ticket, _household(ticket),
                                      actor=current_user._get_current_object())
    except HouseholdError as exc:
        return _refused(ticket_id, exc)
    return _back(ticket_id, _("Đã đề xuất kết thúc hộ khi phiếu hoàn tất."))


@bp.post("/tickets/<int:ticket_id>/households/<int:household_id>/withdraw")
@login_required
def withdraw(ticket_id: int, household_id: int):
    """Take back a proposed addition or ending."""
    ticket = _ticket(ticket_id)
    _require_edit(ticket)
    if not ticket.is_open:
        return _refused(ticket_id, HouseholdError(_("Phiếu đã đóng, không thay đổi được đề xuất.")))
    ticket_changes.withdraw(ticket, _household(ticket), actor=current_user._get_current_object())
    return _back(ticket_id, _("Đã bỏ đề xuất."))
