"""Admin pages for the working-day calendar and office hours: the year view, days off and
make-up days (one at a time or imported all-or-nothing), office hours, confirmed years."""
from __future__ import annotations

import io
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from crm.core import settings
from crm.core.timefmt import LOCAL_TZ
from crm.models import AreaType, CalendarDayKind, CalendarOverride, CalendarYear, Role, \
    TicketStatusChange
from crm.tickets import services
from workflows.sla import clock, store


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


@pytest.fixture
def admin(login, make):
    return login(make.user(role=Role.ADMIN))


def _overrides(db_session) -> dict[date, tuple]:
    db_session.expire_all()
    return {row.day: (str(row.kind), row.name) for row in db_session.scalars(
        sa.select(CalendarOverride))}


def test_a_make_up_working_day_moves_the_open_tickets_due_time(
        client, admin, db_session, received_ticket):
    response = client.post("/admin/calendar/days", data={
        "day": "2026-11-21", "kind": "working_day", "name": "Làm bù"})
    assert response.status_code == 303
    assert response.location.endswith("/admin/calendar?year=2026")
    assert _overrides(db_session) == {date(2026, 11, 21): ("working_day", "Làm bù")}
    assert received_ticket.sla.due_at == at("2026-11-25T15:00+07:00")       # DESIGN, example 6


def test_a_day_off_typed_as_dd_mm_yyyy_moves_the_due_time_and_clearing_it_moves_it_back(
        client, admin, db_session, received_ticket):
    assert client.post("/admin/calendar/days", data={
        "day": "25/11/2026", "kind": "day_off", "name": "Nghỉ đột xuất"}).status_code == 303
    assert received_ticket.sla.due_at == at("2026-11-27T15:00+07:00")
    page = client.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert "Nghỉ đột xuất" in page and "Quản trị thêm ngày nghỉ" in page

    assert client.post("/admin/calendar/days/clear", data={"day": "2026-11-25"}).status_code \
        == 303
    assert _overrides(db_session) == {}
    assert received_ticket.sla.due_at == at("2026-11-26T15:00+07:00")


def test_the_year_view_lists_holidays_and_make_up_days_with_their_reasons(client, admin):
    page = client.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert '<time datetime="2026-11-24">24/11/2026</time>' in page
    assert "Ngày Văn hóa Việt Nam" in page
    assert "17/02/2026" in page and "Tết Nguyên Đán" in page and "Mùng bốn Tết Nguyên Đán" in page
    # the library's own make-up Saturday, worked in exchange for Mon 31/08/2026
    assert "22/08/2026" in page and "Làm bù cho ngày nghỉ 31/08/2026" in page
    assert "03/01/2026" not in page                                  # an ordinary Saturday
    assert 'href="/admin/calendar?year=2025"' in page and 'href="/admin/calendar?year=2027"' in page


def test_the_year_view_defaults_to_the_current_year(client, admin):
    this_year = datetime.now(LOCAL_TZ).year
    page = client.get("/admin/calendar").get_data(as_text=True)
    assert f"Lịch làm việc năm {this_year}" in page
    assert client.get("/admin/calendar?year=abc").status_code == 400


def test_unconfirmed_years_are_shown_until_an_admin_confirms_them(client, admin, db_session):
    next_year = datetime.now(LOCAL_TZ).year + 1
    page = client.get("/admin/calendar").get_data(as_text=True)
    assert f"Xác nhận năm {next_year}" in page
    response = client.post("/admin/calendar/confirm", data={"confirmed_year": next_year,
                                                            "year": "2026"})
    assert response.status_code == 303 and response.location.endswith("?year=2026")
    assert db_session.get(CalendarYear, next_year) is not None
    assert f"Xác nhận năm {next_year}" not in client.get("/admin/calendar").get_data(as_text=True)
    for bad in ("x", "1900", ""):
        response = client.post("/admin/calendar/confirm", data={"confirmed_year": bad})
        assert response.status_code == 400 and "Năm không hợp lệ." in response.get_data(
            as_text=True)


@pytest.mark.parametrize("data, reason", [
    ({"day": "2026-02-30", "kind": "day_off"}, "Ngày không hợp lệ"),
    ({"day": "", "kind": "day_off"}, "Vui lòng nhập ngày."),
    ({"day": "2026-11-27", "kind": "holiday"}, "Lựa chọn không hợp lệ."),
    ({"day": "2026-11-21", "kind": "day_off"}, "đã là ngày làm bù"),
])
def test_a_refused_day_answers_400_and_changes_nothing(
        client, admin, db_session, received_ticket, data, reason):
    store.set_day(date(2026, 11, 21), CalendarDayKind.WORKING_DAY, "Làm bù")
    clock.apply(received_ticket)
    db_session.flush()
    before = _overrides(db_session)
    response = client.post("/admin/calendar/days", data=data)
    assert response.status_code == 400 and reason in response.get_data(as_text=True)
    assert _overrides(db_session) == before
    assert received_ticket.sla.due_at == at("2026-11-25T15:00+07:00")


def test_clearing_a_day_without_a_change_answers_400(client, admin):
    response = client.post("/admin/calendar/days/clear", data={"day": "2026-11-24"})
    assert response.status_code == 400
    assert "Ngày 24/11/2026 không có thay đổi nào." in response.get_data(as_text=True)


