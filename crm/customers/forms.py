"""Forms of the customer pages: adding a contact point, linking a provisional contact, the
customer's notice channel and opt-outs."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from crm import labels


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class ContactForm(FlaskForm):
    kind = SelectField(_l("Loại liên hệ"), choices=lambda: labels.choices("contact"),
                       validators=[DataRequired()])
    value = StringField(_l("Giá trị"), filters=[_strip],
                        validators=[DataRequired(_l("Vui lòng nhập giá trị liên hệ.")),
                                    Length(max=254)])


class LinkForm(FlaskForm):
    code = StringField(_l("Mã khách hàng"), filters=[_strip],
                       validators=[DataRequired(_l("Vui lòng nhập mã khách hàng.")),
                                   Length(max=20)])


class NoticeChannelForm(FlaskForm):
    """The preferred notice channel; the view fills the choices (channels the customer has an
    address on) and checks the answer against them, in Vietnamese."""
    channel = SelectField(_l("Kênh nhận thông báo"), choices=[], validate_choice=False)


class ConsentForm(FlaskForm):
    """An opt-out (`out`) or opt-in (`in`) on one channel, recorded for the customer."""
    channel = HiddenField(validators=[DataRequired()])
    state = HiddenField(validators=[DataRequired()])
