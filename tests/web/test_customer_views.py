"""Customer search, the customer 360 page, adding contacts and linking provisional contacts."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.models import (AuditEvent, ContactKind, ContactPoint, Contract, Customer, Message, Meter,
                        Reading, Role, Ticket, UsagePurpose)


@contextmanager
def count_queries():
    """Count the SQL statements run inside the block."""
    statements = []

    def listener(*_args):
        statements.append(1)
    engine = db.session.get_bind().engine
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


def _contact_count(db_session, value):
    return db_session.scalar(sa.select(sa.func.count()).select_from(ContactPoint)
                             .where(ContactPoint.value == value))


# Search

def test_an_unaccented_name_finds_the_accented_customer_on_the_results_page(client, login, make):
    make.customer(name="Nguyễn Thị Hồng Nhung", address="45 Trần Phú")
    make.customer(name="Nguyễn Thị Hồng Nhạn", address="7 Hùng Vương")
    make.customer(name="Phan Văn Trị")
    login(make.user())
    response = client.get("/customers/search?q=nguyen thi hong")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nguyễn Thị Hồng Nhung" in page and "Nguyễn Thị Hồng Nhạn" in page
    assert "Phan Văn Trị" not in page


def test_a_provisional_customer_is_badged_and_shows_its_national_phone(client, login, make):
    make.customer(name="Lê Thị Mai", code=None, is_provisional=True, phone="+84905111222")
    make.customer(name="Lê Thị Mai Anh")
    login(make.user())
    page = client.get("/customers/search?q=le thi mai").get_data(as_text=True)
    assert "tạm" in page and "0905 111 222" in page


def test_a_phone_in_another_format_redirects_to_the_customer(client, login, make):
    customer = make.customer(phone="+84905123456")
    login(make.user())
    for written in ("0905 123 456", "84905123456", "+84-905-123-456"):
        response = client.get("/customers/search", query_string={"q": written})
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"/customers/{customer.id}")


def test_a_ticket_code_redirects_to_the_ticket(client, login, make):
    ticket = make.ticket()
    login(make.user())
    response = client.get("/customers/search", query_string={"q": ticket.code.lower()})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/tickets/{ticket.id}")


def test_an_empty_query_lists_what_can_be_searched(client, login, make):
    login(make.user())
    page = client.get("/customers/search").get_data(as_text=True)
    assert "Có thể tìm theo" in page and "Số công tơ" in page and "Mã phiếu" in page


def test_a_query_without_hits_says_nothing_was_found(client, login, make):
    login(make.user())
    page = client.get("/customers/search?q=khongcoai").get_data(as_text=True)
    assert "Không tìm thấy khách hàng hay phiếu nào" in page


def test_the_results_page_runs_the_same_queries_for_one_hit_or_many(client, login, make):
    login(make.user())
    make.customer(name="Hoàng Văn Một")
    client.get("/customers/search?q=hoang van")         # the user is loaded once per session
    with count_queries() as one:
        client.get("/customers/search?q=hoang van")
    for n in range(6):
        make.customer(name=f"Hoàng Văn {n}", phone=f"+8491200000{n}")
    with count_queries() as many:
        page = client.get("/customers/search?q=hoang van").get_data(as_text=True)
    assert "0912 000 005" in page
    assert len(many) == len(one)


# District scoping

def test_district_staff_cannot_find_or_open_or_change_another_districts_customer(
        client, login, make, db_session):
    outsider = make.customer(name="Võ Thị Sáu", phone="+84905777888")
    provisional = make.customer(name="Số lạ", code=None, is_provisional=True,
                                ward=outsider.ward, phone="+84905777999")
    target = make.customer(code="PT99XX0000001", ward=outsider.ward)
    login(make.district_staff(make.district()))
    page = client.get("/customers/search?q=vo thi sau").get_data(as_text=True)
    assert "Võ Thị Sáu" not in page and "Không tìm thấy" in page
    assert client.get("/customers/search?q=0905777888").status_code == 200
    assert client.get(f"/customers/{outsider.id}").status_code == 404
    response = client.post(f"/customers/{outsider.id}/contacts",
                           data={"kind": "phone", "value": "0912345678"})
    assert response.status_code == 404
    response = client.post(f"/customers/{provisional.id}/link", data={"code": target.code})
    assert response.status_code == 404
    assert _contact_count(db_session, "+84912345678") == 0
    assert db_session.get(Customer, provisional.id) is not None


def test_district_staff_see_their_own_districts_customer(client, login, make):
    customer = make.customer(name="Đỗ Văn Hải")
    login(make.district_staff(customer.ward.district))
    assert client.get(f"/customers/{customer.id}").status_code == 200
    assert "Đỗ Văn Hải" in client.get("/customers/search?q=do van hai").get_data(as_text=True)


# Customer 360

def _customer_with_history(db_session, make, name, serial, number, subject, body):
    customer = make.customer(name=name)
    contract = Contract(customer=customer, number=number,
                        usage_purpose=UsagePurpose.BUSINESS, households=3)
    contract.meters.append(Meter(serial=serial))
    db_session.add(contract)
    for month in range(1, 13):
        db_session.add(Reading(customer_id=customer.id, period=f"2025-{month:02d}",
                               kwh=100 + month, read_on=date(2025, month, 20)))
    db_session.add(Reading(customer_id=customer.id, period="2026-01", kwh=400))
    ticket = make.ticket(customer=customer, subject=subject)
    make.message(ticket=ticket, body=body)
    db_session.flush()
    return customer, ticket


def test_the_360_page_shows_the_customers_own_contracts_meters_readings_tickets_and_messages(
        client, login, make, db_session):
    customer, ticket = _customer_with_history(db_session, make, "Trần Văn Minh", "CT1111",
                                              "HD-1111", "Cúp điện liên tục", "Nhà tôi mất điện")
    _customer_with_history(db_session, make, "Người Khác", "CT2222", "HD-2222",
                           "Đề nghị kiểm định", "Công tơ quay nhanh")
    login(make.user())
    response = client.get(f"/customers/{customer.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for expected in ("Trần Văn Minh", "HD-1111", "CT1111", "Kinh doanh", ticket.code,
                     "Cúp điện liên tục", "Nhà tôi mất điện", "01/2026", "<svg", "bar-last-year",
                     "bar-jump", f"/tickets/new?customer_id={customer.id}"):
        assert expected in page, expected
    for absent in ("HD-2222", "CT2222", "Đề nghị kiểm định", "Công tơ quay nhanh"):
        assert absent not in page, absent
    assert 'style="' not in page and "<script>" not in page


def test_the_360_page_shows_13_readings_at_most(client, login, make, db_session):
    customer, _ticket = _customer_with_history(db_session, make, "Trần Văn Minh", "CT1111",
                                               "HD-1111", "x", "y")
    db_session.add(Reading(customer_id=customer.id, period="2024-12", kwh=99))
    db_session.flush()
    login(make.user())
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "12/2024" not in page and page.count('<rect x=') == 13


def test_district_staff_see_neither_the_create_button_nor_other_districts_messages(
        client, login, make):
    customer = make.customer()
    mine = make.ticket(customer=customer)
    make.message(ticket=mine, body="Tin nhắn của phiếu trong quận")
    theirs = make.ticket(customer=customer, ward=make.ward(), subject="Phiếu quận khác")
    make.message(ticket=theirs, body="Tin nhắn của quận khác")
    login(make.district_staff(customer.ward.district))
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Tin nhắn của phiếu trong quận" in page
    assert "Tin nhắn của quận khác" not in page and theirs.code not in page
    assert "Tạo phiếu cho khách hàng này" not in page


def test_the_timeline_pages_older_messages_by_message_id(client, login, make):
    ticket = make.ticket()
    messages = [make.message(ticket=ticket, body=f"Tin số {n:02d}") for n in range(35)]
    login(make.user())
    page = client.get(f"/customers/{ticket.customer_id}").get_data(as_text=True)
    assert "Tin số 34" in page and "Tin số 05" in page and "Tin số 04" not in page
    older = f"before={messages[5].id}"
    assert older in page
    page = client.get(f"/customers/{ticket.customer_id}?{older}").get_data(as_text=True)
    assert "Tin số 04" in page and "Tin số 00" in page and "Tin số 05" not in page


def test_the_360_page_runs_the_same_queries_for_one_contract_or_many(
        client, login, make, db_session):
    customer = make.customer()
    login(make.user())

    def add_contract(n):
        contract = Contract(customer=customer, number=f"HD-{n}")
        contract.meters.append(Meter(serial=f"CT-{n}"))
        db_session.add(contract)
        ticket = make.ticket(customer=customer)
        make.message(ticket=ticket)
    add_contract(0)
    url = f"/customers/{customer.id}"                   # read once: requests expire `customer`
    client.get(url)                                     # the user is loaded once per session
    with count_queries() as one:
        client.get(url)
    for n in range(1, 5):
        add_contract(n)
    with count_queries() as many:
        client.get(url)
    assert len(many) == len(one)


# Contacts

def test_adding_a_phone_stores_it_in_international_form(client, login, make, db_session):
    customer = make.customer()
    login(make.user())
    response = client.post(f"/customers/{customer.id}/contacts",
                           data={"kind": "phone", "value": "0912.345.678"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/customers/{customer.id}")
    contact = db_session.scalar(sa.select(ContactPoint).where(
        ContactPoint.value == "+84912345678"))
    assert contact.customer_id == customer.id and contact.kind == ContactKind.PHONE


def test_adding_an_invalid_phone_answers_400_and_stores_nothing(client, login, make, db_session):
    customer = make.customer()
    login(make.user())
    before = len(customer.contact_points)
    response = client.post(f"/customers/{customer.id}/contacts",
                           data={"kind": "phone", "value": "12345"})
    assert response.status_code == 400
    assert "Số điện thoại không hợp lệ" in response.get_data(as_text=True)
    count = db_session.scalar(sa.select(sa.func.count()).select_from(ContactPoint)
                              .where(ContactPoint.customer_id == customer.id))
    assert count == before


def test_an_empty_contact_value_answers_400(client, login, make):
    customer = make.customer()
    login(make.user())
    response = client.post(f"/customers/{customer.id}/contacts", data={"kind": "email",
                                                                          "value": "  "})
    assert response.status_code == 400


@pytest.mark.parametrize("role, reveals", [(Role.AGENT, True), (Role.DISTRICT_STAFF, False)])
def test_adding_a_phone_owned_by_another_customer_answers_409(
        client, login, make, db_session, role, reveals):
    owner = make.customer(name="Chủ Số Cũ", code="PT77ZZ0000001", phone="+84905000999")
    customer = make.customer(name="Khách Mới", ward=owner.ward)
    user = make.district_staff(owner.ward.district) if role == Role.DISTRICT_STAFF \
        else make.user(role=role)
    login(user)
    response = client.post(f"/customers/{customer.id}/contacts",
                           data={"kind": "phone", "value": "84905000999"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "khách hàng khác" in page
    assert ("PT77ZZ0000001" in page) is reveals
    contact = db_session.scalar(sa.select(ContactPoint).where(
        ContactPoint.value == "+84905000999"))
    assert contact.customer_id == owner.id


# Linking a provisional contact

def test_linking_a_provisional_contact_moves_its_tickets_and_messages_and_deletes_it(
        client, login, make, db_session):
    target = make.customer(code="PT55AA0000001")
    provisional = make.customer(name="+84905000123", code=None, is_provisional=True,
                                phone="+84905000123")
    ticket = make.ticket(customer=provisional)
    message = make.message(ticket=ticket)
    provisional_id = provisional.id                     # the row is gone after the link
    login(make.user())
    page = client.get(f"/customers/{provisional_id}").get_data(as_text=True)
    assert "Liên kết với khách hàng" in page
    db_session.expire_all()     # a real request starts with an empty session
    response = client.post(f"/customers/{provisional_id}/link", data={"code": "pt55aa0000001"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/customers/{target.id}")
    db_session.expire_all()
    assert db_session.get(Customer, provisional_id) is None
    assert db_session.get(Ticket, ticket.id).customer_id == target.id
    assert db_session.get(Message, message.id).customer_id == target.id
    phone = db_session.scalar(sa.select(ContactPoint).where(ContactPoint.value == "+84905000123"))
    assert phone.customer_id == target.id
    assert db_session.scalar(sa.select(AuditEvent).where(
        AuditEvent.entity_id == target.id, AuditEvent.action == "linked")) is not None


def test_a_real_customers_page_offers_no_link_form(client, login, make):
    customer = make.customer()
    login(make.user())
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Liên kết với khách hàng" not in page


def test_linking_to_an_unknown_code_answers_400_and_changes_nothing(
        client, login, make, db_session):
    provisional = make.customer(code=None, is_provisional=True)
    login(make.user())
    response = client.post(f"/customers/{provisional.id}/link", data={"code": "PT00XX9999999"})
    assert response.status_code == 400
    assert "Không tìm thấy khách hàng có mã PT00XX9999999" in response.get_data(as_text=True)
    assert db_session.get(Customer, provisional.id) is not None


def test_linking_a_real_customer_answers_400(client, login, make, db_session):
    real = make.customer()
    target = make.customer()
    login(make.user())
    response = client.post(f"/customers/{real.id}/link", data={"code": target.code})
    assert response.status_code == 400
    assert db_session.get(Customer, real.id) is not None


def test_district_staff_may_not_link_even_in_their_own_district(client, login, make, db_session):
    target = make.customer()
    provisional = make.customer(code=None, is_provisional=True, ward=target.ward)
    login(make.district_staff(target.ward.district))
    response = client.post(f"/customers/{provisional.id}/link", data={"code": target.code})
    assert response.status_code == 403
    assert db_session.get(Customer, provisional.id) is not None
    page = client.get(f"/customers/{provisional.id}").get_data(as_text=True)
    assert "Liên kết với khách hàng" not in page
