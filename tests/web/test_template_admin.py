"""Admin pages for notification templates, and the public status page their links open."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from crm.extensions import limiter
from crm.models import AuditEvent, NotificationTemplate, Role
from crm.notifications import templates

EDIT = "/admin/notification-templates/ticket_received/sms"


def _rows(db_session) -> list[NotificationTemplate]:
    db_session.expire_all()
    return db_session.scalars(sa.select(NotificationTemplate)).all()


@pytest.fixture
def admin(login, make):
    return login(make.user(role=Role.ADMIN))


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.DISTRICT_STAFF])
def test_only_admins_reach_the_template_pages(client, login, make, role):
    district = make.district() if role == Role.DISTRICT_STAFF else None
    login(make.user(role=role, district=district))
    assert client.get("/admin/notification-templates/").status_code == 403
    assert client.get(EDIT).status_code == 403
    assert client.post(EDIT, data={"body": "x", "save": "1"}).status_code == 403
    assert client.post(EDIT + "/reset").status_code == 403


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get("/admin/notification-templates/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_list_shows_every_event_and_channel_with_its_state(client, admin, db_session):
    db_session.add(NotificationTemplate(event="bill", channel="zalo", body="{{ ky }}"))
    page = client.get("/admin/notification-templates/").get_data(as_text=True)
    assert "Thông báo tiền điện" in page and "Khảo sát hài lòng" in page
    assert "/admin/notification-templates/csat_survey/email" in page
    assert page.count("Đã sửa") == 1
    assert "Mẫu thông báo" in page                                 # the admin chip


def test_the_edit_page_shows_the_default_its_preview_and_the_variables(client, admin):
    page = client.get(EDIT).get_data(as_text=True)
    assert "Da tiep nhan yeu cau {{ ma_phieu }}" in page
    assert "Da tiep nhan yeu cau YC2611-000123, han 26/11/2026 15:00. Tra cuu: " \
           "http://cskh.test/status/YC2611-000123" in page
    assert "ma_phieu" in page and "Mã yêu cầu" in page
    assert "1 tin SMS" in page


def test_preview_renders_the_form_text_without_saving(client, admin, db_session):
    response = client.post(EDIT, data={"body": "Mã {{ ma_phieu }} của {{ ten_khach_hang }}",
                                       "preview": "1"})
    assert response.status_code == 200
    assert "Ma YC2611-000123 cua Nguyen Van An" in response.get_data(as_text=True)
    assert _rows(db_session) == []


def test_saving_stores_the_template_audits_it_and_notices_use_it(client, admin, db_session):
    response = client.post(EDIT, data={"body": "Đã nhận {{ ma_phieu }}", "save": "1"})
    assert response.status_code == 303
    [row] = _rows(db_session)
    assert (row.event, row.channel, row.body) == ("ticket_received", "sms",
                                                  "Đã nhận {{ ma_phieu }}")
    assert row.updated_by_id == admin.id
    [event] = db_session.scalars(sa.select(AuditEvent).where(
        AuditEvent.entity == "notification_template")).all()
    assert event.action == "created" and event.actor_id == admin.id
    assert templates.render("ticket_received", "sms",
                            {"ma_phieu": "YC2611-000009"}).body == "Da nhan YC2611-000009"


@pytest.mark.parametrize("body, reason", [
    ("Chào {{ ho_ten }}, mã {{ ma_phieu }}", "Biến không tồn tại: ho_ten"),
    ("Mã {% if ma_phieu %}{{ ma_phieu }}", "Lỗi cú pháp"),
])
def test_a_bad_template_is_refused_with_the_reason_and_the_old_one_stays(
        client, admin, db_session, body, reason):
    client.post(EDIT, data={"body": "Cũ {{ ma_phieu }}", "save": "1"})
    response = client.post(EDIT, data={"body": body, "save": "1"})
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)
    [row] = _rows(db_session)
    assert row.body == "Cũ {{ ma_phieu }}"


def test_preview_of_a_bad_template_shows_the_reason(client, admin):
    response = client.post(EDIT, data={"body": "{{ so_tien|money }}", "preview": "1"})
    assert response.status_code == 400
    assert "Biến không tồn tại: so_tien" in response.get_data(as_text=True)


def test_email_templates_need_a_subject(client, admin, db_session):
    url = "/admin/notification-templates/bill/email"
    response = client.post(url, data={"subject": "", "body": "{{ so_tien|money }}",
                                      "save": "1"})
    assert response.status_code == 400 and "tiêu đề" in response.get_data(as_text=True)
    response = client.post(url, data={"subject": "Tiền điện {{ ky }}",
                                      "body": "{{ so_tien|money }}", "save": "1"})
    assert response.status_code == 303
    rendered = templates.render("bill", "email", {"ky": "11/2026", "so_tien": 120000})
    assert rendered == templates.Rendered("Tiền điện 11/2026", "120.000 đ")


def test_reset_restores_the_default(client, admin, db_session):
    client.post(EDIT, data={"body": "Đã nhận {{ ma_phieu }}", "save": "1"})
    response = client.post(EDIT + "/reset")
    assert response.status_code == 303
    assert _rows(db_session) == []
    actions = db_session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.entity == "notification_template").order_by(AuditEvent.id)).all()
    assert actions == ["created", "reset"]
    assert "Da tiep nhan yeu cau {{ ma_phieu }}" in client.get(EDIT).get_data(as_text=True)


def test_the_default_text_sent_back_by_a_browser_stores_nothing(client, admin, db_session):
    subject, body = templates.DEFAULTS[("resolved", "email")]
    response = client.post("/admin/notification-templates/resolved/email", data={
        "subject": subject, "body": body.replace("\n", "\r\n"), "save": "1"})
    assert response.status_code == 303
    assert _rows(db_session) == []


def test_unknown_events_and_channels_are_404(client, admin):
    assert client.get("/admin/notification-templates/nope/sms").status_code == 404
    assert client.get("/admin/notification-templates/bill/fax").status_code == 404
    assert client.post("/admin/notification-templates/bill/fax/reset").status_code == 404


# --- the public status page ------------------------------------------------------------


def test_the_status_page_shows_the_public_status_and_no_personal_data(client, make):
    ticket = make.ticket(code="YC2611-000321", customer=make.customer(name="Lê Thị Hoa"))
    response = client.get("/status/yc2611-000321")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "YC2611-000321" in page and "Mới" in page
    assert ticket.customer.name not in page and ticket.customer.address not in page
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("code", ["YC2611-999999", "not-a-code", "<script>"])
def test_an_unknown_code_is_404_with_a_clear_page(client, code):
    response = client.get(f"/status/{code}")
    assert response.status_code == 404
    assert "Không tìm thấy yêu cầu" in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True)


@pytest.fixture
def rate_limits(app):
    """Flask-Limiter on with empty in-memory counters, off again afterwards (as test_auth
    does: the test app starts with it off, so its storage is set up here)."""
    saved = {key: app.config.get(key) for key in ("RATELIMIT_ENABLED", "RATELIMIT_STORAGE_URI")}
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    app.extensions.setdefault("limiter", set()).add(limiter)
    limiter.init_app(app)
    limiter.reset()
    yield limiter
    limiter.reset()
    limiter.enabled = False
    app.config.update(saved)


def test_the_status_page_is_rate_limited(client, rate_limits):
    codes = [client.get(f"/status/YC2611-{n:06d}").status_code for n in range(21)]
    assert codes[:20] == [404] * 20 and codes[20] == 429
