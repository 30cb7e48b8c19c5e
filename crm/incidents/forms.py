"""Forms of the incident and suspension pages."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, DateTimeLocalInput, ListWidget

import workflows
from crm.core.timefmt import LOCAL_TZ, local
from crm.incidents.suspensions import NEVER_SUSPENDED

INPUT_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")


class LocalDateTimeField(Field):
    """A `datetime-local` input read as Vietnam time; `data` is an aware UTC datetime."""

    widget = DateTimeLocalInput()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return local(self.data).strftime(INPUT_FORMATS[0]) if self.data else ""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not text:
            return
        for fmt in INPUT_FORMATS:
            try:
                self.data = datetime.strptime(text, fmt).replace(tzinfo=LOCAL_TZ)
                return
            except ValueError:
                continue
        raise ValueError(str(_l("Ngày giờ không hợp lệ.")))


class Checkboxes(SelectMultipleField):
    """Several ticket types as checkboxes; a forged value is refused in Vietnamese."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        allowed = {value for value, _label in self.choices}
        if any(value not in allowed for value in self.data or []):
            raise ValidationError(_l("Lựa chọn không hợp lệ."))


def _type_choices():
    return [(name, title) for name, title in workflows.choices() if name not in NEVER_SUSPENDED]


class ExpectedRestoreForm(FlaskForm):
    expected_restore_at = LocalDateTimeField(
        _l("Dự kiến có điện lại"),
        validators=[InputRequired(_l("Vui lòng nhập thời gian dự kiến có điện lại."))])


class RestoreForm(FlaskForm):
    cause = TextAreaField(_l("Nguyên nhân sự cố"), validators=[
        DataRequired(_l("Cần nhập nguyên nhân sự cố.")), Length(max=2000)])


class SuspensionForm(FlaskForm):
    types = Checkboxes(_l("Loại yêu cầu tạm dừng"), choices=_type_choices,
                       validators=[DataRequired(_l("Chọn ít nhất một loại yêu cầu cần tạm dừng."))])
    starts_at = LocalDateTimeField(
        _l("Bắt đầu"), validators=[InputRequired(_l("Cần nhập thời điểm bắt đầu."))])
    ends_at = LocalDateTimeField(_l("Kết thúc (để trống: đến khi dỡ bỏ)"), validators=[Optional()])
    notice = TextAreaField(_l("Thông báo cho khách hàng"), validators=[
        DataRequired(_l("Cần nhập nội dung thông báo cho khách hàng.")), Length(max=1000)])

    def validate_ends_at(self, field):
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("Thời điểm kết thúc phải sau thời điểm bắt đầu."))
