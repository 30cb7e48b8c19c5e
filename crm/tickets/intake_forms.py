"""The "new ticket" form an agent fills in while the customer is on the line."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

import workflows
from crm import labels
from crm.extensions import db
from crm.models import Ward

#: Channels an agent records by hand; "system" is for tickets the back office opens itself.
MANUAL_CHANNELS = ("hotline", "counter", "sms", "email", "zalo", "telegram", "web")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _type_choices():
    return [("", _l("— Chọn loại yêu cầu —"))] + workflows.choices()


def _channel_choices():
    names = dict(labels.choices("channel"))
    return [(key, names[key]) for key in MANUAL_CHANNELS]


def _priority_choices():
    return [("", _l("Mặc định theo loại yêu cầu"))] + labels.choices("priority")


class IntakeForm(FlaskForm):
    phone = HiddenField(filters=[_strip])
    customer_id = IntegerField(validators=[Optional()])
    name = StringField(_l("Tên khách hàng"), filters=[_strip], validators=[Length(max=200)])
    type = SelectField(_l("Loại yêu cầu"), choices=_type_choices,
                       validators=[DataRequired(_l("Vui lòng chọn loại yêu cầu."))])
    subtype = StringField(_l("Loại chi tiết"), filters=[_strip])
    channel = SelectField(_l("Kênh tiếp nhận"), choices=_channel_choices, default="hotline")
    priority = SelectField(_l("Mức ưu tiên"), choices=_priority_choices, default="")
    subject = StringField(_l("Tiêu đề"), filters=[_strip],
                          validators=[DataRequired(_l("Vui lòng nhập tiêu đề.")),
                                      Length(max=300)])
    description = TextAreaField(_l("Nội dung"), filters=[_strip],
                                validators=[Optional(), Length(max=10000)])
    ward_id = IntegerField(_l("Phường/xã"), validators=[Optional()])

    def validate_subtype(self, field):
        workflow = workflows.WORKFLOWS.get(self.type.data)
        if workflow is None:
            return          # the type field reports the problem
        try:
            field.data = workflow.validate_subtype(field.data or None)
        except ValueError:
            raise ValidationError(_l("Chọn loại chi tiết phù hợp với loại yêu cầu.")) from None

    def validate_ward_id(self, field):
        if field.data is not None and db.session.get(Ward, field.data) is None:
            raise ValidationError(_l("Phường/xã không tồn tại."))

    @property
    def ward(self) -> Ward | None:
        return db.session.get(Ward, self.ward_id.data) if self.ward_id.data else None