def test_an_import_with_one_bad_line_adds_no_day_and_names_the_line(
        client, admin, db_session, received_ticket):
    text = "2026-11-25,Nghỉ bù\n\n27/11/2026\n2026-13-01,Sai tháng\n# ghi chú\n2026-11-25\n"
    response = client.post("/admin/calendar/import", data={"kind": "day_off", "text": text})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Có 2 dòng lỗi, chưa ngày nào được thêm" in page
    assert "Dòng 4: Ngày không hợp lệ: “2026-13-01”" in page
    assert "Dòng 6: Ngày 25/11/2026 đã có ở dòng 1." in page
    assert _overrides(db_session) == {}
    assert received_ticket.sla.due_at == at("2026-11-26T15:00+07:00")


def test_an_uploaded_csv_adds_every_day(client, admin, db_session, received_ticket):
    upload = io.BytesIO("\ufeff2026-11-21,Làm bù thứ Bảy\r\n28/11/2026;Làm bù\r\n".encode())
    response = client.post("/admin/calendar/import", data={
        "kind": "working_day", "text": "", "file": (upload, "lam-bu.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    assert _overrides(db_session) == {date(2026, 11, 21): ("working_day", "Làm bù thứ Bảy"),
                                      date(2026, 11, 28): ("working_day", "Làm bù")}
    assert received_ticket.sla.due_at == at("2026-11-25T15:00+07:00")


def test_an_import_refuses_a_day_already_in_the_other_list(client, admin, db_session):
    store.set_day(date(2026, 11, 21), CalendarDayKind.WORKING_DAY)
    response = client.post("/admin/calendar/import", data={
        "kind": "day_off", "text": "2026-11-27\n2026-11-21"})
    assert response.status_code == 400
    assert "Dòng 2: Ngày 21/11/2026 đã là ngày làm bù" in response.get_data(as_text=True)
    assert set(_overrides(db_session)) == {date(2026, 11, 21)}


def _slots(*pairs) -> dict:
    data = {}
    for index, (start, end) in enumerate(pairs):
        data[f"slots-{index}-start"], data[f"slots-{index}-end"] = start, end
    return data


def test_new_office_hours_are_stored_and_move_the_due_time(
        client, admin, db_session, received_ticket):
    response = client.post("/admin/calendar/office-hours",
                           data=_slots(("07:30", "12:00"), ("13:00", "15:30"), ("", "")))
    assert response.status_code == 303
    assert settings.get("office_hours") == [["07:30", "12:00"], ["13:00", "15:30"]]
    # 24 h of 7 h days: Fri 15:00–15:30, Mon 7 h, Wed 7 h, Thu 7 h, Fri 07:30–10:00
    assert received_ticket.sla.due_at == at("2026-11-27T10:00+07:00")
    page = client.get("/admin/calendar").get_data(as_text=True)
    assert 'value="07:30"' in page and "Một ngày làm việc hiện là 7 giờ." in page


@pytest.mark.parametrize("pairs, reason", [
    ([("12:00", "08:00")], "Khung giờ 1 phải kết thúc sau khi bắt đầu."),
    ([("08:00", "12:00"), ("11:00", "17:00")], "Khung giờ 2 phải bắt đầu sau khi khung trước"),
    ([("08:00", "")], "Khung giờ 1 thiếu giờ bắt đầu hoặc giờ kết thúc."),
    ([("08:00", "25:00")], "Khung giờ 1: giờ không hợp lệ “25:00”"),
    ([("", ""), ("", "")], "Cần ít nhất một khung giờ làm việc."),
])
def test_invalid_office_hours_answer_400_and_keep_the_old_ones(
        client, admin, db_session, pairs, reason):
    response = client.post("/admin/calendar/office-hours", data=_slots(*pairs))
    assert response.status_code == 400 and reason in response.get_data(as_text=True)
    assert settings.get("office_hours") == [["08:00", "12:00"], ["13:00", "17:00"]]


def test_a_supervisor_sees_the_calendar_but_cannot_change_it(client, login, make, db_session):
    login(make.user(role=Role.SUPERVISOR))
    page = client.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert "Ngày Văn hóa Việt Nam" in page and "Thêm ngày nghỉ hoặc ngày làm bù" not in page
    for url, data in (("/admin/calendar/days", {"day": "2026-11-27", "kind": "day_off"}),
                      ("/admin/calendar/days/clear", {"day": "2026-11-27"}),
                      ("/admin/calendar/import", {"kind": "day_off", "text": "2026-11-27"}),
                      ("/admin/calendar/confirm", {"confirmed_year": "2027"}),
                      ("/admin/calendar/office-hours", _slots(("07:00", "16:00")))):
        assert client.post(url, data=data).status_code == 403, url
    assert _overrides(db_session) == {} and db_session.get(CalendarYear, 2027) is None
    assert settings.get("office_hours") == [["08:00", "12:00"], ["13:00", "17:00"]]


@pytest.mark.parametrize("role", [Role.AGENT, Role.DISTRICT_STAFF])
def test_agents_and_district_staff_get_403(client, login, make, role):
    user = make.district_staff(make.district()) if role == Role.DISTRICT_STAFF \
        else make.user(role=role)
    login(user)
    assert client.get("/admin/calendar").status_code == 403
    assert client.post("/admin/calendar/days", data={
        "day": "2026-11-27", "kind": "day_off"}).status_code == 403
