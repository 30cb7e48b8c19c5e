"""The CSAT page (supervisors and admins) and the bill-notice progress pages."""
import io
from datetime import date

import pytest

from crm.billing import bills
from crm.csat import scores
from crm.models import Role, Status


@pytest.mark.parametrize("role", [Role.AGENT, Role.DISTRICT_STAFF])
def test_agents_and_district_staff_see_no_csat_nor_bill_runs(client, login, make, role):
    user = make.district_staff(make.district()) if role == Role.DISTRICT_STAFF else make.user()
    login(user)
    assert client.get("/csat").status_code == 403
    assert client.get("/bills/imports").status_code == 403


def test_the_page_needs_a_login(client):
    response = client.get("/csat")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_average_against_the_target_by_district_channel_and_month(client, login, make):
    good, poor = make.district(code="PC05AA"), make.district(code="PC05BB")
    for district, channel, value in [(good, "sms", 9), (good, "zalo", 10), (poor, "sms", 6)]:
        ticket = make.ticket(district=district, status=Status.RESOLVED, result="xong")
        scores.record(ticket, value, channel=channel, customer_id=ticket.customer_id)
    login(make.user(role=Role.SUPERVISOR))
    page = client.get("/csat").get_data(as_text=True)
    assert "8,33" in page and "mục tiêu 8,05" in page          # overall, Vietnamese decimals
    assert "PC05AA" in page and "9,50" in page and "Đạt" in page
    assert "PC05BB" in page and "6,00" in page and "Chưa đạt" in page
    by_channel = client.get("/csat?by=channel").get_data(as_text=True)
    assert "zalo" in by_channel and "7,50" in by_channel
    assert client.get("/csat?by=month").status_code == 200
    assert client.get("/csat?by=nothing").status_code == 400
    assert client.get("/csat?months=7").status_code == 400


def test_no_scores_yet_says_so(client, login, make):
    login(make.user(role=Role.ADMIN))
    assert "Chưa có đánh giá nào" in client.get("/csat").get_data(as_text=True)


def test_a_bill_run_shows_its_progress_and_bad_lines(client, login, make, db_session):
    customer = make.customer()
    run, _ = bills.import_bills(io.BytesIO(
        f"{customer.code},2026-10,100,1.000,25/11/2026\nPC05ZZ0000009,2026-10,1,1,25/11/2026\n"
        .encode()), filename="hoa_don_10.csv", today=date(2026, 11, 23))
    login(make.user(role=Role.SUPERVISOR))
    listing = client.get("/bills/imports").get_data(as_text=True)
    assert "hoa_don_10.csv" in listing and "100%" in listing
    page = client.get(f"/bills/imports/{run.id}").get_data(as_text=True)
    assert "Không có khách hàng mã PC05ZZ0000009." in page and 'http-equiv="refresh"' not in page
    assert client.get("/bills/imports/999999").status_code == 404
