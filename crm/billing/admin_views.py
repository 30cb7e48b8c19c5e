"""Biểu giá điện (tariff admin): admins edit price tables and VAT rates, supervisors read.

Every save is audited; a refused one answers 400 with the reason and changes nothing.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from crm.admin.sla import admin_posts
from crm.billing import queries, services
from crm.billing.forms import TariffForm, VatRateForm, field_for
from crm.billing.views import bp
from crm.core.permissions import roles_required
from crm.core.timefmt import fmt_date
from crm.extensions import db
from crm.models import Role, TariffVersion, VatRate

VIEWERS = (Role.ADMIN, Role.SUPERVISOR)
DEFAULT_BOUNDS = (50, 100, 200, 300, 400, None)


@bp.get("/admin/tariffs")
@login_required
@roles_required(*VIEWERS)
def tariffs():
    """Every price table and VAT rate, newest first, the one in force today marked."""
    return render_template("billing/tariffs.html", versions=queries.tariff_versions(),
                           rates=queries.vat_rates(), **_helpers())


@bp.route("/admin/tariffs/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.ADMIN)
def tariff_new():
    """Add a price table (303 to the list); the open-ended current one ends the day before."""
    form = TariffForm()
    if form.is_submitted():
        return _save_tariff(None, form)
    latest = next(iter(queries.tariff_versions()), None)
    if latest is not None:
        form.fill(latest)
        form.note.data = form.valid_to.data = None
    else:
        for row, bound in zip(form.tiers, DEFAULT_BOUNDS):
            row.up_to.data = bound
    form.valid_from.data = queries.today()
    return _render_tariff(None, form)


@bp.route("/admin/tariffs/<int:version_id>", methods=["GET", "POST"])
@login_required
@roles_required(*VIEWERS)
@admin_posts
def tariff_edit(version_id: int):
    """Show a price table (read-only for supervisors) or save an admin's changes."""
    version = _get_or_404(TariffVersion, version_id)
    form = TariffForm()
    if request.method == "POST":
        return _save_tariff(version, form)
    form.fill(version)
    return _render_tariff(version, form)


@bp.route("/admin/vat-rates/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.ADMIN)
def vat_rate_new():
    form = VatRateForm()
    if form.is_submitted():
        return _save_vat(None, form)
    form.valid_from.data = queries.today()
    return _render_vat(None, form)


@bp.route("/admin/vat-rates/<int:rate_id>", methods=["GET", "POST"])
@login_required
@roles_required(*VIEWERS)
@admin_posts
def vat_rate_edit(rate_id: int):
    rate = _get_or_404(VatRate, rate_id)
    if request.method == "POST":
        return _save_vat(rate, VatRateForm())
    return _render_vat(rate, VatRateForm(obj=rate))


def _get_or_404(model, row_id: int):
    row = db.session.get(model, row_id)
    if row is None:
        abort(404)
    return row


def _save_tariff(version: TariffVersion | None, form: TariffForm):
    if not form.validate():
        return _render_tariff(version, form, 400)
    try:
        saved = services.save_tariff(version, **form.fields())
    except services.TariffError as exc:
        db.session.rollback()
        _report(form, exc)
        return _render_tariff(version, form, 400)
    db.session.commit()
    flash(_("Đã lưu biểu giá áp dụng từ %(day)s.", day=fmt_date(saved.valid_from)), "success")
    return redirect(url_for("billing.tariffs"), 303)


def _save_vat(rate: VatRate | None, form: VatRateForm):
    if not form.validate():
        return _render_vat(rate, form, 400)
    try:
        saved = services.save_vat_rate(rate, **form.fields())
    except services.TariffError as exc:
        db.session.rollback()
        _report(form, exc)
        return _render_vat(rate, form, 400)
    db.session.commit()
    flash(_("Đã lưu thuế suất GTGT áp dụng từ %(day)s.", day=fmt_date(saved.valid_from)),
          "success")
    return redirect(url_for("billing.tariffs"), 303)


def _report(form, exc: services.TariffError) -> None:
    field = field_for(form, exc.field)
    if field is None:
        form.form_errors.append(str(exc))
    else:
        field.errors = [*field.errors, str(exc)]


def _helpers() -> dict:
    return dict(can_edit=current_user.has_role(Role.ADMIN), today=queries.today())


def _render_tariff(version, form, status: int = 200):
    return render_template("billing/tariff_form.html", version=version, form=form,
                           **_helpers()), status


def _render_vat(rate, form, status: int = 200):
    return render_template("billing/vat_form.html", rate=rate, form=form,
                           **_helpers()), status
