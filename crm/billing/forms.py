"""Forms of the bill estimate tool and of the tariff and VAT admin pages.

Number and date boxes refuse unreadable text themselves (Vietnamese reasons); the rules that
need the other fields or the database (increasing bounds, overlapping dates, a day without
prices) are the services' and the estimate's, reported against the field they concern.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, StringField
from wtforms.validators import InputRequired, Length

from crm.admin.sla_forms import DayField, WholeNumber
from crm.billing.services import TIERS

NOTE = dict(filters=[lambda v: v.strip() if isinstance(v, str) else v],
            validators=[Length(max=200, message=_l("Ghi chú dài tối đa 200 ký tự."))])


class EstimateForm(FlaskForm):
    """Read from the query string: nothing is written, so no CSRF token."""

    class Meta:
        csrf = False

    kwh = WholeNumber(_l("Sản lượng (kWh)"), validators=[
        InputRequired(message=_l("Vui lòng nhập sản lượng điện (kWh)."))])
    households = WholeNumber(_l("Số hộ dùng chung công tơ"), blank=1, default=1)
    period_from = DayField(_l("Từ ngày"))
    period_to = DayField(_l("Đến ngày"))


class TierForm(Form):
    up_to = WholeNumber(_l("Đến (kWh)"))
    price = WholeNumber(_l("Giá (đ/kWh)"))


class TariffForm(FlaskForm):
    valid_from = DayField(_l("Hiệu lực từ ngày"))
    valid_to = DayField(_l("Đến hết ngày"))
    note = StringField(_l("Ghi chú (căn cứ)"), **NOTE)
    tiers = FieldList(FormField(TierForm), min_entries=TIERS, max_entries=TIERS)

    def fill(self, version) -> None:
        """Show a stored table (the form's own tier rows, whatever the stored count)."""
        self.valid_from.data, self.valid_to.data = version.valid_from, version.valid_to
        self.note.data = version.note
        for row, tier in zip(self.tiers, version.tiers):
            row.up_to.data, row.price.data = tier.up_to_kwh, tier.price

    def fields(self) -> dict:
        """The keyword arguments of `services.save_tariff` (the last bound is open)."""
        return dict(valid_from=self.valid_from.data, valid_to=self.valid_to.data,
                    note=self.note.data, bounds=[row.up_to.data for row in self.tiers][:-1],
                    prices=[row.price.data for row in self.tiers])


class VatRateForm(FlaskForm):
    valid_from = DayField(_l("Hiệu lực từ ngày"))
    valid_to = DayField(_l("Đến hết ngày"))
    percent = WholeNumber(_l("Thuế suất (%)"))
    note = StringField(_l("Ghi chú (căn cứ)"), **NOTE)

    def fields(self) -> dict:
        return dict(valid_from=self.valid_from.data, valid_to=self.valid_to.data,
                    percent=self.percent.data, note=self.note.data)


def field_for(form, name: str | None):
    """The form field a service error names ("tiers-2-price" is a tier row's box), or None."""
    if not name:
        return None
    if name.startswith("tiers-"):
        _prefix, index, sub = name.split("-", 2)
        return form.tiers[int(index)][sub]
    return getattr(form, name, None)
