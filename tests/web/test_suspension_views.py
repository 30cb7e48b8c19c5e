"""Suspension pages: admins and supervisors only; the districts' "contact after suspension" list."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm.core.timefmt import LOCAL_TZ
from crm.incidents import suspensions
from crm.models import Role, Status, Suspension, utcnow
from crm.tickets import services
from tests.web.test_incident_views import web  # noqa: F401  (the fixture)

NOTICE = "Điện lực tạm dừng cung cấp dịch vụ cấp điện mới trong thời gian cách ly."


def local_input(dt):
    return dt.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


def form(**changes):
    now = utcnow()
    data = {"types": ["new_connection", "contract_change"], "starts_at": local_input(now),
            "ends_at": local_input(now + timedelta(days=14)), "notice": NOTICE}
    return {**data, **changes}


@pytest.mark.parametrize("role", [Role.AGENT, Role.DISTRICT_STAFF])
def test_suspension_pages_are_forbidden_to_agents_and_district_staff(web, make, role):
    user = make.user(role=role, district=make.district() if role == Role.DISTRICT_STAFF else None)
    web.login(user)
    assert web.get("/suspensions").status_code == 403
    assert web.post("/suspensions", data=form()).status_code == 403


def test_an_admin_suspends_types_for_a_period_with_a_notice(web, make, db_session):
    web.login(make.user(role=Role.ADMIN))
    assert web.get("/suspensions").status_code == 200
    response = web.post("/suspensions", data=form())
    assert response.status_code == 303
    suspension = db_session.scalars(sa.select(Suspension)).one()
    assert suspension.types == ["new_connection", "contract_change"]
    assert suspension.notice == NOTICE and suspension.ends_at is not None
    assert "Đang tạm dừng" in web.get("/suspensions").get_data(as_text=True)


@pytest.mark.parametrize("changes, message", [
    ({"types": []}, "Chọn ít nhất một loại yêu cầu cần tạm dừng."),
    ({"types": ["outage"]}, "Lựa chọn không hợp lệ."),
    ({"notice": "  "}, "Cần nhập nội dung thông báo cho khách hàng."),
    ({"starts_at": "hôm nay"}, "Ngày giờ không hợp lệ."),
    ({"ends_at": local_input(utcnow() - timedelta(days=1))},
     "Thời điểm kết thúc phải sau thời điểm bắt đầu."),
])
def test_an_invalid_suspension_form_answers_400_and_saves_nothing(web, make, db_session,
                                                                  changes, message):
    web.login(make.user(role=Role.SUPERVISOR))
    response = web.post("/suspensions", data=form(**changes))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Suspension)) == 0


def test_lifting_puts_the_deferred_requests_back_in_the_districts_queue(web, make, db_session):
    suspension = suspensions.create_suspension(["new_connection"], utcnow() - timedelta(hours=1),
                                               None, NOTICE, None)
    ticket = services.create_ticket(customer=make.customer(), type="new_connection",
                                    subtype="low_voltage", channel="web", subject="Cấp điện")
    web.login(make.user(role=Role.ADMIN))
    assert web.post(f"/suspensions/{suspension.id}/lift").status_code == 303
    db_session.refresh(ticket)
    assert ticket.status == Status.NEW
    assert web.post(f"/suspensions/{suspension.id}/lift").status_code == 409


def test_the_contact_list_shows_a_districts_own_deferred_requests_oldest_first(web, make,
                                                                              db_session):
    suspensions.create_suspension(["new_connection"], utcnow() - timedelta(hours=1), None,
                                  NOTICE, None)
    ward = make.ward()
    mine = [services.create_ticket(customer=make.customer(ward=ward, name=name),
                                   type="new_connection", subtype="low_voltage", channel="zalo",
                                   subject="Cấp điện") for name in ("Khách Một", "Khách Hai")]
    mine[1].created_at = mine[0].created_at - timedelta(minutes=5)
    services.create_ticket(customer=make.customer(name="Khách Nơi Khác"), type="new_connection",
                           subtype="low_voltage", channel="zalo", subject="Cấp điện")
    web.login(make.district_staff(ward.district))
    page = web.get("/suspensions/deferred").get_data(as_text=True)
    assert page.index("Khách Hai") < page.index("Khách Một")
    assert "Khách Nơi Khác" not in page and NOTICE in page


def test_the_ticket_page_of_a_deferred_request_shows_the_notice(web, make):
    suspensions.create_suspension(["new_connection"], utcnow() - timedelta(hours=1), None,
                                  NOTICE, None)
    ticket = services.create_ticket(customer=make.customer(), type="new_connection",
                                    subtype="low_voltage", channel="zalo", subject="Cấp điện")
    web.login(make.district_staff(ticket.district))
    page = web.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert NOTICE in page and "Tạm dừng dịch vụ" in page
