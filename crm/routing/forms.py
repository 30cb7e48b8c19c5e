"""Forms of the routing pages and of the presence menu."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from crm.extensions import db
from crm.models import AssignmentMode, District, Presence, Ward

#: The presence menu, in the order staff use it.
PRESENCE_LABELS = {
    Presence.AVAILABLE: _l("Sẵn sàng"),
    Presence.AWAY: _l("Vắng mặt"),
    Presence.LUNCH: _l("Nghỉ trưa"),
    Presence.OFFLINE: _l("Ngoài ca"),
}
MODE_LABELS = {
    AssignmentMode.MANUAL: _l("Thủ công (giám sát phân công)"),
    AssignmentMode.ROUND_ROBIN: _l("Xoay vòng"),
    AssignmentMode.LOAD: _l("Theo khối lượng việc"),
}
#: The pool value of the care centre in the rule form (district pools use their id).
CENTRE = "centre"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def choice(label, *, invalid=_l("Lựa chọn không hợp lệ."), **kwargs) -> SelectField:
    """A select whose refusal of a forged or stale value reads in Vietnamese."""
    return SelectField(label, invalid_value_message=invalid, invalid_choice_message=invalid,
                       **kwargs)


def options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value=value, label=str(text)) for value, text in pairs]


class LocalDate(DateField):
    """A date from `<input type=date>` (yyyy-mm-dd) or typed as dd/mm/yyyy."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, format=["%Y-%m-%d", "%d/%m/%Y"], invalid_value_message=_l(
            "Ngày không hợp lệ, hãy nhập theo dạng dd/mm/yyyy."), **kwargs)


class ScheduleForm(FlaskForm):
    """A new office for a ward from a date (until an optional date)."""

    ward = StringField(_l("Mã phường/xã (mã địa bàn của Điện lực)"), filters=[_strip],
                       validators=[DataRequired(_l("Vui lòng nhập mã phường/xã.")),
                                   Length(max=32)])
    district = choice(_l("Điện lực phục vụ"), coerce=int,
                      invalid=_l("Không tìm thấy Điện lực đã chọn."),
                      validators=[DataRequired(_l("Vui lòng chọn Điện lực."))])
    valid_from = LocalDate(_l("Từ ngày"), validators=[
        InputRequired(_l("Vui lòng nhập ngày bắt đầu."))])
    valid_to = LocalDate(_l("Đến hết ngày"), validators=[Optional()])

    found_ward: Ward | None = None

    def validate_ward(self, field):
        self.found_ward = db.session.scalar(sa.select(Ward).where(Ward.code == field.data))
        if self.found_ward is None:
            raise ValidationError(_l("Không tìm thấy phường/xã có mã %(code)s.", code=field.data))

    def validate_valid_to(self, field):
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_l("Ngày kết thúc phải bằng hoặc sau ngày bắt đầu."))


class RuleForm(FlaskForm):
    """How one pool (a district office, or the care centre) shares out its work."""

    pool = choice(_l("Nhóm"), invalid=_l("Không tìm thấy Điện lực đã chọn."))
    mode = choice(_l("Cách phân công"))


class PresenceForm(FlaskForm):
    presence = choice(_l("Trạng thái làm việc"))
    next = HiddenField()


def presence_form(formdata=None) -> PresenceForm:
    form = PresenceForm(formdata=formdata)
    form.presence.choices = options((p.value, text) for p, text in PRESENCE_LABELS.items())
    return form


def district_choices() -> list[tuple[int, str]]:
    return [(d.id, str(d)) for d in db.session.scalars(sa.select(District)
                                                       .order_by(District.code))]


def schedule_form(formdata=None, **defaults) -> ScheduleForm:
    form = ScheduleForm(formdata=formdata, **defaults)
    form.district.choices = options([(0, _l("— Chọn Điện lực —"))] + district_choices())
    return form


def rule_form(formdata=None) -> RuleForm:
    form = RuleForm(formdata=formdata)
    form.pool.choices = options([(CENTRE, _l("Trung tâm CSKH"))] + [
        (str(value), text) for value, text in district_choices()])
    form.mode.choices = options((m.value, text) for m, text in MODE_LABELS.items())
    return form
