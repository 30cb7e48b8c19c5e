"""The households panel of a change_households ticket: proposals from the ticket page, the
done step applying them (or refused with the reason), agents reading masked numbers only."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm.households.services import today
from crm.models import Household, HouseholdStatus, Role, Status
from crm.tickets import services
from tests.support.households import ID_A, ID_B, ID_C, contract, household

TENANT = {"head_name": "Trịnh Văn Tú", "citizen_id": ID_B, "paper_number": "XN-12/2026",
          "paper_expires_on": (today() + timedelta(days=90)).isoformat(), "address_note": ""}


@pytest.fixture
def meter(make, db_session):
    customer = make.customer(name="Ngô Văn Bình")
    row = contract(db_session, customer, households=1)
    household(db_session, row, ID_A, head_name="Ngô Văn Bình", is_main=True, paper_number=None)
    return row


@pytest.fixture
def ticket(meter):
    return services.create_ticket(customer=meter.customer, type="contract_change",
                                  subtype="change_households", channel="hotline",
                                  subject="Đăng ký thêm hộ dùng chung công tơ")


@pytest.fixture
def staff(make, ticket):
    return make.district_staff(ticket.district)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _rows(db_session, meter) -> list[Household]:
    return db_session.scalars(sa.select(Household).where(Household.contract_id == meter.id)
                              .order_by(Household.id)).all()


def _step(client, ticket, step, **values):
    return client.post(f"/tickets/{ticket.id}/step", data={"step": step, **values})


def _to_approved(client, ticket, households: int):
    assert _step(client, ticket, "documents_checked", documents_complete="yes").status_code == 303
    assert _step(client, ticket, "approved", decision_note="Đủ hồ sơ",
                 effective_date=today().isoformat(), households=households).status_code == 303


def test_the_district_proposes_a_household_and_the_done_step_applies_it(
        client, login, db_session, staff, ticket, meter):
    login(staff)
    page = _text(client.get(f"/tickets/{ticket.id}"))
    assert 'id="households"' in page and ID_A in page
    assert f'action="/tickets/{ticket.id}/households"' in page
    response = client.post(f"/tickets/{ticket.id}/households", data=TENANT)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/tickets/{ticket.id}#households")
    tenant = _rows(db_session, meter)[-1]
    assert tenant.status == HouseholdStatus.PENDING and meter.households == 1
    _to_approved(client, ticket, 2)
    assert _step(client, ticket, "done", done_date=today().isoformat()).status_code == 303
    assert ticket.status == Status.RESOLVED and meter.households == 2
    assert tenant.status == HouseholdStatus.ACTIVE and tenant.since == today()


def test_the_done_step_is_refused_with_the_reason_while_the_numbers_differ(
        client, login, db_session, staff, ticket, meter):
    login(staff)
    client.post(f"/tickets/{ticket.id}/households", data=TENANT)
    _to_approved(client, ticket, 3)
    assert 'class="flash flash-warning"' in _text(client.get(f"/tickets/{ticket.id}"))
    response = _step(client, ticket, "done", done_date=today().isoformat())
    assert response.status_code == 400
    assert "khác số hộ đã phê duyệt (3)" in _text(response)
    assert ticket.is_open and ticket.step == "approved" and meter.households == 1
    assert _rows(db_session, meter)[-1].status == HouseholdStatus.PENDING


def test_an_agent_sees_the_panel_with_masked_numbers_and_no_forms(
        client, login, make, db_session, staff, ticket, meter):
    household(db_session, meter, ID_C, status=HouseholdStatus.PENDING,
              added_by_ticket_id=ticket.id)
    login(make.user(role=Role.AGENT))
    page = _text(client.get(f"/tickets/{ticket.id}"))
    assert 'id="households"' in page and "****2345" in page and "****6677" in page
    assert ID_A not in page and ID_C not in page
    assert f'action="/tickets/{ticket.id}/households"' not in page
    assert client.post(f"/tickets/{ticket.id}/households", data=TENANT).status_code == 403
    assert len(_rows(db_session, meter)) == 2


def test_bad_input_on_the_ticket_is_shown_with_400_and_saves_nothing(
        client, login, db_session, staff, ticket, meter):
    login(staff)
    response = client.post(f"/tickets/{ticket.id}/households",
                           data=TENANT | {"citizen_id": "07918800432"})
    assert response.status_code == 400
    assert "Số CCCD phải gồm đúng 12 chữ số." in _text(response)
    response = client.post(f"/tickets/{ticket.id}/households",
                           data=TENANT | {"citizen_id": ID_A})
    assert response.status_code == 400 and "Ngô Văn Bình" in _text(response)
    assert len(_rows(db_session, meter)) == 1


def test_ending_and_withdrawing_from_the_ticket(client, login, db_session, staff, ticket, meter):
    main = _rows(db_session, meter)[0]
    login(staff)
    assert client.post(f"/tickets/{ticket.id}/households/{main.id}/end").status_code == 303
    assert main.ending_ticket_id == ticket.id
    assert "Đề xuất kết thúc theo phiếu" in _text(client.get(f"/households/contracts/{meter.id}"))
    assert client.post(f"/tickets/{ticket.id}/households/{main.id}/withdraw").status_code == 303
    assert main.ending_ticket_id is None and main.is_active


def test_another_district_gets_404_on_the_ticket_routes(client, login, make, db_session,
                                                        ticket, meter):
    main = _rows(db_session, meter)[0]
    login(make.district_staff(make.district()))
    assert client.post(f"/tickets/{ticket.id}/households", data=TENANT).status_code == 404
    assert client.post(f"/tickets/{ticket.id}/households/{main.id}/end").status_code == 404
    assert main.ending_ticket_id is None and len(_rows(db_session, meter)) == 1


def test_other_tickets_have_no_households_panel(client, login, make, staff, meter):
    other = services.create_ticket(customer=meter.customer, type="contract_change",
                                   subtype="renew", channel="hotline", subject="Gia hạn")
    login(staff)
    assert 'id="households"' not in _text(client.get(f"/tickets/{other.id}"))
    assert client.post(f"/tickets/{other.id}/households", data=TENANT).status_code == 404


def test_a_customer_with_two_contracts_picks_one_on_the_ticket(client, login, make, db_session):
    customer = make.customer()
    first, second = contract(db_session, customer), contract(db_session, customer)
    ticket = services.create_ticket(customer=customer, type="contract_change",
                                    subtype="change_households", channel="web", subject="Thêm hộ")
    login(make.district_staff(ticket.district))
    page = _text(client.get(f"/tickets/{ticket.id}"))
    assert 'id="households-contract"' in page and second.number in page
    refused = client.post(f"/tickets/{ticket.id}/households/contract", data={"contract_id": "x"})
    assert refused.status_code == 400 and "Vui lòng chọn một hợp đồng." in _text(refused)
    assert client.post(f"/tickets/{ticket.id}/households/contract",
                       data={"contract_id": second.id}).status_code == 303
    assert ticket.details["households_contract_id"] == second.id
    assert client.post(f"/tickets/{ticket.id}/households", data=TENANT).status_code == 303
    assert [h.contract_id for h in _rows(db_session, second)] == [second.id]
    assert _rows(db_session, first) == []


def test_a_long_name_is_refused_in_vietnamese(client, login, staff, ticket):
    login(staff)
    response = client.post(f"/tickets/{ticket.id}/households",
                           data=TENANT | {"head_name": "A" * 201})
    assert response.status_code == 400 and "Tối đa 200 ký tự." in _text(response)
