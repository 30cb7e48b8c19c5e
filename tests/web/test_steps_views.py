"""The step panel of the ticket page and its routes: forms from the declarations, 404 across
districts, 400 with the reasons on bad input, CSRF on every form."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from crm.models import AuditEvent, ContactAttempt, Message, Role, Status
from crm.tickets import services

# Notices go on configured channels only: these tests expect them written.
pytestmark = pytest.mark.usefixtures("notice_channels")

SURVEY = {"step": "surveyed", "survey_date": "2026-01-05", "survey_result": "feasible"}


@pytest.fixture
def ticket(make):
    customer = make.customer(name="Trần Thị Bích", phone="+84905111222")
    return services.create_ticket(customer=customer, type="new_connection",
                                  subtype="low_voltage", channel="hotline",
                                  subject="Xin cấp điện cho nhà mới xây")


@pytest.fixture
def staff(make, ticket):
    return make.district_staff(ticket.district)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _count(db_session, model, *where) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_the_ticket_page_shows_the_step_bar_and_the_next_steps_fields(
        client, login, staff, ticket):
    login(staff)
    html = _text(client.get(f"/tickets/{ticket.id}"))
    assert 'class="steps-bar"' in html and "css/steps.css" in html
    for label in ("Tiếp nhận", "Khảo sát", "Ký hợp đồng", "Lắp công tơ", "Đóng điện"):
        assert label in html
    assert re.search(r'step-done">\s*<span class="step-label">Tiếp nhận', html)
    assert re.search(r'step-current" aria-current="step">\s*<span class="step-label">Khảo sát',
                     html)
    assert 'action="/tickets/%d/step"' % ticket.id in html
    assert 'name="survey_date"' in html and 'type="date"' in html
    assert 'name="survey_result"' in html and "Đủ điều kiện cấp điện" in html
    assert 'value="refused"' in html and 'value="energised"' not in html
    assert "Nhật ký liên hệ" in html
    assert "style=" not in html.split('id="steps"')[1].split("</section>")[0]


def test_advancing_a_step_saves_it_notifies_and_redirects_back(
        client, login, db_session, staff, ticket):
    login(staff)
    response = client.post(f"/tickets/{ticket.id}/step", data=SURVEY)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/tickets/{ticket.id}")
    assert ticket.step == "surveyed" and ticket.status == Status.OPEN
    assert _count(db_session, Message, Message.ticket_id == ticket.id) == 1
    html = _text(client.get(f"/tickets/{ticket.id}"))
    assert "05/01/2026" in html and 'name="contract_number"' in html


def test_missing_fields_give_400_with_their_names_and_nothing_is_saved(
        client, login, db_session, staff, ticket):
    login(staff)
    response = client.post(f"/tickets/{ticket.id}/step",
                           data={"step": "surveyed", "survey_notes": "Nhà cấp 4"})
    assert response.status_code == 400
    html = _text(response)
    assert "Cần nhập: Ngày khảo sát, Kết quả khảo sát." in html
    assert html.count('class="field-error full"') == 2
    assert "Nhà cấp 4" in html                                  # what was typed is kept
    assert ticket.step == "received" and ticket.status == Status.NEW
    assert _count(db_session, AuditEvent, AuditEvent.ticket_id == ticket.id,
                  AuditEvent.action == "step_changed") == 0


def test_a_step_out_of_order_or_unknown_gives_400(client, login, staff, ticket):
    login(staff)
    for step in ("energised", "nonsense", ""):
        response = client.post(f"/tickets/{ticket.id}/step", data={"step": step})
        assert response.status_code == 400
    assert ticket.step == "received"


def test_walking_to_energised_through_the_pages_resolves_the_ticket(client, login, staff, ticket):
    login(staff)
    for data in (SURVEY,
                 {"step": "contract_signed", "contract_number": "HD-2026-0042",
                  "signed_date": "2026-01-06"},
                 {"step": "meter_installed", "meter_serial": "CT-15", "install_date": "2026-01-07",
                  "initial_reading": "0"},
                 {"step": "energised", "energised_at": "2026-01-08T09:30"}):
        assert client.post(f"/tickets/{ticket.id}/step", data=data).status_code == 303
    assert ticket.status == Status.RESOLVED and ticket.sla.stopped_at is not None
    html = _text(client.get(f"/tickets/{ticket.id}"))
    assert 'id="steps-result"' in html and "Đã đóng điện" in html
    assert "08/01/2026 09:30" in html
    assert 'action="/tickets/%d/step"' % ticket.id not in html    # nothing left to do


def test_closing_with_a_result_and_its_refusals(client, login, staff, ticket):
    login(staff)
    response = client.post(f"/tickets/{ticket.id}/close", data={"result": "refused", "note": ""})
    assert response.status_code == 400 and "Cần nhập lý do" in _text(response)
    assert client.post(f"/tickets/{ticket.id}/close",
                       data={"result": "energised"}).status_code == 400
    assert ticket.status == Status.NEW
    response = client.post(f"/tickets/{ticket.id}/close",
                           data={"result": "cancelled", "note": "Khách đổi ý"})
    assert response.status_code == 303
    assert ticket.status == Status.RESOLVED
    assert ticket.result == "Khách hàng hủy yêu cầu: Khách đổi ý"


def test_reopening_a_step_is_for_supervisors_only(client, login, make, staff, ticket):
    login(staff)
    client.post(f"/tickets/{ticket.id}/step", data=SURVEY)
    data = {"step": "received", "reason": "Khảo sát nhầm địa chỉ"}
    assert client.post(f"/tickets/{ticket.id}/step/reopen", data=data).status_code == 403
    client.post("/logout")
    login(make.user(role=Role.SUPERVISOR))
    assert "Quay lại bước trước" in _text(client.get(f"/tickets/{ticket.id}"))
    assert client.post(f"/tickets/{ticket.id}/step/reopen",
                       data={"step": "received", "reason": ""}).status_code == 400
    assert client.post(f"/tickets/{ticket.id}/step/reopen", data=data).status_code == 303
    assert ticket.step == "received" and "surveyed" not in ticket.details


ROUTES = [("step", SURVEY), ("close", {"result": "cancelled"}),
          ("contacts", {"outcome": "reached"})]


@pytest.mark.parametrize("path, data", ROUTES)
def test_district_staff_get_404_for_another_districts_ticket(
        client, login, make, db_session, ticket, path, data):
    login(make.district_staff(make.district()))
    assert client.post(f"/tickets/{ticket.id}/{path}", data=data).status_code == 404
    assert ticket.status == Status.NEW and ticket.step == "received"
    assert _count(db_session, ContactAttempt, ContactAttempt.ticket_id == ticket.id) == 0


@pytest.mark.parametrize("path, data", ROUTES)
def test_the_forms_are_csrf_protected(app, client, login, db_session, staff, ticket, path, data):
    login(staff)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/tickets/{ticket.id}/{path}", data=data)
        page = _text(client.get(f"/tickets/{ticket.id}"))
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert ticket.status == Status.NEW and ticket.step == "received"
    assert _count(db_session, ContactAttempt, ContactAttempt.ticket_id == ticket.id) == 0
    form = next(f for f in page.split("<form")[1:]
                if f'action="/tickets/{ticket.id}/{path}"' in f.split(">")[0])
    assert 'name="csrf_token"' in form.split("</form>")[0]
