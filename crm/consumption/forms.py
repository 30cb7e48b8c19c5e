"""The readings upload form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired


class ImportForm(FlaskForm):
    file = FileField(_l("Tệp chỉ số (CSV, UTF-8)"), validators=[
        FileRequired(_l("Chọn tệp CSV cần nhập.")),
        FileAllowed(["csv", "txt"], _l("Chỉ nhận tệp .csv hoặc .txt."))])
