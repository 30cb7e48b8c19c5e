"""The register pages: a contract's households (list, add, correct, end) and the reports.

Visibility first (404 for another district's contract, as everywhere), then the right to
change (403): agents read the register with masked citizen IDs; the contract's own district,
supervisors and admins change it. Views commit; services only flush.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from crm.core.permissions import (contract_or_404, contract_visible, may_edit_households,
                                  may_see_citizen_ids, may_see_household_reports)
from crm.extensions import db
from crm.households import export, queries, reports, services
from crm.households.citizen_ids import mask
from crm.households.forms import EndForm, HouseholdForm
from crm.households.services import CitizenIdTaken, HouseholdError
from crm.models import Contract, Household

bp = Blueprint("households", __name__, url_prefix="/households")


@bp.app_template_global()
def citizen_id_for(household: Household, full: bool) -> str:
    """What a page may print of a citizen ID: the number, or `****2345`."""
    return household.citizen_id if full else mask(household.citizen_id)


@bp.app_template_global()
def household_summaries(customer):
    """The customer page's register lines (templates/households/_customer.html)."""
    return queries.summaries(current_user, customer)


def household_or_404(household_id: int) -> Household:
    household = db.session.scalar(
        sa.select(Household).join(Contract, Household.contract_id == Contract.id)
        .where(Household.id == household_id, contract_visible(current_user)))
    if household is None:
        abort(404)
    return household


def _require_edit(contract: Contract) -> None:
    if not may_edit_households(current_user, contract):
        abort(403)


def show_error(form, exc: HouseholdError) -> None:
    """Put a service refusal beside the input it concerns (or above the form)."""
    message = str(exc)
    if isinstance(exc, CitizenIdTaken) and may_see_citizen_ids(current_user, exc.other.contract):
        message = _("Số CCCD này đang được đăng ký ở hộ %(name)s, hợp đồng %(number)s.",
                    name=exc.other.head_name, number=exc.other.contract.number)
    if exc.field and exc.field in form:
        form[exc.field].errors = [*form[exc.field].errors, message]
    else:
        form.form_errors.append(message)


# --- a contract's register ----------------------------------------------------------------


@bp.get("/contracts/<int:contract_id>")
@login_required
def register(contract_id: int):
    """The households of a contract: active, proposed by tickets, ended."""
    contract = contract_or_404(current_user, contract_id)
    groups = queries.households_of(contract)
    everyone = [h for rows in groups.values() for h in rows]
    return render_template(
        "households/register.html", contract=contract, groups=groups,
        tickets=queries.tickets_of(everyone), today=services.today(),
        warning_days=reports.warning_days(),
        full_ids=may_see_citizen_ids(current_user, contract),
        can_edit=may_edit_households(current_user, contract),
        counted=queries.effective_count(len(groups["active"])))


def _render_form(contract: Contract, form, household: Household | None = None, status=200):
    return render_template("households/form.html", contract=contract, form=form,
                           household=household), status


def _saved(contract: Contract, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("households.register", contract_id=contract.id), 303)


@bp.route("/contracts/<int:contract_id>/new", methods=["GET", "POST"])
@login_required
def add(contract_id: int):
    """Register a household on the contract; form errors answer 400."""
    contract = contract_or_404(current_user, contract_id, for_update=request.method == "POST")
    _require_edit(contract)
    form = HouseholdForm() if request.method == "POST" else \
        HouseholdForm(formdata=None, since=services.today())
    if request.method == "GET":
        return _render_form(contract, form)
    if not form.validate():
        return _render_form(contract, form, status=400)
    try:
        services.add_household(contract, form.data_for_service(),
                               actor=current_user._get_current_object())
    except HouseholdError as exc:
        db.session.rollback()
        show_error(form, exc)
        return _render_form(contract_or_404(current_user, contract_id), form, status=400)
    return _saved(contract, _("Đã thêm hộ vào sổ hộ dùng chung."))


@bp.route("/<int:household_id>/edit", methods=["GET", "POST"])
@login_required
def edit(household_id: int):
    """Correct a household's details; an ended household is kept as it was."""
    household = household_or_404(household_id)
    _require_edit(household.contract)
    form = HouseholdForm() if request.method == "POST" else \
        HouseholdForm(formdata=None, obj=household)
    if request.method == "GET":
        return _render_form(household.contract, form, household)
    if not form.validate():
        return _render_form(household.contract, form, household, 400)
    try:
        services.update_household(household, form.data_for_service(),
                                  actor=current_user._get_current_object())
    except HouseholdError as exc:
        db.session.rollback()
        show_error(form, exc)
        household = household_or_404(household_id)
        return _render_form(household.contract, form, household, 400)
    return _saved(household.contract, _("Đã cập nhật thông tin hộ."))


@bp.route("/<int:household_id>/end", methods=["GET", "POST"])
@login_required
def end(household_id: int):
    """A household stops sharing the meter (moved out, meter split)."""
    household = household_or_404(household_id)
    _require_edit(household.contract)
    form = EndForm() if request.method == "POST" else \
        EndForm(formdata=None, until=services.today())
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                services.end_household(household, form.until.data, form.reason.data,
                                       actor=current_user._get_current_object())
                return _saved(household.contract, _("Đã ghi nhận hộ thôi dùng chung công tơ."))
            except HouseholdError as exc:
                db.session.rollback()
                household = household_or_404(household_id)
                show_error(form, exc)
        status = 400
    return render_template("households/end.html", household=household, form=form,
                           contract=household.contract,
                           full_ids=may_see_citizen_ids(current_user, household.contract)), status


# --- reports ------------------------------------------------------------------------------

REPORTS = ("duplicates", "papers", "mismatch")


def _require_reports() -> None:
    if not may_see_household_reports(current_user):
        abort(403)


@bp.get("/reports")
@login_required
def report_page():
    """One of the three reports (`?report=`), its first rows; the CSV has them all."""
    _require_reports()
    name = request.args.get("report", "duplicates")
    if name not in REPORTS:
        abort(404)
    rows = {"duplicates": reports.duplicates, "papers": reports.papers,
            "mismatch": reports.mismatches}[name](current_user)
    return render_template("households/reports.html", report=name, reports=REPORTS,
                           rows=rows[:reports.PAGE_ROWS], total=len(rows),
                           today=services.today(), warning_days=reports.warning_days())


@bp.get("/reports/<name>.csv")
@login_required
def report_csv(name: str):
    """The whole report as a CSV file (UTF-8 with BOM, for Excel)."""
    _require_reports()
    if name not in REPORTS:
        abort(404)
    filename = f"ho-dung-chung-{name}-{services.today():%Y%m%d}.csv"
    return Response(export.report_csv(name, current_user), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})
