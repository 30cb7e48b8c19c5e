"""Forms of the admin pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from crm.admin import services

SHORTCUT = r"^[a-z0-9_-]{2,32}$"


def _shortcut_filter(value):
    return value.strip().lower() if isinstance(value, str) else value


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CannedReplyForm(FlaskForm):
    shortcut = StringField(
        _l("Phím tắt"), filters=[_shortcut_filter],
        validators=[DataRequired(_l("Vui lòng nhập phím tắt.")),
                    Regexp(SHORTCUT, message=_l("Phím tắt chỉ gồm chữ thường không dấu, số, "
                                                "dấu - hoặc _, dài 2–32 ký tự."))])
    title = StringField(_l("Tiêu đề"), filters=[_strip],
                        validators=[DataRequired(_l("Vui lòng nhập tiêu đề.")), Length(max=200)])
    body = TextAreaField(_l("Nội dung"), filters=[_strip],
                         validators=[DataRequired(_l("Vui lòng nhập nội dung.")),
                                     Length(max=5000)])

    def __init__(self, *args, reply_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._reply_id = reply_id

    # The service's own checks, run here too so that the page shows every problem at once.
    def validate_shortcut(self, field):
        _raise_as_validation_error(services.check_shortcut, field.data, self._reply_id)

    def validate_body(self, field):
        _raise_as_validation_error(services.check_body, field.data)


def _raise_as_validation_error(check, *args):
    try:
        check(*args)
    except services.CannedReplyError as exc:
        raise ValidationError(str(exc)) from None
