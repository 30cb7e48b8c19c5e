"""The contact log panel of the ticket page and its form."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from crm.core.timefmt import LOCAL_TZ
from crm.models import ContactAttempt, ContactOutcome, Message
from crm.tickets import services

# Notices go on configured channels only: these tests expect them written.
pytestmark = pytest.mark.usefixtures("notice_channels")


@pytest.fixture
def ticket(make):
    customer = make.customer(name="Lê Văn Hùng", phone="+84905444555")
    return services.create_ticket(customer=customer, type="complaint", channel="zalo",
                                  subject="Khiếu nại hóa đơn tháng 10 tăng cao")


@pytest.fixture
def staff(make, ticket):
    return make.district_staff(ticket.district, full_name="Huỳnh Thị Ngọc Ánh")


def _local(delta: timedelta) -> str:
    return (datetime.now(LOCAL_TZ) + delta).strftime("%Y-%m-%dT%H:%M")


def _attempts(db_session, ticket) -> list[ContactAttempt]:
    return db_session.scalars(sa.select(ContactAttempt)
                              .where(ContactAttempt.ticket_id == ticket.id)).all()


def test_logging_a_call_shows_it_in_the_log(client, login, db_session, staff, ticket):
    login(staff)
    response = client.post(f"/tickets/{ticket.id}/contacts",
                           data={"outcome": "no_answer", "note": "Gọi lúc 9 giờ"})
    assert response.status_code == 303
    [attempt] = _attempts(db_session, ticket)
    assert attempt.outcome == ContactOutcome.NO_ANSWER and attempt.user_id == staff.id
    html = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    log = html.split('id="contacts"')[1].split("</section>")[0]
    assert "Không nghe máy" in log and "Gọi lúc 9 giờ" in log and "Huỳnh Thị Ngọc Ánh" in log


def test_an_appointment_is_logged_and_sent_to_the_customer(client, login, db_session, staff,
                                                          ticket):
    login(staff)
    when = _local(timedelta(days=1))
    response = client.post(f"/tickets/{ticket.id}/contacts",
                           data={"outcome": "appointment", "appointment_at": when})
    assert response.status_code == 303
    [attempt] = _attempts(db_session, ticket)
    assert attempt.appointment_at is not None
    notice = db_session.scalars(sa.select(Message).where(Message.ticket_id == ticket.id)).one()
    assert notice.meta == {"event": "appointment", "adapter": "sms_gateway"}   # tried at once
    assert datetime.fromisoformat(when).strftime("%d/%m/%Y %H:%M") in notice.body


@pytest.mark.parametrize("data, reason", [
    ({"outcome": "appointment", "appointment_at": _local(-timedelta(hours=1))}, "tương lai"),
    ({"outcome": "appointment", "appointment_at": ""}, "Cần nhập thời gian hẹn"),
    ({"outcome": "appointment", "appointment_at": "mai nhé"}, "không hợp lệ"),
    ({"outcome": "appointment", "appointment_at": "0001-01-01T00:00"}, "không hợp lệ"),
    ({"outcome": "teleport"}, "không hợp lệ")])
def test_a_bad_contact_entry_gives_400_with_the_reason_and_saves_nothing(
        client, login, db_session, staff, ticket, data, reason):
    login(staff)
    response = client.post(f"/tickets/{ticket.id}/contacts", data=data)
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)
    assert _attempts(db_session, ticket) == []
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Message)
                             .where(Message.ticket_id == ticket.id)) == 0
