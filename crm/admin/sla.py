"""Chính sách SLA (SLA policies): admins edit, supervisors read, everyone else gets 403.

Saving a policy recomputes every open ticket's due time in a job enqueued before the commit
(it runs once the commit has happened, in-process without Redis).
"""
from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from crm.admin import sla_services as services
from crm.admin.sla_forms import PolicyForm, TesterForm
from crm.admin.views import bp
from crm.core.permissions import roles_required
from crm.core.timefmt import local
from crm.extensions import db
from crm.models import Role, SlaPolicy, utcnow
from workflows.sla.policies import PolicyError

VIEWERS = (Role.ADMIN, Role.SUPERVISOR)


def admin_posts(view):
    """Supervisors may read the page; only admins may send its form (403 otherwise)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method != "GET" and not current_user.has_role(Role.ADMIN):
            abort(403)
        return view(*args, **kwargs)
    return wrapper


@bp.get("/sla-policies")
@login_required
@roles_required(*VIEWERS)
def sla_policies():
    """Every policy, by type then priority, with the "which policy applies?" tester."""
    policies = db.session.scalars(sa.select(SlaPolicy).order_by(
        SlaPolicy.type, SlaPolicy.priority, SlaPolicy.id)).all()
    return render_template("admin/sla_policies.html", policies=policies,
                           tester=TesterForm(formdata=None), **_page_helpers())


@bp.route("/sla-policies/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.ADMIN)
def sla_policy_new():
    """Create a policy (303 to the list) or answer 400 with the reason, saving nothing."""
    form = PolicyForm()
    if form.is_submitted():
        if form.validate() and (policy := _save(None, form)):
            flash(_("Đã thêm chính sách “%(name)s”.", name=policy.name), "success")
            return redirect(url_for("admin.sla_policies"), 303)
        return _render_form(None, form, 400)
    form.valid_from.data = local(utcnow()).date()
    form.fill_duration(3 * services.day_minutes("business"), "business")
    return _render_form(None, form)


@bp.route("/sla-policies/<int:policy_id>", methods=["GET", "POST"])
@login_required
@roles_required(*VIEWERS)
@admin_posts
def sla_policy_edit(policy_id: int):
    """Show a policy (read-only for supervisors) or save an admin's changes; 400 saves nothing."""
    policy = _policy_or_404(policy_id)
    if request.method == "POST":
        form = PolicyForm()
        if form.validate() and _save(policy, form):
            flash(_("Đã lưu chính sách “%(name)s”.", name=policy.name), "success")
            return redirect(url_for("admin.sla_policies"), 303)
        return _render_form(policy, form, 400)
    form = PolicyForm(obj=policy)
    form.fill_duration(policy.duration_minutes, policy.clock)
    return _render_form(policy, form)


@bp.post("/sla-policies/<int:policy_id>/toggle")
@login_required
@roles_required(Role.ADMIN)
def sla_policy_toggle(policy_id: int):
    """Switch a policy on or off; open tickets are recomputed after the commit."""
    policy = services.toggle_policy(_policy_or_404(policy_id))
    services.enqueue_recompute()
    db.session.commit()
    flash(_("Đã bật chính sách “%(name)s”.", name=policy.name) if policy.is_active
          else _("Đã tắt chính sách “%(name)s”.", name=policy.name), "success")
    return redirect(url_for("admin.sla_policies"), 303)


@bp.get("/sla-policies/tester")
@login_required
@roles_required(*VIEWERS)
def sla_policy_tester():
    """Which policy a ticket would get and when it would be due; bad input answers 400."""
    form = TesterForm(request.args)
    if not request.args:
        return _render_tester(form, None)
    try:
        answer = services.which_policy(form.type.data, form.subtype.data, form.area.data,
                                       form.received.data)
    except (PolicyError, ValueError) as exc:
        form.form_errors.append(str(exc))
        return _render_tester(form, None, 400)
    return _render_tester(form, answer)


def _policy_or_404(policy_id: int) -> SlaPolicy:
    policy = db.session.get(SlaPolicy, policy_id)
    if policy is None:
        abort(404)
    return policy


def _save(policy: SlaPolicy | None, form: PolicyForm) -> SlaPolicy | None:
    """Save the form and commit, the recompute enqueued first; None (rolled back) if refused."""
    try:
        saved = services.save_policy(policy, **form.fields())
    except PolicyError as exc:
        db.session.rollback()
        form.form_errors.append(str(exc))
        return None
    services.enqueue_recompute()
    db.session.commit()
    return saved


def _page_helpers() -> dict:
    """What every SLA page formats with: durations in working days of today's office hours."""
    business_day = services.day_minutes("business")
    today = local(utcnow()).date()
    return dict(can_edit=current_user.has_role(Role.ADMIN), today=today,
                subtype_label=services.subtype_label,
                duration=lambda p: services.describe_duration(p.duration_minutes, p.clock,
                                                              business_day))


def _render_form(policy: SlaPolicy | None, form: PolicyForm, status: int = 200):
    return render_template("admin/sla_policy_form.html", policy=policy, form=form,
                           **_page_helpers()), status


def _render_tester(form: TesterForm, answer, status: int = 200):
    return render_template("admin/sla_tester.html", tester=form, answer=answer,
                           **_page_helpers()), status


from crm.admin import sla_calendar  # noqa: E402,F401  (the calendar pages, same blueprint)
