"""Step progression: in order, with the step's fields, resolving at the last step."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from crm.models import (AuditEvent, Direction, Message, Notification, Role, Status,
                        TicketStatusChange)
from crm.tickets import services, steps
from crm.tickets.steps import StepError

# Notices go on configured channels only: these tests expect them written.
pytestmark = pytest.mark.usefixtures("notice_channels")

SURVEY = {"survey_date": date(2026, 1, 5), "survey_result": "feasible"}
CONTRACT = {"contract_number": "HD-PC05AA-2026-0042", "signed_date": "2026-01-06"}
METER = {"meter_serial": "CT-20260107-15", "install_date": date(2026, 1, 7),
         "initial_reading": "0"}
ENERGISED = {"energised_at": datetime(2026, 1, 8, 9, 30)}          # Vietnam time


@pytest.fixture
def ticket(make):
    customer = make.customer(name="Trần Thị Bích", phone="+84905111222")
    return services.create_ticket(customer=customer, type="new_connection",
                                  subtype="low_voltage", channel="hotline",
                                  subject="Xin cấp điện cho nhà mới xây")


@pytest.fixture
def staff(make, ticket):
    return make.district_staff(ticket.district, full_name="Võ Văn Thành")


def _outbound(db_session, ticket) -> list[Message]:
    return db_session.scalars(sa.select(Message).where(
        Message.ticket_id == ticket.id, Message.direction == Direction.OUTBOUND)
        .order_by(Message.id)).all()


def _walk_to_energised(ticket, staff):
    for step, values in (("surveyed", SURVEY), ("contract_signed", CONTRACT),
                         ("meter_installed", METER), ("energised", ENERGISED)):
        steps.advance(ticket, step, values, actor=staff)


def test_a_step_with_missing_fields_is_refused_naming_them_and_nothing_changes(
        db_session, ticket, staff):
    with pytest.raises(StepError) as refused:
        steps.advance(ticket, "surveyed", {"survey_notes": "Nhà cấp 4"}, actor=staff)
    assert "Ngày khảo sát" in str(refused.value) and "Kết quả khảo sát" in str(refused.value)
    assert set(refused.value.fields) == {"survey_date", "survey_result"}
    assert ticket.step == "received" and ticket.status == Status.NEW
    assert "surveyed" not in ticket.details
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.ticket_id == ticket.id, AuditEvent.action == "step_changed")) == 0
    assert _outbound(db_session, ticket) == []


def test_invalid_values_are_named_too(ticket, staff):
    tomorrow = date.today() + timedelta(days=2)
    with pytest.raises(StepError) as refused:
        steps.advance(ticket, "surveyed", {"survey_date": tomorrow, "survey_result": "maybe"},
                      actor=staff)
    assert set(refused.value.fields) == {"survey_date", "survey_result"}
    assert "Giá trị không hợp lệ" in str(refused.value)


def test_steps_go_in_order_only(ticket, staff):
    with pytest.raises(StepError, match="Không thể chuyển"):
        steps.advance(ticket, "contract_signed", CONTRACT, actor=staff)
    steps.advance(ticket, "surveyed", SURVEY, actor=staff)
    with pytest.raises(StepError):
        steps.advance(ticket, "received", {}, actor=staff)
    with pytest.raises(StepError):
        steps.advance(ticket, "surveyed", SURVEY, actor=staff)


def test_the_first_step_opens_the_ticket_stores_the_values_and_audits_them(
        db_session, ticket, staff):
    steps.advance(ticket, "surveyed", {**SURVEY, "survey_notes": "  Cần kéo thêm 30 m dây "},
                  actor=staff)
    assert ticket.step == "surveyed" and ticket.status == Status.OPEN
    record = ticket.details["surveyed"]
    assert record["survey_date"] == "2026-01-05" and record["survey_result"] == "feasible"
    assert record["survey_notes"] == "Cần kéo thêm 30 m dây" and record["_by"] == "Võ Văn Thành"
    event = db_session.scalars(sa.select(AuditEvent).where(
        AuditEvent.ticket_id == ticket.id, AuditEvent.action == "step_changed")).one()
    assert event.actor_id == staff.id
    assert event.changes["step"] == ["received", "surveyed"]
    assert event.changes["survey_result"] == [None, "feasible"]
    history = db_session.scalars(sa.select(TicketStatusChange.status).where(
        TicketStatusChange.ticket_id == ticket.id).order_by(TicketStatusChange.id)).all()
    assert history == [Status.NEW, Status.OPEN]


def test_a_step_notice_is_queued_to_the_customer(db_session, ticket, staff):
    steps.advance(ticket, "surveyed", SURVEY, actor=staff)
    [notice] = _outbound(db_session, ticket)
    assert notice.meta == {"event": "step_done"}
    assert notice.address == "+84905111222" and notice.author_id is None
    assert notice.body == (f"Phieu {ticket.code}: Dien luc da khao sat ngay 05/01/2026. Ket qua: "
                           f"Du dieu kien cap dien. Tra cuu: http://cskh.test/status/{ticket.code}")
    told = db_session.scalar(sa.select(Notification).where(Notification.message_id == notice.id))
    assert told.context["buoc"] == "Khảo sát" and told.context["han_giai_quyet"] == \
        ticket.sla.due_at.isoformat()


def test_walking_every_step_to_energised_resolves_the_ticket_and_stops_the_sla_clock(
        db_session, ticket, staff):
    assert ticket.sla is not None and ticket.sla.stopped_at is None
    _walk_to_energised(ticket, staff)
    assert ticket.step == "energised" and ticket.status == Status.RESOLVED
    assert ticket.resolved_at is not None and ticket.result == "Đã đóng điện"
    assert ticket.details["result"]["code"] == "energised"
    assert ticket.details["energised"]["energised_at"] == "2026-01-08T09:30:00+07:00"
    assert ticket.details["meter_installed"]["initial_reading"] == 0
    assert ticket.sla.stopped_at is not None
    assert [m.meta["event"] for m in _outbound(db_session, ticket)] == \
        ["step_done"] * 4 + ["csat_survey"]
    told = db_session.scalars(sa.select(Notification.context).where(
        Notification.ticket_id == ticket.id, Notification.event == "step_done")
        .order_by(Notification.id)).all()
    assert [c["buoc"] for c in told] == ["Khảo sát", "Ký hợp đồng", "Lắp công tơ", "Đóng điện"]
    with pytest.raises(StepError, match="đã giải quyết"):
        steps.close(ticket, "cancelled", None, actor=staff)


def test_a_medium_voltage_survey_needs_the_transformer_capacity(make, ticket, staff):
    customer = make.customer(ward=ticket.ward)
    ticket = services.create_ticket(customer=customer, type="new_connection",
                                    subtype="medium_voltage", channel="counter",
                                    subject="Cấp điện trạm 250 kVA")
    with pytest.raises(StepError) as refused:
        steps.advance(ticket, "surveyed", SURVEY, actor=staff)
    assert set(refused.value.fields) == {"transformer_kva"}
    steps.advance(ticket, "surveyed", {**SURVEY, "transformer_kva": "250"}, actor=staff)
    assert ticket.details["surveyed"]["transformer_kva"] == 250


def test_closing_with_a_refusal_needs_a_reason_and_resolves_with_it(db_session, ticket, staff):
    with pytest.raises(StepError, match="lý do"):
        steps.close(ticket, "refused", "  ", actor=staff)
    with pytest.raises(StepError):
        steps.close(ticket, "energised", None, actor=staff)     # only the last step gives it
    with pytest.raises(StepError):
        steps.close(ticket, "nonsense", None, actor=staff)
    assert ticket.status == Status.NEW
    steps.close(ticket, "refused", "Không có hành lang lưới điện", actor=staff)
    assert ticket.status == Status.RESOLVED and ticket.sla.stopped_at is not None
    assert ticket.result == "Từ chối cấp điện: Không có hành lang lưới điện"
    assert ticket.details["result"]["code"] == "refused"
    notice, survey = _outbound(db_session, ticket)
    assert notice.meta == {"event": "resolved"} and survey.meta == {"event": "csat_survey"}
    assert notice.body == (f"Yeu cau {ticket.code} da giai quyet xong: Tu choi cap dien: Khong "
                           f"co hanh lang luoi dien. Chi tiet: http://cskh.test/status/{ticket.code}")


def test_a_skippable_step_may_be_passed_over(make):
    customer = make.customer(phone="+84905333444")
    ticket = services.create_ticket(customer=customer, type="outage", channel="zalo",
                                    subject="Mất điện cả xóm")
    now = datetime.now(timezone.utc) - timedelta(minutes=5)
    steps.advance(ticket, "restored", {"restored_at": now, "cause": "weather"}, actor=None)
    assert ticket.status == Status.RESOLVED and ticket.result == "Đã cấp điện trở lại"


def test_an_appointment_step_needs_a_time_in_the_future(make):
    ticket = services.create_ticket(customer=make.customer(), type="meter_inspection",
                                    subtype="check", channel="hotline",
                                    subject="Công tơ quay nhanh")
    past = datetime.now(timezone.utc) - timedelta(hours=1)
    with pytest.raises(StepError):
        steps.advance(ticket, "appointment", {"appointment_at": past}, actor=None)
    steps.advance(ticket, "appointment",
                  {"appointment_at": datetime.now(timezone.utc) + timedelta(days=1)}, actor=None)
    assert ticket.step == "appointment"


def test_a_phone_field_is_stored_in_international_form(make):
    ticket = services.create_ticket(customer=make.customer(), type="outage", channel="hotline",
                                    subject="Mất điện")
    with pytest.raises(StepError):
        steps.advance(ticket, "crew_dispatched", {"crew": "Tổ 3", "crew_phone": "12"},
                      actor=None)
    steps.advance(ticket, "crew_dispatched", {"crew": "Tổ 3", "crew_phone": "0905 123 456"},
                  actor=None)
    assert ticket.details["crew_dispatched"]["crew_phone"] == "+84905123456"


def test_only_a_supervisor_may_reopen_an_earlier_step_and_it_reopens_the_ticket(
        make, ticket, staff):
    _walk_to_energised(ticket, staff)
    with pytest.raises(StepError):
        steps.reopen_step(ticket, "meter_installed", actor=staff, reason="Sai số công tơ")
    supervisor = make.user(role=Role.SUPERVISOR)
    with pytest.raises(StepError):
        steps.reopen_step(ticket, "meter_installed", actor=supervisor, reason=" ")
    steps.reopen_step(ticket, "meter_installed", actor=supervisor, reason="Sai số công tơ")
    assert ticket.step == "meter_installed" and ticket.status == Status.OPEN
    assert ticket.result is None and ticket.sla.stopped_at is None
    assert "energised" not in ticket.details and "result" not in ticket.details
    assert "meter_installed" in ticket.details
    steps.advance(ticket, "energised", ENERGISED, actor=staff)
    assert ticket.status == Status.RESOLVED


def test_an_unreachable_customer_does_not_stop_the_step(db_session, make):
    ticket = services.create_ticket(customer=make.customer(phone=None), type="inquiry",
                                    channel="counter", subject="Hỏi giá điện")
    steps.advance(ticket, "answered", {"answer": "Giá bậc 1 là 1.984 đ/kWh"}, actor=None)
    assert ticket.status == Status.RESOLVED and _outbound(db_session, ticket) == []
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.ticket_id == ticket.id, AuditEvent.action == "notice_unreachable")) == 1


@pytest.mark.parametrize("values", [
    {**METER, "initial_reading": "1e400"}, {**METER, "initial_reading": "-3"},
    {**METER, "initial_reading": "NaN"}, {**METER, "install_date": "07/01/2026"},
    {**METER, "meter_serial": "x" * 301}])
def test_absurd_values_are_refused_as_invalid(ticket, staff, values):
    steps.advance(ticket, "surveyed", SURVEY, actor=staff)
    steps.advance(ticket, "contract_signed", CONTRACT, actor=staff)
    with pytest.raises(StepError, match="Giá trị không hợp lệ"):
        steps.advance(ticket, "meter_installed", values, actor=staff)
    assert ticket.step == "contract_signed"


def test_a_time_out_of_range_is_refused_as_invalid(ticket, staff):
    _walk = (("surveyed", SURVEY), ("contract_signed", CONTRACT), ("meter_installed", METER))
    for step, values in _walk:
        steps.advance(ticket, step, values, actor=staff)
    with pytest.raises(StepError, match="Thời điểm đóng điện"):
        steps.advance(ticket, "energised", {"energised_at": "0001-01-01T00:00"}, actor=staff)
    assert ticket.status == Status.OPEN
