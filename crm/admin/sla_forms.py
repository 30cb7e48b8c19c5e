"""Forms of the SLA admin pages: policies, the policy tester, calendar days and office hours.

Selects do not refuse unknown values themselves: the services' checks do, with the reason in
Vietnamese (an unknown type or subtype is a PolicyError, answered 400).
"""
from __future__ import annotations

from datetime import time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import Form, FieldList, FormField, IntegerField, SelectField, StringField, \
    TextAreaField
from wtforms.validators import Length, NumberRange, StopValidation, ValidationError
from wtforms.widgets import DateInput, TimeInput

import workflows
from crm import labels
from crm.admin import sla_services as services
from crm.models import CalendarDayKind, SlaClock

MAX_SLOTS = 3
NOT_NEGATIVE = _l("Không được là số âm.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _required(message):
    """Like DataRequired, but keeps a parse error ("ngày không hợp lệ") as the reason."""
    def check(_form, field):
        if field.data is None and not field.errors:
            raise StopValidation(message)
    return check


class WholeNumber(IntegerField):
    """An integer whose refusal reads in Vietnamese; a blank box means `blank`."""

    def __init__(self, *args, blank=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.blank = blank

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = self.blank
            return
        try:
            self.data = int(text)
        except ValueError:
            self.data = None
            raise ValueError(str(_l("Vui lòng nhập một số nguyên."))) from None


class DayField(StringField):
    """A date typed as YYYY-MM-DD (the browser's date box) or dd/mm/yyyy; `data` is a date."""

    widget = DateInput()

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if text:
            self.data = services.parse_day(text)       # ValueError: a Vietnamese reason

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if self.data else ""


def type_choices():
    return workflows.choices()


def subtype_choices():
    """Every subtype, labelled with its type ("Cấp điện mới › Hạ áp"); blank matches any."""
    options = [("", str(_l("Mọi loại chi tiết")))]
    for wf in workflows.WORKFLOWS.values():
        options += [(key, f"{wf.title} › {title}") for key, title in wf.subtypes.items()]
    return options


def clock_choices():
    return [(str(SlaClock.BUSINESS), str(_l("Ngày làm việc (giờ hành chính)"))),
            (str(SlaClock.CALENDAR), str(_l("24/7 (giờ liên tục)")))]


class PolicyForm(FlaskForm):
    name = StringField(_l("Tên chính sách"), filters=[_strip], validators=[
        Length(max=200, message=_l("Tên dài tối đa 200 ký tự."))])
    type = SelectField(_l("Loại yêu cầu"), validate_choice=False)
    subtype = SelectField(_l("Loại chi tiết"), validate_choice=False)
    area_type = SelectField(_l("Khu vực"), validate_choice=False)
    priority = WholeNumber(_l("Thứ tự ưu tiên"), default=100)
    clock = SelectField(_l("Cách tính thời gian"), validate_choice=False)
    days = WholeNumber(_l("Ngày"), blank=0, validators=[NumberRange(min=0, message=NOT_NEGATIVE)])
    hours = WholeNumber(_l("Giờ"), blank=0, validators=[NumberRange(min=0, message=NOT_NEGATIVE)])
    minutes = WholeNumber(_l("Phút"), blank=0,
                          validators=[NumberRange(min=0, message=NOT_NEGATIVE)])
    warn_percent = WholeNumber(_l("Cảnh báo khi đã dùng (%)"), default=75)
    valid_from = DayField(_l("Hiệu lực từ ngày"),
                          validators=[_required(_l("Vui lòng nhập ngày bắt đầu hiệu lực."))])
    valid_to = DayField(_l("Đến hết ngày"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type.choices = type_choices()
        self.subtype.choices = subtype_choices()
        self.area_type.choices = [("", str(_l("Mọi khu vực")))] + labels.choices("area_type")
        self.clock.choices = clock_choices()

    def fill_duration(self, minutes: int, clock) -> None:
        """Show a stored duration as days (of the clock) + hours + minutes."""
        self.days.data, self.hours.data, self.minutes.data = services.split_minutes(
            minutes, services.day_minutes(clock))

    def duration_minutes(self) -> int:
        """The typed duration in minutes; a day is the office hours of one working day (8 h)
        for a business clock and 24 h for a 24/7 one."""
        clock = self.clock.data if self.clock.data in SlaClock.values() else SlaClock.BUSINESS
        return (self.days.data * services.day_minutes(clock) + self.hours.data * 60
                + self.minutes.data)

    def fields(self) -> dict:
        """The keyword arguments of `sla_services.save_policy`."""
        return dict(name=self.name.data, type_=self.type.data, subtype=self.subtype.data,
                    area_type=self.area_type.data, priority=self.priority.data,
                    clock=self.clock.data, duration_minutes=self.duration_minutes(),
                    warn_percent=self.warn_percent.data, valid_from=self.valid_from.data,
                    valid_to=self.valid_to.data)


class TesterForm(FlaskForm):
    """Which policy applies? Read from the query string: no CSRF, nothing is written."""

    class Meta:
        csrf = False

    type = SelectField(_l("Loại yêu cầu"), validate_choice=False)
    subtype = SelectField(_l("Loại chi tiết"), validate_choice=False)
    area = SelectField(_l("Khu vực"), validate_choice=False)
    received = StringField(_l("Thời điểm tiếp nhận"), filters=[_strip],
                           render_kw={"type": "datetime-local"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type.choices = type_choices()
        self.subtype.choices = subtype_choices()
        self.area.choices = labels.choices("area_type") + [("", str(_l("Chưa rõ khu vực")))]


def kind_choices():
    return [(str(CalendarDayKind.DAY_OFF), str(_l("Ngày nghỉ thêm"))),
            (str(CalendarDayKind.WORKING_DAY), str(_l("Ngày làm bù")))]


def _valid_kind(_form, field):
    if field.data not in CalendarDayKind.values():
        raise StopValidation(_l("Lựa chọn không hợp lệ."))


class DayForm(FlaskForm):
    day = DayField(_l("Ngày"), validators=[_required(_l("Vui lòng nhập ngày."))])
    kind = SelectField(_l("Loại"), validate_choice=False, validators=[_valid_kind])
    name = StringField(_l("Tên / lý do"), filters=[_strip], validators=[
        Length(max=200, message=_l("Tên dài tối đa 200 ký tự."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices()


class ClearDayForm(FlaskForm):
    day = DayField(_l("Ngày"), validators=[_required(_l("Vui lòng nhập ngày."))])


class ImportForm(FlaskForm):
    kind = SelectField(_l("Thêm các ngày này là"), validate_choice=False,
                       validators=[_valid_kind])
    text = TextAreaField(_l("Danh sách ngày"))
    file = FileField(_l("hoặc tệp CSV"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices()

    def content(self) -> str:
        """The uploaded file's text (UTF-8) when one was sent, else the text box."""
        upload = self.file.data
        if not (upload and getattr(upload, "filename", "")):
            return self.text.data or ""
        data = upload.read(services.MAX_IMPORT_BYTES + 1)
        if len(data) > services.MAX_IMPORT_BYTES:
            raise ValueError(str(_l("Tệp quá lớn (tối đa %(kb)d KB).",
                                    kb=services.MAX_IMPORT_BYTES // 1024)))
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValueError(str(_l("Tệp phải là văn bản UTF-8."))) from None


class ConfirmYearForm(FlaskForm):
    confirmed_year = WholeNumber(_l("Năm"), validators=[
        NumberRange(min=services.MIN_YEAR, max=services.MAX_YEAR,
                    message=_l("Năm không hợp lệ."))])


class SlotForm(Form):
    start = StringField(_l("Từ"), filters=[_strip], widget=TimeInput())
    end = StringField(_l("Đến"), filters=[_strip], widget=TimeInput())


class OfficeHoursForm(FlaskForm):
    slots = FieldList(FormField(SlotForm), min_entries=MAX_SLOTS, max_entries=MAX_SLOTS)

    def fill(self, hours) -> None:
        for entry, (start, end) in zip(self.slots.entries, hours.slots):
            entry.form.start.data, entry.form.end.data = _hhmm(start), _hhmm(end)

    def slot_errors(self) -> list[str]:
        """The messages about the slots as a whole (FieldList also keeps one list per row)."""
        return [str(error) for error in self.slots.errors if not isinstance(error, (list, dict))]

    def validate_slots(self, field):
        """Vietnamese reasons for the usual mistakes; the store checks the rest again."""
        pairs = self.pairs()
        if not pairs:
            raise ValidationError(_l("Cần ít nhất một khung giờ làm việc."))
        previous_end = None
        for number, (start, end) in enumerate(pairs, start=1):
            if not start or not end:
                raise ValidationError(_l("Khung giờ %(n)d thiếu giờ bắt đầu hoặc giờ kết thúc.",
                                         n=number))
            begin, finish = _parse_time(start, number), _parse_time(end, number)
            if begin >= finish:
                raise ValidationError(_l("Khung giờ %(n)d phải kết thúc sau khi bắt đầu.",
                                         n=number))
            if previous_end is not None and begin < previous_end:
                raise ValidationError(_l("Khung giờ %(n)d phải bắt đầu sau khi khung trước "
                                         "kết thúc.", n=number))
            previous_end = finish

    def pairs(self) -> list[tuple[str, str]]:
        """The slots typed, in order, skipping rows left entirely blank."""
        return [(e.form.start.data or "", e.form.end.data or "") for e in self.slots.entries
                if e.form.start.data or e.form.end.data]


def _parse_time(text: str, number: int) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise ValidationError(_l("Khung giờ %(n)d: giờ không hợp lệ “%(text)s” (dùng HH:MM).",
                                 n=number, text=text)) from None


def _hhmm(moment: time) -> str:
    return moment.strftime("%H:%M")
