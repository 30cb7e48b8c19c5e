"""Admin pages for SLA policies: who may edit, validation, the recompute of open tickets and
the "which policy applies?" tester."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from crm.models import AreaType, AuditEvent, Role, SlaPolicy, TicketStatusChange
from crm.tickets import services
from workflows.sla import clock

LV_URBAN = "Cấp điện mới hạ áp – thành thị"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


@pytest.fixture
def received_ticket(make, db_session):
    """An urban low-voltage new connection received Fri 20/11/2026 15:00 (due 26/11 15:00)."""
    customer = make.customer(ward=make.ward(area_type=AreaType.URBAN))
    ticket = services.create_ticket(customer=customer, type="new_connection",
                                    subtype="low_voltage", channel="zalo", subject="Cấp điện")
    received = at("2026-11-20T15:00+07:00")
    ticket.created_at = ticket.sla.started_at = received
    db_session.query(TicketStatusChange).filter_by(ticket_id=ticket.id).delete()
    clock.record_status(ticket, received)
    db_session.flush()
    clock.apply(ticket, now=received)
    db_session.flush()
    assert ticket.sla.due_at == at("2026-11-26T15:00+07:00")
    return ticket


def _policy(db_session, name=LV_URBAN) -> SlaPolicy:
    db_session.expire_all()
    return db_session.scalar(sa.select(SlaPolicy).where(SlaPolicy.name == name))


def _policies(db_session) -> list[tuple]:
    db_session.expire_all()
    return db_session.execute(sa.select(
        SlaPolicy.id, SlaPolicy.name, SlaPolicy.duration_minutes, SlaPolicy.is_active,
        SlaPolicy.valid_from, SlaPolicy.valid_to).order_by(SlaPolicy.id)).all()


def _form(**overrides) -> dict:
    data = {"name": LV_URBAN, "type": "new_connection", "subtype": "low_voltage",
            "area_type": "urban", "priority": "10", "clock": "business", "days": "3",
            "hours": "0", "minutes": "0", "warn_percent": "75", "valid_from": "2020-01-01",
            "valid_to": ""}
    return {**data, **overrides}


def test_an_admin_edits_a_policy_and_the_open_tickets_due_time_follows(
        client, login, make, db_session, received_ticket):
    admin = login(make.user(role=Role.ADMIN))
    policy = _policy(db_session)
    response = client.post(f"/admin/sla-policies/{policy.id}", data=_form(days="2"))
    assert response.status_code == 303

    assert _policy(db_session).duration_minutes == 2 * 480
    # 16 working hours: Fri 2 h, Mon 8 h, Tue 24/11 is a holiday, Wed 08–12 and 13–15.
    assert received_ticket.sla.due_at == at("2026-11-25T15:00+07:00")
    [event] = db_session.scalars(sa.select(AuditEvent).where(
        AuditEvent.entity == "sla_policy", AuditEvent.entity_id == policy.id)).all()
    assert event.changes == {"duration_minutes": [1440, 960]} and event.actor_id == admin.id


def test_an_admin_creates_a_policy_that_wins_by_priority(
        client, login, make, db_session, received_ticket):
    login(make.user(role=Role.ADMIN))
    response = client.post("/admin/sla-policies/new", data=_form(
        name="Cấp điện mới hạ áp – ưu tiên", priority="1", days="1", hours="4",
        valid_from="01/01/2026", valid_to="31/12/2026"))
    assert response.status_code == 303

    created = _policy(db_session, "Cấp điện mới hạ áp – ưu tiên")
    assert created.duration_minutes == 12 * 60 and created.is_active
    assert (created.valid_from, created.valid_to) == (date(2026, 1, 1), date(2026, 12, 31))
    assert received_ticket.sla.policy_id == created.id
    assert received_ticket.sla.due_at == at("2026-11-25T10:00+07:00")


def test_a_24_7_policy_counts_days_as_24_hours(client, login, make, db_session):
    login(make.user(role=Role.ADMIN))
    response = client.post("/admin/sla-policies/new", data=_form(
        name="Mất điện – khu công nghiệp", type="outage", subtype="", area_type="",
        clock="calendar", days="1", hours="2"))
    assert response.status_code == 303
    assert _policy(db_session, "Mất điện – khu công nghiệp").duration_minutes == 26 * 60


def test_deactivating_a_policy_hands_the_ticket_to_the_next_one(
        client, login, make, db_session, received_ticket):
    login(make.user(role=Role.ADMIN))
    policy = _policy(db_session)
    assert client.post(f"/admin/sla-policies/{policy.id}/toggle").status_code == 303
    assert not _policy(db_session).is_active
    assert received_ticket.sla.policy_id == _policy(db_session, "Cấp điện mới – thành thị").id

    assert client.post(f"/admin/sla-policies/{policy.id}/toggle").status_code == 303
    assert _policy(db_session).is_active and received_ticket.sla.policy_id == policy.id


def test_the_list_shows_labels_clocks_and_durations_by_type_then_priority(client, login, make):
    login(make.user(role=Role.ADMIN))
    page = client.get("/admin/sla-policies").get_data(as_text=True)
    assert "Cấp điện mới" in page and "Hạ áp" in page and "Thành thị" in page
    assert "Nông thôn, miền núi" in page and "Mọi khu vực" in page
    assert "3 ngày làm việc" in page and "5 ngày làm việc" in page and "2 giờ" in page
    assert "ngày làm việc" in page and "24/7" in page and "75 %" in page
    assert "01/01/2020" in page and "Thêm chính sách" in page
    # complaint < contract_change < ... < outage; inside a type the priority decides
    assert page.index("Khiếu nại") < page.index("Thay đổi hợp đồng – thành thị") \
        < page.index("Mất điện – thành thị (24/7)")
    assert page.index(LV_URBAN) < page.index("Cấp điện mới – thành thị") \
        < page.index("Cấp điện mới – chưa rõ khu vực")


def test_the_edit_page_shows_the_duration_in_working_days(client, login, make, db_session):
    login(make.user(role=Role.ADMIN))
    page = client.get(f"/admin/sla-policies/{_policy(db_session).id}").get_data(as_text=True)
    assert f'value="{LV_URBAN}"' in page and 'name="days" type="number" value="3"' in page
    assert 'value="2020-01-01"' in page


def test_a_supervisor_may_look_but_not_change(client, login, make, db_session):
    login(make.user(role=Role.SUPERVISOR))
    policy = _policy(db_session)
    assert client.get("/admin/sla-policies").status_code == 200
    page = client.get(f"/admin/sla-policies/{policy.id}").get_data(as_text=True)
    assert "Chỉ xem" in page and 'disabled id="name"' in page and ">Lưu</button>" not in page
    before = _policies(db_session)
    assert client.post(f"/admin/sla-policies/{policy.id}", data=_form(days="1")).status_code \
        == 403
    assert client.post(f"/admin/sla-policies/{policy.id}/toggle").status_code == 403
    assert client.get("/admin/sla-policies/new").status_code == 403
    assert client.post("/admin/sla-policies/new", data=_form(name="Mới")).status_code == 403
    assert _policies(db_session) == before


@pytest.mark.parametrize("role", [Role.AGENT, Role.DISTRICT_STAFF])
def test_agents_and_district_staff_get_403(client, login, make, db_session, role):
    user = make.district_staff(make.district()) if role == Role.DISTRICT_STAFF \
        else make.user(role=role)
    login(user)
    policy = _policy(db_session)
    for url in ("/admin/sla-policies", f"/admin/sla-policies/{policy.id}",
                "/admin/sla-policies/new", "/admin/sla-policies/tester"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/admin/sla-policies/{policy.id}/toggle").status_code == 403


INVALID = [
    ({"days": "-1"}, "Không được là số âm."),
    ({"days": "0"}, "Thời hạn phải lớn hơn 0 phút."),
    ({"days": "ba"}, "Vui lòng nhập một số nguyên."),
    ({"type": "bogus"}, "Loại yêu cầu không hợp lệ: bogus"),
    ({"subtype": "renew"}, "Loại chi tiết không thuộc loại yêu cầu: renew"),
    ({"area_type": "city"}, "Khu vực không hợp lệ."),
    ({"clock": "lunar"}, "Cách tính thời gian không hợp lệ."),
    ({"valid_from": "2026-12-31", "valid_to": "2026-01-01"},
     "Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực."),
    ({"valid_from": "31/02/2026"}, "Ngày không hợp lệ"),
    ({"valid_from": ""}, "Vui lòng nhập ngày bắt đầu hiệu lực."),
    ({"warn_percent": "100"}, "Ngưỡng cảnh báo phải từ 1 đến 99 %."),
    ({"name": "  "}, "Cần đặt tên cho chính sách."),
]


@pytest.mark.parametrize("change, reason", INVALID)
def test_an_invalid_policy_answers_400_and_saves_nothing(
        client, login, make, db_session, received_ticket, change, reason):
    login(make.user(role=Role.ADMIN))
    before = _policies(db_session)
    policy = _policy(db_session)
    for url in ("/admin/sla-policies/new", f"/admin/sla-policies/{policy.id}"):
        response = client.post(url, data=_form(**{"name": "Chính sách thử", **change}))
        assert response.status_code == 400, url
        assert reason in response.get_data(as_text=True)
    assert _policies(db_session) == before
    assert received_ticket.sla.due_at == at("2026-11-26T15:00+07:00")


def test_the_tester_gives_designs_first_worked_example(client, login, make):
    login(make.user(role=Role.SUPERVISOR))
    response = client.get("/admin/sla-policies/tester", query_string={
        "type": "new_connection", "subtype": "low_voltage", "area": "urban",
        "received": "2026-11-20T15:00"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert LV_URBAN in page and "Được chọn" in page
    assert 'datetime="2026-11-26T15:00:00+07:00"' in page and "26/11/2026 15:00" in page


def test_the_tester_runs_an_outage_around_the_clock(client, login, make):
    login(make.user(role=Role.ADMIN))
    page = client.get("/admin/sla-policies/tester", query_string={
        "type": "outage", "subtype": "", "area": "urban",
        "received": "23/11/2026 23:30"}).get_data(as_text=True)
    assert "Mất điện – thành thị (24/7)" in page and "2026-11-24T01:30:00+07:00" in page


def test_the_tester_says_when_no_policy_applies(client, login, make, db_session):
    db_session.query(SlaPolicy).filter_by(type="complaint").delete()
    login(make.user(role=Role.ADMIN))
    response = client.get("/admin/sla-policies/tester", query_string={
        "type": "complaint", "area": "", "received": "2026-11-20T15:00"})
    assert response.status_code == 200
    assert "Không có chính sách nào áp dụng" in response.get_data(as_text=True)


@pytest.mark.parametrize("args, reason", [
    ({"type": "bogus", "received": "2026-11-20T15:00"}, "Loại yêu cầu không hợp lệ"),
    ({"type": "outage", "subtype": "renew", "received": "2026-11-20T15:00"},
     "Loại chi tiết không thuộc loại yêu cầu"),
    ({"type": "outage", "area": "city", "received": "2026-11-20T15:00"}, "Khu vực không hợp lệ"),
    ({"type": "outage", "received": "hôm qua"}, "Thời điểm tiếp nhận không hợp lệ"),
    ({"type": "outage", "received": ""}, "Vui lòng nhập thời điểm tiếp nhận."),
])
def test_the_tester_answers_400_for_bad_input(client, login, make, args, reason):
    login(make.user(role=Role.ADMIN))
    response = client.get("/admin/sla-policies/tester", query_string=args)
    assert response.status_code == 400 and reason in response.get_data(as_text=True)
