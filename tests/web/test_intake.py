"""The "new ticket" intake: find the caller by phone, then open a ticket for them."""
from __future__ import annotations

import sqlalchemy as sa

from crm.core.timefmt import LOCAL_TZ
from crm.models import (Channel, ContactPoint, Customer, Message, Notification, Priority, Role,
                        Ticket)


def _rows(db_session, model) -> list:
    """Every row of `model`, oldest first (the table starts empty in each test)."""
    db_session.expire_all()
    return db_session.scalars(sa.select(model).order_by(model.id)).all()


def _count(db_session, model) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


def _form(**overrides) -> dict:
    data = {"type": "inquiry", "subtype": "", "channel": "hotline", "priority": "",
            "subject": "Hỏi lịch ghi chỉ số", "description": "", "ward_id": ""}
    return {**data, **overrides}


def test_a_phone_written_with_84_finds_the_existing_customer(client, login, make):
    customer = make.customer(name="Phạm Văn Đồng", phone="+84905123456")
    make.ticket(customer=customer)
    login(make.user())
    response = client.get("/tickets/new?phone=84905123456")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Phạm Văn Đồng" in page and customer.code in page
    assert f'name="customer_id" value="{customer.id}"' in page
    assert "Số mới" not in page


def test_a_ticket_for_a_known_caller_goes_to_that_customer_and_their_wards_district(
        client, login, make, db_session):
    customer = make.customer(phone="+84905123456")
    agent = login(make.user())
    response = client.post("/tickets/new", data=_form(customer_id=customer.id, phone="0905123456"))
    [ticket] = _rows(db_session, Ticket)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/tickets/{ticket.id}")
    assert ticket.customer_id == customer.id and ticket.district_id == customer.ward.district_id
    assert ticket.created_by_id == agent.id and ticket.channel == "hotline"


def test_a_new_number_creates_a_provisional_customer_and_a_ticket_routed_to_the_ward(
        client, login, make, db_session):
    ward = make.ward()
    login(make.user())
    page = client.get("/tickets/new?phone=0912 345 678").get_data(as_text=True)
    assert "Số mới — khách hàng chưa có trong hệ thống" in page
    response = client.post("/tickets/new", data=_form(
        phone="+84912345678", name="Trần Thị Lan", type="new_connection",
        subtype="low_voltage", subject="Xin cấp điện mới", ward_id=ward.id))
    assert response.status_code == 303
    [ticket] = _rows(db_session, Ticket)
    customer = db_session.get(Customer, ticket.customer_id)
    assert customer.is_provisional and customer.name == "Trần Thị Lan"
    assert customer.phone == "+84912345678"
    assert ticket.ward_id == ward.id and ticket.district_id == ward.district_id
    assert ticket.type == "new_connection" and ticket.subtype == "low_voltage"


def test_the_created_ticket_is_announced_by_its_code(client, login, make, db_session):
    customer = make.customer()
    login(make.user())
    client.post("/tickets/new", data=_form(customer_id=customer.id))
    [ticket] = _rows(db_session, Ticket)
    with client.session_transaction() as session:
        flashes = [message for _category, message in session.get("_flashes", [])]
    assert f"Đã tạo phiếu {ticket.code}." in flashes


def test_an_outage_is_urgent_unless_the_agent_chooses_otherwise(
        client, login, make, db_session):
    customer = make.customer()
    login(make.user())
    client.post("/tickets/new", data=_form(customer_id=customer.id, type="outage",
                                           subject="Mất điện cả xóm"))
    client.post("/tickets/new", data=_form(customer_id=customer.id, type="outage",
                                           subject="Mất điện một nhà", priority="high"))
    assert [t.priority for t in _rows(db_session, Ticket)] == [Priority.URGENT, Priority.HIGH]


