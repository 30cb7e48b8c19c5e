"""Routing admin pages (wards → offices with dates, pool rules) and the presence menu."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm.models import (AssignmentMode, AssignmentRule, AuditEvent, Presence, Role, Status,
                        WardAssignment)
from crm.routing import queries
from workflows import routing

TOMORROW = routing.today() + timedelta(days=1)


@pytest.fixture
def ward(make):
    district = make.district(code="PC05AA", name="Điện lực Hải Châu")
    return make.ward(code="PC05AA-W01", name="Phường Hải Châu", province="Đà Nẵng",
                     district=district)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _schedule(client, **data):
    return client.post("/admin/routing/assignments", data=data)


def _rows(session, ward):
    return session.scalars(sa.select(WardAssignment).filter_by(ward_id=ward.id)).all()


def test_the_ward_list_shows_code_name_province_area_office_and_upcoming_change(
        client, login, make, ward):
    from crm.routing import services
    services.assign_ward(ward, make.district(code="PC05BB"), TOMORROW, actor=None)
    make.ward(code="PC05ZZ-W09", district=None)
    login(make.user(role=Role.ADMIN))
    html = _text(client.get("/admin/routing/wards"))
    assert "PC05AA-W01" in html and "Phường Hải Châu" in html and "Đà Nẵng" in html
    assert "Thành thị" in html and "PC05AA – Điện lực Hải Châu" in html
    assert f"Từ {TOMORROW:%d/%m/%Y}: PC05BB" in html
    assert "Chưa có Điện lực" in html


def test_the_ward_list_pages_by_code_without_offsets(client, login, make, ward, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    for code in ("PC05AA-W02", "PC05AA-W03"):
        make.ward(code=code, district=ward.district)
    login(make.user(role=Role.ADMIN))
    first = _text(client.get("/admin/routing/wards?q=PC05AA"))
    assert "PC05AA-W02" in first and "PC05AA-W03" not in first
    following = re.search(r'href="([^"]*after=PC05AA-W02[^"]*)"', first).group(1)
    second = _text(client.get(following.replace("&amp;", "&")))
    assert "PC05AA-W03" in second and "PC05AA-W01" not in second


def test_an_admin_schedules_a_new_office_for_a_ward_from_a_date(client, login, make,
                                                                db_session, ward):
    new = make.district(code="PC05BB")
    login(make.user(role=Role.ADMIN))
    response = _schedule(client, ward="PC05AA-W01", district=str(new.id),
                         valid_from=TOMORROW.isoformat(), valid_to="")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/routing/wards/{ward.id}")
    assert [(r.district_id, r.valid_from) for r in _rows(db_session, ward)][-1] == \
        (new.id, TOMORROW)
    html = _text(client.get(f"/admin/routing/wards/{ward.id}"))
    assert "Sắp áp dụng" in html and "Đang áp dụng" in html


@pytest.mark.parametrize("data, reason", [
    ({"valid_from": "2030-05-10", "valid_to": "2030-05-01"},
     "Ngày kết thúc phải bằng hoặc sau ngày bắt đầu."),
    ({"ward": "KHONG-CO"}, "Không tìm thấy phường/xã có mã KHONG-CO."),
    ({"district": "999999"}, "Không tìm thấy Điện lực đã chọn."),
    ({"valid_from": "31/02/2030"}, "Ngày không hợp lệ"),
], ids=["range-ends-before-it-starts", "unknown-ward", "unknown-district", "bad-date"])
def test_bad_schedule_input_is_400_with_the_reason_and_saves_nothing(
        client, login, make, db_session, ward, data, reason):
    other = make.district(code="PC05BB")
    login(make.user(role=Role.ADMIN))
    form = {"ward": "PC05AA-W01", "district": str(other.id), "valid_from": "2030-05-01",
            "valid_to": ""} | data
    response = _schedule(client, **form)
    assert response.status_code == 400
    assert reason in _text(response)
    assert _rows(db_session, ward) == []


def test_an_overlapping_schedule_is_400_with_the_reason(client, login, make, db_session, ward):
    first, second = make.district(code="PC05BB"), make.district(code="PC05CC")
    login(make.user(role=Role.ADMIN))
    assert _schedule(client, ward="PC05AA-W01", district=str(first.id),
                     valid_from="2030-01-01", valid_to="2030-12-31").status_code == 303
    response = _schedule(client, ward="PC05AA-W01", district=str(second.id),
                         valid_from="2030-03-01", valid_to="2030-03-31")
    assert response.status_code == 400
    assert "Trùng thời gian với phân công cho PC05BB từ 01/01/2030 đến 31/12/2030." in \
        _text(response)
    assert {r.district_id for r in _rows(db_session, ward)} == {ward.district_id, first.id}


def test_a_supervisor_reads_the_routing_pages_but_cannot_change_them(client, login, make, ward):
    login(make.user(role=Role.SUPERVISOR))
    page = client.get(f"/admin/routing/wards/{ward.id}")
    assert page.status_code == 200 and "Lên lịch Điện lực mới" not in _text(page)
    assert client.get("/admin/routing/districts").status_code == 200
    assert _schedule(client, ward=ward.code, district=str(ward.district_id),
                     valid_from=TOMORROW.isoformat()).status_code == 403
    assert client.post("/admin/routing/rules", data={"pool": "centre",
                                                     "mode": "load"}).status_code == 403


@pytest.mark.parametrize("role", [Role.AGENT, Role.DISTRICT_STAFF])
def test_agents_and_district_staff_get_403_on_the_routing_admin_pages(client, login, make, ward,
                                                                     role):
    user = make.district_staff(ward.district) if role == Role.DISTRICT_STAFF else make.user()
    login(user)
    for path in ("/admin/routing/wards", f"/admin/routing/wards/{ward.id}",
                 "/admin/routing/districts", "/admin/routing/assignments/new"):
        assert client.get(path).status_code == 403, path
    assert _schedule(client, ward=ward.code, district=str(ward.district_id),
                     valid_from=TOMORROW.isoformat()).status_code == 403


def test_the_offices_page_shows_each_pool_and_an_admin_changes_its_rule(
        client, login, make, db_session, ward):
    make.district_staff(ward.district, presence=Presence.AVAILABLE)
    make.district_staff(ward.district)
    login(make.user(role=Role.ADMIN))
    html = _text(client.get("/admin/routing/districts"))
    assert "Trung tâm CSKH" in html and "PC05AA" in html and "1 / 2" in html
    response = client.post("/admin/routing/rules", data={"pool": str(ward.district_id),
                                                         "mode": "round_robin"})
    assert response.status_code == 303
    rule = db_session.scalar(sa.select(AssignmentRule))
    assert (rule.district_id, rule.mode) == (ward.district_id, AssignmentMode.ROUND_ROBIN)
    bad = client.post("/admin/routing/rules", data={"pool": "999999", "mode": "load"})
    assert bad.status_code == 400 and "Không tìm thấy Điện lực đã chọn." in _text(bad)


def test_agents_see_the_presence_menu_and_supervisors_do_not(client, login, make):
    login(make.user(presence=Presence.LUNCH))
    html = _text(client.get("/"))
    assert 'action="/me/presence"' in html and 'value="lunch" selected' in html
    assert "js/presence.js" in html
    client.post("/logout")
    login(make.user(role=Role.SUPERVISOR))
    assert 'action="/me/presence"' not in _text(client.get("/"))


def test_the_presence_form_needs_its_csrf_token(app, client, login, make, db_session,
                                               monkeypatch):
    agent = login(make.user(presence=Presence.OFFLINE))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    refused = client.post("/me/presence", data={"presence": "available", "next": "/"})
    assert refused.status_code == 400 and agent.presence == Presence.OFFLINE
    token = re.search(r'action="/me/presence"[^>]*>\s*<input type="hidden" name="csrf_token" '
                      r'value="([^"]+)"', _text(client.get("/"))).group(1)
    response = client.post("/me/presence", data={"presence": "available", "next": "/inbox?x=1",
                                                  "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith("/inbox?x=1")
    assert agent.presence == Presence.AVAILABLE


def test_becoming_available_by_the_form_pulls_waiting_work(client, login, make, db_session,
                                                           ward):
    from crm.routing import services
    staff = make.district_staff(ward.district, presence=Presence.AWAY)
    waiting = make.ticket(customer=make.customer(ward=ward), type="outage")
    services.set_rule(ward.district, AssignmentMode.LOAD, actor=None)
    login(staff)
    response = client.post("/me/presence", data={"presence": "available",
                                                 "next": "//evil.example/"})
    assert response.status_code == 303 and "evil" not in response.headers["Location"]
    assert waiting.assignee_id == staff.id


def test_an_unknown_presence_is_400_and_a_supervisor_has_none(client, login, make):
    agent = login(make.user(presence=Presence.AWAY))
    assert client.post("/me/presence", data={"presence": "napping"}).status_code == 400
    assert agent.presence == Presence.AWAY
    client.post("/logout")
    login(make.user(role=Role.SUPERVISOR))
    assert client.post("/me/presence", data={"presence": "available"}).status_code == 403


def test_a_supervisor_can_take_any_ticket_by_hand(client, login, make, db_session):
    supervisor = make.user(role=Role.SUPERVISOR)
    ticket = make.ticket(type="outage", status=Status.OPEN)
    ticket.assignee = make.district_staff(ticket.district)
    login(supervisor)
    response = client.post(f"/tickets/{ticket.id}/assign", data={"take": "1"})
    assert response.status_code == 303
    assert ticket.assignee_id == supervisor.id
    event = db_session.scalars(sa.select(AuditEvent).filter_by(ticket_id=ticket.id,
                                                              action="assigned")).all()[-1]
    assert event.actor_id == supervisor.id


def test_an_agent_routes_an_unrouted_ticket_by_hand_from_the_queue(client, login, make,
                                                                   db_session):
    ticket = make.ticket(customer=make.customer(ward=make.ward(district=None)), type="outage")
    target = make.district(code="PC05DD")
    login(make.user())
    assert ticket.code in _text(client.get("/?unrouted=1"))
    response = client.post(f"/tickets/{ticket.id}/transfer",
                           data={"district": str(target.id), "reason": "Xã mới sáp nhập"})
    assert response.status_code == 303 and ticket.district_id == target.id
    assert ticket.code not in _text(client.get("/?unrouted=1"))
