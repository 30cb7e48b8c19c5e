"""Forms of the planned-outage pages: the search box, the CSV upload, cancelling."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from crm.routing.forms import LocalDate


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class SearchForm(FlaskForm):
    """The GET search of `/planned-outages` (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Mã khách hàng hoặc số điện thoại"), filters=[_strip],
                    validators=[Length(max=64)])
    ward = StringField(_l("Phường/xã (mã hoặc tên)"), filters=[_strip],
                       validators=[Length(max=100)])
    district = SelectField(_l("Điện lực"), validate_choice=False)
    since = LocalDate(_l("Từ ngày"), validators=[Optional()])
    until = LocalDate(_l("Đến ngày"), validators=[Optional()])


class UploadForm(FlaskForm):
    file = FileField(_l("Tệp CSV"), validators=[FileRequired(_l("Vui lòng chọn tệp CSV."))])


class CancelForm(FlaskForm):
    """Only the CSRF token: cancelling asks nothing more."""
