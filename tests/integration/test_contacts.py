"""The contact log: calls that reached the customer or not, and appointments they are told of."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from crm.models import AuditEvent, ContactAttempt, ContactOutcome, Direction, Message
from crm.tickets import contacts, services
from crm.tickets.contacts import ContactError

# Notices go on configured channels only: these tests expect them written.
pytestmark = pytest.mark.usefixtures("notice_channels")


@pytest.fixture
def ticket(make):
    customer = make.customer(phone="+84905222333")
    return services.create_ticket(customer=customer, type="meter_inspection", subtype="check",
                                  channel="hotline", subject="Công tơ chạy nhanh bất thường")


@pytest.fixture
def staff(make, ticket):
    return make.district_staff(ticket.district, full_name="Đặng Công Lộc")


def _count(db_session, model, *where) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_a_call_without_answer_is_logged_and_audited(db_session, ticket, staff):
    attempt = contacts.log_contact(ticket, "no_answer", " Gọi 2 lần ", None, actor=staff)
    assert attempt.outcome == ContactOutcome.NO_ANSWER and attempt.note == "Gọi 2 lần"
    assert attempt.user_id == staff.id and attempt.appointment_at is None
    assert _count(db_session, AuditEvent, AuditEvent.ticket_id == ticket.id,
                  AuditEvent.action == "contact_logged") == 1
    assert _count(db_session, Message, Message.ticket_id == ticket.id,
                  Message.direction == Direction.OUTBOUND) == 0


def test_an_appointment_is_stored_in_utc_and_the_customer_is_told(db_session, ticket, staff):
    at = (datetime.now(timezone.utc) + timedelta(days=2)).replace(microsecond=0)
    attempt = contacts.log_contact(ticket, ContactOutcome.APPOINTMENT, "Khách hẹn buổi sáng",
                                   at.replace(tzinfo=None) + timedelta(hours=7), actor=staff)
    assert attempt.appointment_at == at
    notice = db_session.scalars(sa.select(Message).where(Message.ticket_id == ticket.id)).one()
    assert notice.meta == {"event": "appointment"} and ticket.code in notice.body
    local = at + timedelta(hours=7)
    assert local.strftime("%d/%m/%Y %H:%M") in notice.body


def test_an_appointment_in_the_past_is_refused_and_nothing_is_written(db_session, ticket, staff):
    past = datetime.now(timezone.utc) - timedelta(minutes=1)
    with pytest.raises(ContactError, match="tương lai"):
        contacts.log_contact(ticket, "appointment", None, past, actor=staff)
    with pytest.raises(ContactError):
        contacts.log_contact(ticket, "appointment", None, None, actor=staff)
    with pytest.raises(ContactError):
        contacts.log_contact(ticket, "reached", None,
                             datetime.now(timezone.utc) + timedelta(days=1), actor=staff)
    with pytest.raises(ContactError):
        contacts.log_contact(ticket, "carrier_pigeon", None, None, actor=staff)
    assert _count(db_session, ContactAttempt, ContactAttempt.ticket_id == ticket.id) == 0
    assert _count(db_session, Message, Message.ticket_id == ticket.id) == 0


def test_the_log_lists_the_newest_attempt_first_with_who_made_it(ticket, staff):
    contacts.log_contact(ticket, "no_answer", None, None, actor=staff)
    contacts.log_contact(ticket, "reached", "Khách đồng ý cho kiểm tra", None, actor=staff)
    log = contacts.contacts_for(ticket)
    assert [a.outcome for a in log] == [ContactOutcome.REACHED, ContactOutcome.NO_ANSWER]
    assert log[0].user.full_name == "Đặng Công Lộc"
