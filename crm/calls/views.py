"""The screen-pop feed polled by the inbox, and the call log of the customer 360 page."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from crm.calls import jobs  # noqa: F401  (registers the recording retry sweep)
from crm.calls import labels, pops
from crm.core.permissions import call_visible
from crm.core.timefmt import iso
from crm.extensions import db
from crm.models import Call, Customer, utcnow

bp = Blueprint("calls", __name__)

CALLS_SHOWN = 20


@bp.get("/calls/pops")
@login_required
def screen_pops():
    """JSON: the pops the current user should see now, rendered; an empty list for most."""
    now = utcnow()
    items = [{"id": pop.call.id, "state": str(pop.call.state),
              "html": render_template("calls/_pop.html", pop=pop, now=now)}
             for pop in pops.pops_for(current_user, now)]
    return jsonify(now=iso(now), pops=items)


def customer_calls(customer: Customer) -> list[Call]:
    """The customer's latest calls that the current user may see, newest first."""
    return db.session.scalars(
        sa.select(Call).where(Call.customer_id == customer.id, call_visible(current_user))
        .options(joinedload(Call.agent), joinedload(Call.ticket))
        .order_by(Call.id.desc()).limit(CALLS_SHOWN)).all()


@bp.app_context_processor
def _call_helpers():
    return {"customer_calls": customer_calls, "call_state_label": labels.state_label,
            "call_outcome_label": labels.outcome_label,
            "call_duration_label": labels.duration_label}
