"""The register pages: masked citizen IDs for agents, 404 across districts, 403 for those
who may only read, form errors as 400 with the reasons, and the reports with their CSV."""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm.households.citizen_ids import digest
from crm.households.services import today
from crm.models import AuditEvent, Household, HouseholdStatus, Role
from tests.support.households import ID_A, ID_B, ID_C, contract, household

GOOD = {"head_name": "Trương Văn Hải", "citizen_id": "079 188 004 321",
        "paper_number": "XN-77/2026", "paper_expires_on": "", "address_note": "Phòng 3",
        "since": ""}


@pytest.fixture
def customer(make):
    return make.customer(name="Huỳnh Thị Mai")


@pytest.fixture
def shared(db_session, customer):
    row = contract(db_session, customer, households=2)
    household(db_session, row, ID_A, head_name="Huỳnh Thị Mai", is_main=True, paper_number=None)
    return row


@pytest.fixture
def staff(make, customer):
    return make.district_staff(customer.ward.district)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _households(db_session, row) -> list[Household]:
    return db_session.scalars(sa.select(Household).where(Household.contract_id == row.id)
                              .order_by(Household.id)).all()


# --- who sees what -----------------------------------------------------------------------


def test_an_agent_reads_the_register_with_masked_citizen_ids_only(
        client, login, make, shared, customer):
    login(make.user(role=Role.AGENT))
    pages = [_text(client.get(f"/households/contracts/{shared.id}")),
             _text(client.get(f"/customers/{customer.id}"))]
    assert "****2345" in pages[0] and "Huỳnh Thị Mai" in pages[0]
    assert f"/households/contracts/{shared.id}" in pages[1]
    for html in pages:
        assert ID_A not in html
    assert f"/households/contracts/{shared.id}/new" not in pages[0] and "/edit" not in pages[0]
    assert client.post(f"/households/contracts/{shared.id}/new", data=GOOD).status_code == 403
    assert client.get("/households/reports").status_code == 403


@pytest.mark.parametrize("role", ["own_district", Role.SUPERVISOR, Role.ADMIN])
def test_the_contracts_district_supervisors_and_admins_see_the_full_number(
        client, login, make, shared, staff, role):
    login(staff if role == "own_district" else make.user(role=role))
    html = _text(client.get(f"/households/contracts/{shared.id}"))
    assert ID_A in html and f"/households/contracts/{shared.id}/new" in html


def test_another_districts_staff_get_404_everywhere_and_change_nothing(
        client, login, make, db_session, shared):
    login(make.district_staff(make.district()))
    main = _households(db_session, shared)[0]
    assert client.get(f"/households/contracts/{shared.id}").status_code == 404
    assert client.post(f"/households/contracts/{shared.id}/new", data=GOOD).status_code == 404
    assert client.post(f"/households/{main.id}/edit", data=GOOD).status_code == 404
    assert client.post(f"/households/{main.id}/end",
                       data={"until": today().isoformat()}).status_code == 404
    assert len(_households(db_session, shared)) == 1 and main.is_active


# --- adding, correcting, ending ----------------------------------------------------------


def test_adding_a_household_saves_it_and_audits_the_masked_number(
        client, login, db_session, shared, staff, caplog):
    caplog.set_level(logging.DEBUG)
    login(staff)
    response = client.post(f"/households/contracts/{shared.id}/new", data=GOOD)
    assert response.status_code == 303
    added = _households(db_session, shared)[-1]
    assert (added.head_name, added.citizen_id, added.since) == \
        ("Trương Văn Hải", ID_B, today())
    assert added.citizen_id_digest == digest(ID_B)
    event = db_session.scalar(sa.select(AuditEvent).where(AuditEvent.entity == "household",
                                                          AuditEvent.entity_id == added.id))
    assert event.action == "household_added" and event.actor_id == staff.id
    assert event.changes["citizen_id"] == [None, "****4321"] and ID_B not in str(event.changes)
    assert ID_B not in caplog.text


@pytest.mark.parametrize("change, message", [
    ({"citizen_id": "07918800432"}, "Số CCCD phải gồm đúng 12 chữ số."),
    ({"citizen_id": "099188004321"}, "mã tỉnh nơi đăng ký khai sinh, từ 001 đến 096"),
    ({"head_name": "  "}, "Vui lòng nhập họ tên chủ hộ."),
    ({"paper_expires_on": (today() - timedelta(days=1)).isoformat()},
     "Giấy xác nhận cư trú này đã hết hạn"),
    ({"paper_expires_on": "31/02/2026"}, "Ngày không hợp lệ (dd/mm/yyyy)."),
    ({"paper_number": ""}, "Hộ phụ cần số giấy xác nhận cư trú"),
    ({"citizen_id": ID_A}, "Số CCCD này đang được đăng ký ở hộ Huỳnh Thị Mai"),
])
def test_bad_input_is_shown_on_the_form_with_400_and_nothing_is_saved(
        client, login, db_session, shared, staff, change, message):
    login(staff)
    response = client.post(f"/households/contracts/{shared.id}/new", data=GOOD | change)
    assert response.status_code == 400
    assert message in _text(response) and 'class="field-error' in _text(response)
    assert len(_households(db_session, shared)) == 1


