"""Forms of the register: a household (add, correct, propose on a ticket), ending one."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from crm.households import citizen_ids
from crm.households.services import HouseholdData


TOO_LONG = _l("Tối đa %(max)d ký tự.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class VnDateField(DateField):
    """A date typed as the browser's yyyy-mm-dd or as dd/mm/yyyy, with our own message."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=["%Y-%m-%d", "%d/%m/%Y"], **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(_l("Ngày không hợp lệ (dd/mm/yyyy)."))) from None


class HouseholdForm(FlaskForm):
    head_name = StringField(_l("Họ tên chủ hộ"), filters=[_strip], validators=[
        DataRequired(_l("Vui lòng nhập họ tên chủ hộ.")), Length(max=200, message=TOO_LONG)])
    citizen_id = StringField(_l("Số CCCD"), filters=[_strip], validators=[
        DataRequired(_l("Vui lòng nhập số CCCD của chủ hộ."))])
    paper_number = StringField(_l("Số giấy xác nhận cư trú (tạm trú)"), filters=[_strip],
                               validators=[Optional(), Length(max=50, message=TOO_LONG)])
    paper_expires_on = VnDateField(_l("Giấy có hiệu lực đến"), validators=[Optional()])
    address_note = StringField(_l("Ghi chú địa chỉ"), filters=[_strip],
                               validators=[Optional(), Length(max=300, message=TOO_LONG)])
    since = VnDateField(_l("Dùng chung từ ngày"), validators=[Optional()])
    is_main = BooleanField(_l("Hộ chính (hộ của chủ hợp đồng)"))

    def validate_citizen_id(self, field):
        try:
            field.data = citizen_ids.normalise(field.data)
        except citizen_ids.InvalidCitizenId as exc:
            if str(exc) == "province":
                raise ValidationError(_l("Ba chữ số đầu của CCCD là mã tỉnh nơi đăng ký khai "
                                         "sinh, từ 001 đến 096.")) from None
            raise ValidationError(_l("Số CCCD phải gồm đúng 12 chữ số.")) from None

    def data_for_service(self) -> HouseholdData:
        return HouseholdData(
            head_name=self.head_name.data, citizen_id=self.citizen_id.data,
            paper_number=self.paper_number.data or None,
            paper_expires_on=self.paper_expires_on.data,
            address_note=self.address_note.data or None, since=self.since.data,
            is_main=bool(self.is_main.data))


class EndForm(FlaskForm):
    until = VnDateField(_l("Thôi dùng chung từ ngày"), validators=[
        InputRequired(_l("Vui lòng nhập ngày kết thúc."))])
    reason = TextAreaField(_l("Lý do"), filters=[_strip],
                           validators=[Optional(), Length(max=300, message=TOO_LONG)])


class ContractChoiceForm(FlaskForm):
    """Which of the customer's contracts a change_households ticket changes."""

    contract_id = SelectField(_l("Hợp đồng"), coerce=int)
