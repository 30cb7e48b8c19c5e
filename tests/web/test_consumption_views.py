"""The readings upload page, and the consumption history and reading day on the customer 360."""
import io
from datetime import date

import pytest
import sqlalchemy as sa

from crm.consumption.importer import import_readings
from crm.core.timefmt import local
from crm.models import ImportStatus, Reading, ReadingImport, Role, Ticket, utcnow


def _months_back(n: int) -> str:
    """YYYY-MM of n months before today: uploads are checked against the real date."""
    today = local(utcnow()).date()
    index = today.year * 12 + today.month - 1 - n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


LAST, BEFORE = _months_back(1), _months_back(2)


def upload(client, text: str, name="chi_so.csv"):
    return client.post("/consumption/import", data={"file": (io.BytesIO(text.encode()), name)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("role", [Role.AGENT, Role.DISTRICT_STAFF])
def test_agents_and_district_staff_cannot_import(client, login, make, db_session, role):
    user = make.district_staff(make.district()) if role == Role.DISTRICT_STAFF else make.user()
    login(user)
    assert client.get("/consumption/import").status_code == 403
    assert upload(client, "PC05AA0000001,2026-10,5\n").status_code == 403
    assert db_session.scalar(sa.select(sa.func.count()).select_from(ReadingImport)) == 0


def test_the_page_needs_a_login(client):
    response = client.get("/consumption/import")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
def test_a_supervisor_or_admin_uploads_a_file_and_reads_the_summary(client, login, make,
                                                                   db_session, role):
    customer = make.customer()
    db_session.add(Reading(customer_id=customer.id, period=BEFORE, kwh=200))
    login(make.user(role=role))
    response = upload(client, f"ma_kh,ky,kwh\n{customer.code},{LAST},300\nPC05ZZ0000001,"
                              f"{LAST},5\n")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    run = db_session.scalar(sa.select(ReadingImport))
    assert run.status == ImportStatus.DONE and run.stored_path is None
    assert run.summary["imported"] == 1 and run.summary["flagged"] == 1
    assert run.summary["errors"] == [{"line": 3, "error": "Không có khách hàng mã PC05ZZ0000001."}]
    for expected in ("Kết quả", "Dòng lỗi", "Không có khách hàng mã PC05ZZ0000001.",
                     "chi_so.csv"):
        assert expected in page, expected
    assert 'http-equiv="refresh"' not in page
    listing = client.get("/consumption/import").get_data(as_text=True)
    assert "chi_so.csv" in listing and f"/consumption/import/{run.id}" in listing


def test_an_upload_without_a_csv_file_is_refused(client, login, make, db_session):
    login(make.user(role=Role.ADMIN))
    assert client.post("/consumption/import", data={},
                       content_type="multipart/form-data").status_code == 400
    assert upload(client, "x", name="chi_so.xlsx").status_code == 400
    assert upload(client, "").status_code == 400
    assert db_session.scalar(sa.select(sa.func.count()).select_from(ReadingImport)) == 0


def test_a_file_that_cannot_be_read_fails_with_a_reason(client, login, make, db_session):
    login(make.user(role=Role.ADMIN))
    response = client.post("/consumption/import", data={
        "file": (io.BytesIO("PC05AA0000001,2026-10,5\n".encode("utf-16")), "utf16.csv")},
        content_type="multipart/form-data")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert db_session.scalar(sa.select(ReadingImport.status)) == ImportStatus.FAILED
    assert "UTF-8" in page


def _flagged_customer(db_session, make):
    customer = make.customer(name="Phan Thị Lan")
    for month in range(1, 10):
        db_session.add(Reading(customer_id=customer.id, period=f"2026-{month:02d}", kwh=1000))
    db_session.add(Reading(customer_id=customer.id, period="2025-10", kwh=900))
    db_session.flush()
    import_readings(io.BytesIO(f"{customer.code},2026-10,1355\n".encode()),
                    today=date(2026, 11, 23))
    return customer


def test_the_360_page_highlights_a_flagged_reading_and_links_its_ticket(
        client, login, make, db_session):
    customer = _flagged_customer(db_session, make)
    ticket = db_session.scalar(sa.select(Ticket).where(Ticket.customer_id == customer.id))
    login(make.user())
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    for expected in ("bar-jump", "+35,5%", f"/tickets/{ticket.id}", ticket.code,
                     "bar-last-year", "10/2025", "Thay đổi từ 30% so với kỳ trước"):
        assert expected in page, expected
    assert page.count('<rect x=') == 11


def test_district_staff_see_the_chart_of_their_own_districts_customers_only(
        client, login, make, db_session):
    customer = _flagged_customer(db_session, make)
    other = make.customer(name="Ở quận khác")
    db_session.add(Reading(customer_id=other.id, period="2026-10", kwh=77))
    login(make.district_staff(customer.ward.district))
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "bar-jump" in page and "+35,5%" in page
    assert client.get(f"/customers/{other.id}").status_code == 404


def test_the_profile_shows_the_next_reading_date(client, login, make, db_session):
    customer = make.customer()
    login(make.user())
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Ngày ghi chỉ số công tơ kỳ tới:" in page and "Ghi chỉ số vào ngày cuối tháng" in page


def test_a_run_still_waiting_shows_its_progress_and_refreshes(client, login, make, db_session):
    run = ReadingImport(filename="thang10.csv", size_bytes=1000, progress_bytes=250,
                        status=ImportStatus.RUNNING)
    db_session.add(run)
    db_session.flush()
    login(make.user(role=Role.SUPERVISOR))
    page = client.get(f"/consumption/import/{run.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in page and 'value="25"' in page
    assert client.get("/consumption/import/999999").status_code == 404


def test_the_import_job_runs_a_queued_upload_once(db_session, make, tmp_path):
    from crm.consumption.jobs import run_import
    customer = make.customer()
    path = tmp_path / "upload.csv"
    path.write_text(f"{customer.code},{LAST},5\n")
    run = ReadingImport(filename="upload.csv", stored_path=str(path), size_bytes=25)
    db_session.add(run)
    db_session.flush()
    run_import(run.id)
    run_import(run.id)
    db_session.refresh(run)
    assert run.status == ImportStatus.DONE and run.summary["imported"] == 1
    assert not path.exists() and run.percent == 100