def test_a_duplicate_in_another_district_is_refused_without_naming_it(
        client, login, make, db_session, shared, staff):
    elsewhere = contract(db_session, make.customer(), households=2)
    household(db_session, elsewhere, ID_C, head_name="Người ở quận khác")
    login(staff)
    response = client.post(f"/households/contracts/{shared.id}/new",
                           data=GOOD | {"citizen_id": ID_C})
    html = _text(response)
    assert response.status_code == 400
    assert "Số CCCD này đang được đăng ký ở một hộ dùng chung khác." in html
    assert "Người ở quận khác" not in html and elsewhere.number not in html


def test_correcting_and_ending_a_household(client, login, db_session, shared, staff):
    login(staff)
    main = _households(db_session, shared)[0]
    form = _text(client.get(f"/households/{main.id}/edit"))
    assert f'value="{ID_A}"' in form
    response = client.post(f"/households/{main.id}/edit",
                           data=GOOD | {"citizen_id": ID_A, "head_name": "Huỳnh T. Mai",
                                        "is_main": "y", "paper_number": ""})
    assert response.status_code == 303 and main.head_name == "Huỳnh T. Mai"
    future = (today() + timedelta(days=3)).isoformat()
    refused = client.post(f"/households/{main.id}/end", data={"until": future})
    assert refused.status_code == 400 and "không được ở tương lai" in _text(refused)
    assert client.post(f"/households/{main.id}/end", data={
        "until": today().isoformat(), "reason": "Đã tách công tơ"}).status_code == 303
    assert (main.status, main.until, main.end_reason) == \
        (HouseholdStatus.ENDED, today(), "Đã tách công tơ")
    page = _text(client.get(f"/households/contracts/{shared.id}"))
    assert "households-mismatch" in page and "Đã tách công tơ" in page


# --- reports -----------------------------------------------------------------------------


@pytest.fixture
def duplicate(make, db_session, shared):
    """ID_A again, on a contract of another district."""
    return household(db_session, contract(db_session, make.customer()), ID_A,
                     head_name="Người trùng ở quận khác")


def test_the_duplicate_report_and_its_csv_for_a_supervisor(client, login, make, duplicate):
    login(make.user(role=Role.SUPERVISOR))
    html = _text(client.get("/households/reports?report=duplicates"))
    assert html.count(ID_A) == 2 and "Người trùng ở quận khác" in html
    response = client.get("/households/reports/duplicates.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeffNhóm,Số CCCD,Chủ hộ,")
    assert text.count(f"1,{ID_A},") == 2


def test_district_staff_see_their_side_of_a_duplicate_and_only_a_mask_of_the_other(
        client, login, staff, duplicate, shared):
    login(staff)
    html = _text(client.get("/households/reports?report=duplicates"))
    assert html.count(ID_A) == 1 and "****2345" in html
    assert "Người trùng ở quận khác" not in html and "(hộ thuộc Điện lực khác)" in html
    text = client.get("/households/reports/duplicates.csv").get_data().decode("utf-8")
    assert text.count(ID_A) == 1 and "Người trùng ở quận khác" not in text


def test_the_paper_and_mismatch_reports_and_csvs(client, login, db_session, make, shared, staff):
    expiring = household(db_session, shared, ID_B, paper_number="XN-9/2026",
                         paper_expires_on=today() + timedelta(days=10))
    login(staff)
    html = _text(client.get("/households/reports?report=papers"))
    assert "XN-9/2026" in html and "Còn 10 ngày" in html
    papers = client.get("/households/reports/papers.csv").get_data().decode("utf-8")
    assert f"{expiring.citizen_id},XN-9/2026" in papers and ",10,Sắp hết hạn" in papers
    assert shared.number not in _text(client.get("/households/reports?report=mismatch"))
    household(db_session, shared, ID_C)
    mismatch = client.get("/households/reports/mismatch.csv").get_data().decode("utf-8")
    assert f"{shared.number},{shared.customer.code},Huỳnh Thị Mai,2,3,1" in mismatch
    assert client.get("/households/reports/other.csv").status_code == 404


def test_a_formula_in_a_name_is_defused_in_the_csv(client, login, db_session, make, shared):
    household(db_session, shared, ID_B, head_name="=HYPERLINK(\"http://x\")",
              paper_expires_on=today())
    login(make.user(role=Role.ADMIN))
    text = client.get("/households/reports/papers.csv").get_data().decode("utf-8")
    assert "'=HYPERLINK" in text


def test_the_register_forms_are_csrf_protected(app, client, login, db_session, shared, staff):
    login(staff)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/households/contracts/{shared.id}/new", data=GOOD)
        form = _text(client.get(f"/households/contracts/{shared.id}/new"))
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400 and len(_households(db_session, shared)) == 1
    assert 'name="csrf_token"' in form
