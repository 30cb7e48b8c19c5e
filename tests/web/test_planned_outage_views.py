"""Planned-outage pages: the schedule by day (district-scoped), one outage, cancelling, the
CSV upload; the panels on the ticket page and the customer 360 page."""
import io

import pytest
import sqlalchemy as sa

from crm.models import PlannedOutage, PlannedOutageStatus, Role
from crm.tickets import services as tickets
from tests.support.planned_outages import at, csv_text, day, outage, stamp, world


@pytest.fixture
def w(make):
    return world(make)


@pytest.fixture
def cuts(db_session, w):
    """One outage in each district, two days from now, 08:00–16:00 local time."""
    return (outage(db_session, w.district, wards=[w.ward], start=at(2, 8), end=at(2, 16),
                   reason="Bảo dưỡng đường dây Hải Châu"),
            outage(db_session, w.other, wards=[w.far_ward], start=at(3, 7), end=at(3, 11),
                   reason="Thay máy biến áp Sơn Trà"))


def page(client, url="/planned-outages", **params):
    response = client.get(url, query_string=params)
    return response.status_code, response.get_data(as_text=True)


def test_agents_see_every_district_grouped_by_day_in_local_time(client, login, make, cuts):
    login(make.user(role=Role.AGENT))
    status, html = page(client)
    assert status == 200
    assert "Bảo dưỡng đường dây Hải Châu" in html and "Thay máy biến áp Sơn Trà" in html
    assert f"{day(2):%d/%m/%Y}" in html and f"{day(3):%d/%m/%Y}" in html
    assert ">08:00</time>–<time" in html and ">16:00</time>" in html
    assert html.index("Hải Châu") < html.index("Sơn Trà")         # earliest day first


def test_district_staff_see_only_their_own_districts_schedule(client, login, make, w, cuts):
    login(make.district_staff(w.district))
    _status, html = page(client)
    assert "Bảo dưỡng đường dây Hải Châu" in html and "Sơn Trà" not in html
    assert client.get(f"/planned-outages/{cuts[1].id}").status_code == 404
    assert client.get(f"/planned-outages/{cuts[0].id}").status_code == 200
    assert client.post(f"/planned-outages/{cuts[1].id}/cancel").status_code == 404


def test_search_by_customer_code_or_phone_finds_their_outages(client, login, make, w, cuts):
    customer = make.customer(ward=w.far_ward, phone="+84905123456")
    login(make.user(role=Role.AGENT))
    for q in (customer.code, "0905 123 456"):
        _status, html = page(client, q=q)
        assert "Thay máy biến áp Sơn Trà" in html and "Hải Châu" not in html.split("</form>")[1]
    _status, html = page(client, q="PC99ZZ0000000")
    assert "Không tìm thấy khách hàng" in html and "no-planned-outages" in html


def test_search_by_ward_name_without_accents_and_by_date_range(client, login, make, w, cuts):
    login(make.user(role=Role.AGENT))
    _status, html = page(client, ward="thanh khe")
    assert "no-planned-outages" in html
    _status, html = page(client, ward="son tra")
    assert "Thay máy biến áp Sơn Trà" in html and "Bảo dưỡng đường dây" not in html
    _status, html = page(client, since=f"{day(3):%d/%m/%Y}", until=f"{day(3):%Y-%m-%d}")
    assert "Thay máy biến áp Sơn Trà" in html and "Bảo dưỡng đường dây" not in html
    status, _html = page(client, since="31/02/2026")
    assert status == 400


def test_the_detail_page_shows_reach_and_district_staff_can_cancel(client, login, make, w, cuts,
                                                                   db_session):
    make.customer(ward=w.ward)
    login(make.district_staff(w.district))
    _status, html = page(client, f"/planned-outages/{cuts[0].id}")
    assert "Phường Hải Châu" in html and "cancel-planned-outage" in html
    response = client.post(f"/planned-outages/{cuts[0].id}/cancel")
    assert response.status_code == 303
    assert db_session.get(PlannedOutage, cuts[0].id).status == PlannedOutageStatus.CANCELLED
    assert client.post(f"/planned-outages/{cuts[0].id}/cancel").status_code == 400


def test_agents_may_not_cancel_or_upload(client, login, make, cuts):
    login(make.user(role=Role.AGENT))
    assert client.post(f"/planned-outages/{cuts[0].id}/cancel").status_code == 403
    assert client.get("/planned-outages/import").status_code == 403


def test_supervisors_upload_a_schedule_and_see_the_report_with_line_numbers(client, login, make,
                                                                            w, db_session):
    login(make.user(role=Role.SUPERVISOR))
    text = csv_text(f"PC09AA,PC09AA-W01,,{stamp(10, 8)},{stamp(10, 16)},Bảo dưỡng,KH-1",
                    f"PC09AA,PC09AA-W99,,{stamp(10, 8)},{stamp(10, 16)},Bảo dưỡng,KH-2")
    response = client.post("/planned-outages/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(text.encode()), "lich.csv")})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "import-report" in html
    assert '<td class="mono">3</td>' in html and "PC09AA-W99" in html
    assert db_session.scalar(sa.select(sa.func.count()).select_from(PlannedOutage)) == 1


def test_an_upload_without_a_header_or_file_answers_400(client, login, make):
    login(make.user(role=Role.ADMIN))
    response = client.post("/planned-outages/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(b"a,b\n1,2\n"), "lich.csv")})
    assert response.status_code == 400 and "import-error" in response.get_data(as_text=True)
    response = client.post("/planned-outages/import", content_type="multipart/form-data", data={})
    assert response.status_code == 400


def test_the_customer_page_lists_the_customers_upcoming_outages(client, login, make, w, cuts):
    customer = make.customer(ward=w.ward)
    login(make.user(role=Role.AGENT))
    _status, html = page(client, f"/customers/{customer.id}")
    assert 'id="planned-outages"' in html
    assert f"08:00–16:00 ngày {day(2):%d/%m/%Y} tại Phường Hải Châu" in html
    other = make.customer(ward=w.ward2)
    assert 'id="planned-outages"' not in page(client, f"/customers/{other.id}")[1]


def test_an_outage_report_during_a_planned_outage_tells_the_agent(client, login, make, w,
                                                                  db_session, monkeypatch):
    cut = outage(db_session, w.district, wards=[w.ward], start=at(0, 0), end=at(1, 0),
                 reason="Nâng cấp lưới điện")
    customer = make.customer(ward=w.ward)
    report = tickets.create_ticket(customer=customer, type="outage", channel="hotline",
                                   subject="Mất điện")
    login(make.user(role=Role.AGENT))
    _status, html = page(client, f"/tickets/{report.id}")
    assert 'id="planned-match"' in html and "Nâng cấp lưới điện" in html
    assert f"/planned-outages/{cut.id}" in html


def test_the_ticket_page_shows_the_customers_upcoming_outages_and_nothing_otherwise(
        client, login, make, w, cuts):
    asking = make.ticket(customer=make.customer(ward=w.ward))
    quiet = make.ticket(customer=make.customer(ward=w.ward2))
    login(make.user(role=Role.AGENT))
    html = page(client, f"/tickets/{asking.id}")[1]
    assert 'id="planned-upcoming"' in html and 'id="planned-match"' not in html
    assert "planned-outages-panel" not in page(client, f"/tickets/{quiet.id}")[1]
