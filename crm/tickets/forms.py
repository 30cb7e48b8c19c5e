"""The forms of the ticket page; choices depend on the ticket and the user, so each has a builder."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from crm import labels
from crm.extensions import db
from crm.inbox.services import reply_channels
from crm.models import District, Role, Status, Ticket, User

#: Closing a ticket records what was done; these statuses need it.
NEEDS_RESULT = {str(Status.RESOLVED), str(Status.CLOSED)}
INVALID_CHOICE = _l("Lựa chọn không hợp lệ.")


class Choice(SelectField):
    """A select whose refusal of a forged or stale value reads in Vietnamese."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(INVALID_CHOICE)) from exc

    def pre_validate(self, form):
        if self.data not in {value for value, _label in self.choices}:
            raise ValidationError(INVALID_CHOICE)


class ReplyForm(FlaskForm):
    recipient = Choice(_l("Gửi cho"), choices=[])
    channel = Choice(_l("Gửi qua kênh"), choices=[])
    body = TextAreaField(_l("Nội dung trả lời"), validators=[
        DataRequired(_l("Vui lòng nhập nội dung trả lời.")), Length(max=5000)])


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Ghi chú nội bộ"), validators=[
        DataRequired(_l("Vui lòng nhập nội dung ghi chú.")), Length(max=10000)])
    file = FileField(_l("Tệp đính kèm"), validators=[Optional()])


class StatusForm(FlaskForm):
    status = Choice(_l("Trạng thái"), choices=[])
    result = TextAreaField(_l("Kết quả giải quyết"), validators=[Length(max=5000)])

    def validate_result(self, field):
        if self.status.data in NEEDS_RESULT and not (field.data or "").strip():
            raise ValidationError(_l("Cần nhập kết quả khi giải quyết hoặc đóng phiếu."))


class AssignForm(FlaskForm):
    assignee = Choice(_l("Người xử lý"), choices=[])
    take = HiddenField()            #: "1" from the "Nhận phiếu" button: assign to oneself

    @property
    def wants_self(self) -> bool:
        return self.take.data == "1"


class TransferForm(FlaskForm):
    district = Choice(_l("Chuyển đến Điện lực"), coerce=int, choices=[],
                           validators=[DataRequired(_l("Vui lòng chọn Điện lực."))])
    reason = TextAreaField(_l("Lý do chuyển"), validators=[
        DataRequired(_l("Vui lòng nhập lý do chuyển phiếu.")), Length(max=1000)])


def reply_form(ticket: Ticket, formdata=None) -> ReplyForm:
    """The reply form; a ticket with other customers (merged duplicates) asks whom to answer."""
    from crm.tickets.merge import recipients_of

    form = ReplyForm(formdata=formdata)
    form.channel.choices = [(str(ch), labels.label("channel", ch))
                            for ch in reply_channels(ticket)]
    recipients = recipients_of(ticket)
    if len(recipients) > 1:
        form.recipient.choices = [(str(c.id), f"{c.name} ({c.code or _l('chưa có mã')})")
                                  for c in recipients]
    else:
        del form.recipient
    return form


def note_form(ticket: Ticket, formdata=None) -> NoteForm:
    return NoteForm(formdata=formdata)


def status_form(ticket: Ticket, formdata=None) -> StatusForm:
    form = StatusForm(formdata=formdata, status=str(ticket.status), result=ticket.result)
    form.status.choices = labels.choices("status")
    return form


def assignable_users(ticket: Ticket, actor: User) -> list[User]:
    """Who may be given the ticket: its district's staff, plus centre agents and supervisors
    unless the actor is district staff (they hand work only to their own colleagues)."""
    district_staff = sa.and_(User.role == Role.DISTRICT_STAFF,
                             User.district_id == ticket.district_id)
    who = district_staff if actor.is_district_scoped else sa.or_(
        district_staff, User.role.in_([Role.AGENT, Role.SUPERVISOR]))
    return db.session.scalars(sa.select(User).where(who, User.is_active_account)
                              .order_by(User.role, User.full_name, User.id)).all()


def assign_form(ticket: Ticket, actor: User, formdata=None) -> AssignForm:
    form = AssignForm(formdata=formdata, assignee=str(ticket.assignee_id or ""))
    users = assignable_users(ticket, actor)
    if ticket.assignee and ticket.assignee not in users:   # keep the current one selectable
        users.insert(0, ticket.assignee)
    form.assignee.choices = [("", str(_l("— Chưa phân công —")))] + [
        (str(u.id), f"{u.full_name} ({labels.label('role', u.role)})") for u in users]
    return form


def transfer_form(ticket: Ticket, formdata=None) -> TransferForm:
    form = TransferForm(formdata=formdata)
    others = db.session.scalars(sa.select(District).where(District.id != ticket.district_id)
                                .order_by(District.code)) if ticket.district_id else \
        db.session.scalars(sa.select(District).order_by(District.code))
    form.district.choices = [(0, str(_l("— Chọn Điện lực —")))] + [
        (d.id, str(d)) for d in others]
    return form
