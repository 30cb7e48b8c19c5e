"""Tính tiền điện (the bill estimate tool): any logged-in staff member, from the inbox or
from a customer's 360 page (`?customer_id=`), which prefills the latest reading."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from crm.billing import answers, queries
from crm.billing.estimate import EstimateError
from crm.billing.forms import EstimateForm, field_for
from crm.core.permissions import customer_or_404
from crm.core.timefmt import fmt_date
from crm.models import Role

bp = Blueprint("billing", __name__)

#: estimate fields → the form's boxes
FIELDS = {"kwh": "kwh", "households": "households", "from": "period_from", "to": "period_to"}


@bp.get("/tools/bill-estimate")
@login_required
def estimate_tool():
    """The form and the breakdown per tier; input the user sent that is bad answers 400."""
    customer, figures = _customer()
    form = EstimateForm(request.args)
    submitted = "kwh" in request.args
    if not submitted:
        if figures is None or figures.kwh is None:
            return _render(form, customer, figures)
        form.kwh.data, form.households.data = figures.kwh, figures.households
        form.period_from.data, form.period_to.data = figures.period_from, figures.period_to
    elif not form.validate():
        return _render(form, customer, figures, status=400)
    try:
        result = queries.estimate_bill(form.kwh.data, households=form.households.data,
                                       period_from=form.period_from.data,
                                       period_to=form.period_to.data)
    except EstimateError as exc:
        field = field_for(form, FIELDS.get(exc.field)) or form.kwh
        field.errors = [*field.errors, str(exc)]       # a tuple until validated
        return _render(form, customer, figures, status=400 if submitted else 200)
    return _render(form, customer, figures, result=result)


def _customer():
    """The customer of `?customer_id=` (404 if not visible) and their figures, or Nones."""
    raw = request.args.get("customer_id")
    if not raw:
        return None, None
    if not (raw.isascii() and raw.isdigit()):
        abort(404)
    customer = customer_or_404(current_user, int(raw))
    return customer, queries.customer_figures(customer)


def _render(form, customer, figures, *, result=None, status=200):
    return render_template(
        "billing/estimate.html", form=form, customer=customer, figures=figures,
        result=result, sentence=answers.describe(result) if result else None, day=_day,
        can_see_tariffs=current_user.has_role(Role.ADMIN, Role.SUPERVISOR)), status


def _day(text: str) -> str:
    """An ISO day of the estimate's JSON as dd/mm/yyyy."""
    return fmt_date(date.fromisoformat(text))


from crm.billing import admin_views  # noqa: E402,F401