def test_an_unparseable_phone_answers_400_and_creates_nothing(client, login, make, db_session):
    login(make.user())
    response = client.get("/tickets/new?phone=12ab")
    assert response.status_code == 400
    assert "Số điện thoại không hợp lệ" in response.get_data(as_text=True)
    assert 'name="phone"' in response.get_data(as_text=True)
    response = client.post("/tickets/new", data=_form(phone="12ab", name="Ai đó"))
    assert response.status_code == 400
    assert _count(db_session, Ticket) == 0
    assert _count(db_session, ContactPoint) == 0


def test_a_post_without_phone_or_customer_answers_400(client, login, make, db_session):
    login(make.user())
    response = client.post("/tickets/new", data=_form())
    assert response.status_code == 400
    assert "Vui lòng nhập số điện thoại" in response.get_data(as_text=True)
    assert _count(db_session, Ticket) == 0


def test_a_subtype_of_another_type_answers_400_and_saves_nothing(
        client, login, make, db_session):
    login(make.user())
    response = client.post("/tickets/new", data=_form(
        phone="0912345678", name="Khách Mới", type="new_connection", subtype="renew"))
    assert response.status_code == 400
    assert "Chọn loại chi tiết phù hợp" in response.get_data(as_text=True)
    assert _count(db_session, Ticket) == 0
    assert _count(db_session, Customer) == 0


def test_a_missing_subject_answers_400_and_saves_nothing(client, login, make, db_session):
    customer = make.customer()
    login(make.user())
    response = client.post("/tickets/new", data=_form(customer_id=customer.id, subject=" "))
    assert response.status_code == 400
    assert "Vui lòng nhập tiêu đề" in response.get_data(as_text=True)
    assert _count(db_session, Ticket) == 0


def test_customer_id_preselects_the_customer_and_their_ward(client, login, make):
    customer = make.customer(name="Hồ Thị Thu")
    login(make.user(role=Role.SUPERVISOR))
    page = client.get(f"/tickets/new?customer_id={customer.id}").get_data(as_text=True)
    assert "Hồ Thị Thu" in page
    assert f'<option value="{customer.ward_id}" selected>' in page


def test_the_subtype_options_carry_their_type_for_the_script(client, login, make):
    customer = make.customer()
    login(make.user())
    page = client.get(f"/tickets/new?customer_id={customer.id}").get_data(as_text=True)
    assert 'data-type="contract_change"' in page and 'value="renew"' in page
    assert 'value="outage" data-priority="urgent"' in page
    assert "intake.js" in page and "<script>" not in page and 'style="' not in page


def test_district_staff_get_403(client, login, make, db_session):
    customer = make.customer()
    login(make.district_staff(customer.ward.district))
    assert client.get("/tickets/new").status_code == 403
    assert client.post("/tickets/new", data=_form(customer_id=customer.id)).status_code == 403
    assert _count(db_session, Ticket) == 0


def test_the_caller_is_sent_the_code_the_due_date_and_the_status_link(
        app, client, login, make, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "CHANNELS", {
        "SMS_GATEWAY_URL": "https://gw.test/mt", "SMS_GATEWAY_TOKEN": "t",
        "SMS_GATEWAY_SECRET": "s"})
    customer = make.customer(phone="+84905123456")
    login(make.user())
    client.post("/tickets/new", data=_form(customer_id=customer.id, phone="0905123456",
                                           type="new_connection", subtype="low_voltage",
                                           subject="Xin cấp điện mới"))
    [ticket] = _rows(db_session, Ticket)
    [notice] = _rows(db_session, Notification)
    [message] = _rows(db_session, Message)
    assert notice.event == "ticket_received" and notice.key == f"received:{ticket.id}"
    assert message.channel == Channel.SMS and message.address == "+84905123456"
    due = ticket.sla.due_at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")
    assert message.body == (f"Da tiep nhan yeu cau {ticket.code}, han {due}. "
                            f"Tra cuu: http://cskh.test/status/{ticket.code}")
