"""The "Tính tiền điện" tool page (any staff, prefilled from a customer) and the tariff admin
pages (admins edit, supervisors read, refusals answer 400 with the reason, nothing saved)."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from crm.models import AuditEvent, Contract, Reading, Role, TariffVersion, VatRate
from tests.support.tariffs import ensure_seeded

URL = "/tools/bill-estimate"
PRICES = ["1984", "2050", "2380", "2998", "3350", "3460"]
BOUNDS = ["50", "100", "200", "300", "400", ""]


@pytest.fixture(autouse=True)
def seeded(db_session):
    ensure_seeded(db_session)


def tariff_form(valid_from="2026-07-01", valid_to="", bounds=BOUNDS, prices=PRICES, note=""):
    data = {"valid_from": valid_from, "valid_to": valid_to, "note": note}
    for n, (bound, price) in enumerate(zip(bounds, prices)):
        data[f"tiers-{n}-up_to"], data[f"tiers-{n}-price"] = bound, price
    return data


def versions(db_session):
    db_session.expire_all()
    return db_session.execute(sa.select(TariffVersion.valid_from, TariffVersion.valid_to)
                              .order_by(TariffVersion.valid_from)).all()


def test_an_agent_estimates_a_bill_in_vietnamese_money(client, login, make):
    login(make.user(role=Role.AGENT))
    response = client.get(URL, query_string={"kwh": "350", "households": "1",
                                             "period_from": "2025-10-01",
                                             "period_to": "31/10/2025"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "979.560 đ" in page and "72.560 đ" in page and "167.500 đ" in page
    assert "Thuế GTGT (8%)" in page


def test_the_tool_is_in_the_nav_and_opens_empty(client, login, make):
    login(make.user(role=Role.DISTRICT_STAFF, district=make.district()))
    response = client.get(URL)
    assert response.status_code == 200
    assert 'href="/tools/bill-estimate"' in response.get_data(as_text=True)


def test_a_period_across_the_price_change_shows_both_tables(client, login, make):
    login(make.user())
    page = client.get(URL, query_string={"kwh": "300", "period_from": "2025-04-16",
                                         "period_to": "2025-05-15"}).get_data(as_text=True)
    assert "biểu giá từ 11/10/2024" in page and "biểu giá từ 10/05/2025" in page
    assert "769.327 đ" in page


@pytest.mark.parametrize("query, reason", [
    ({"kwh": ""}, "Vui lòng nhập sản lượng"),
    ({"kwh": "abc"}, "Vui lòng nhập một số nguyên"),
    ({"kwh": "-3"}, "Sản lượng phải là số nguyên"),
    ({"kwh": "10", "households": "0"}, "Số hộ phải là số nguyên"),
    ({"kwh": "10", "period_from": "2025-10-01"}, "Cần nhập cả ngày"),
    ({"kwh": "10", "period_from": "32/10/2025", "period_to": "2025-10-31"}, "Ngày không hợp lệ"),
    ({"kwh": "10", "period_from": "2019-10-01", "period_to": "2019-10-31"}, "01/10/2019"),
])
def test_bad_input_answers_400_with_the_reason(client, login, make, query, reason):
    login(make.user())
    response = client.get(URL, query_string=query)
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)


def test_opened_from_a_customer_it_is_prefilled_and_computed(client, login, make, db_session):
    customer = make.customer()
    db_session.add_all([
        Contract(customer=customer, number="HD-WEB-1", households=2),
        Reading(customer_id=customer.id, period="2025-09", kwh=100, read_on=date(2025, 9, 30)),
        Reading(customer_id=customer.id, period="2025-10", kwh=350, read_on=date(2025, 10, 31)),
    ])
    login(make.user())
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert f"/tools/bill-estimate?customer_id={customer.id}" in page
    response = client.get(URL, query_string={"customer_id": customer.id})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="350"' in page and 'value="2"' in page and 'value="2025-10-01"' in page
    assert "(2 hộ dùng chung)" in page and "821.232 đ" in page


def test_another_districts_customer_is_a_404(client, login, make):
    customer = make.customer()
    login(make.district_staff(make.district()))
    assert client.get(URL, query_string={"customer_id": customer.id}).status_code == 404
    assert client.get(URL, query_string={"customer_id": "x1"}).status_code == 404


def test_an_admin_adds_a_table_and_the_current_one_ends_the_day_before(client, login, make,
                                                                      db_session):
    login(make.user(role=Role.ADMIN))
    assert client.get("/admin/tariffs/new").status_code == 200
    response = client.post("/admin/tariffs/new", data=tariff_form(note="QĐ mới"))
    assert response.status_code == 303
    assert versions(db_session)[-2:] == [(date(2025, 5, 10), date(2026, 6, 30)),
                                         (date(2026, 7, 1), None)]
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == "tariff_version")) == 2
    page = client.get("/admin/tariffs").get_data(as_text=True)
    assert "01/07/2026" in page and "QĐ mới" in page


@pytest.mark.parametrize("form, reason", [
    (tariff_form(bounds=["50", "100", "90", "300", "400", ""]), "Mức trên của bậc 3 phải lớn hơn 100 kWh"),
    (tariff_form(bounds=["50", "", "200", "300", "400", ""]), "Mức trên của bậc 2"),
    (tariff_form(prices=["1984", "0", "2380", "2998", "3350", "3460"]), "Giá bậc 2 phải là số dương"),
    (tariff_form(prices=["1984", "2050", "2380", "2998", "3350", "nhiều"]), "Vui lòng nhập một số nguyên"),
    (tariff_form(valid_from="2025-01-01", valid_to="2025-01-31"), "trùng với bản từ 11/10/2024"),
    (tariff_form(valid_from="2026-07-01", valid_to="2026-06-01"), "Ngày hết hiệu lực"),
    (tariff_form(valid_from=""), "ngày bắt đầu hiệu lực"),
    (tariff_form(valid_from="30/02/2026"), "Ngày không hợp lệ"),
])
def test_admin_validation_errors_save_nothing(client, login, make, db_session, form, reason):
    login(make.user(role=Role.ADMIN))
    before = versions(db_session)
    response = client.post("/admin/tariffs/new", data=form)
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)
    assert versions(db_session) == before


def test_an_admin_edits_a_vat_rate(client, login, make, db_session):
    login(make.user(role=Role.ADMIN))
    rate = db_session.scalar(sa.select(VatRate).where(VatRate.percent == 10))
    response = client.post(f"/admin/vat-rates/{rate.id}", data={
        "valid_from": "2027-01-01", "valid_to": "", "percent": "10", "note": "Luật thuế GTGT"})
    assert response.status_code == 303
    db_session.expire_all()
    assert rate.note == "Luật thuế GTGT"
    bad = client.post(f"/admin/vat-rates/{rate.id}", data={
        "valid_from": "2027-01-01", "valid_to": "", "percent": "150", "note": ""})
    assert bad.status_code == 400 and "Thuế suất phải" in bad.get_data(as_text=True)


def test_supervisors_read_and_agents_are_kept_out(client, login, make, db_session):
    version = db_session.scalar(sa.select(TariffVersion).order_by(TariffVersion.id))
    login(make.user(role=Role.SUPERVISOR))
    assert client.get("/admin/tariffs").status_code == 200
    assert client.get(f"/admin/tariffs/{version.id}").status_code == 200
    assert client.post(f"/admin/tariffs/{version.id}", data=tariff_form()).status_code == 403
    assert client.get("/admin/tariffs/new").status_code == 403
    client.post("/logout")
    login(make.user(role=Role.AGENT))
    assert client.get("/admin/tariffs").status_code == 403
    assert client.get("/admin/tariffs/99999").status_code == 403


def test_an_admin_corrects_the_prices_of_a_table(client, login, make, db_session):
    version = db_session.scalar(sa.select(TariffVersion).where(TariffVersion.valid_to.is_(None)))
    login(make.user(role=Role.ADMIN))
    prices = ["1985", "2050", "2380", "2998", "3350", "3460"]
    response = client.post(f"/admin/tariffs/{version.id}",
                           data=tariff_form(valid_from="2025-05-10", prices=prices))
    assert response.status_code == 303
    db_session.expire_all()
    assert [t.price for t in version.tiers] == [int(p) for p in prices]
    page = client.get(URL, query_string={"kwh": "1"}).get_data(as_text=True)
    assert "1.985 đ" in page
