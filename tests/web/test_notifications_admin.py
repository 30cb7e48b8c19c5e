"""The notices' admin list (failures visible, retry) and the customer 360 panel."""
from __future__ import annotations

import responses
import sqlalchemy as sa

from crm.models import AuditEvent, Notification, NotificationStatus, Role, utcnow


def notice(db_session, customer, key, status, *, error=None, channel="sms", tried=()):
    row = Notification(key=key, customer_id=customer.id, event="bill", context={"text": "x"},
                       status=status, channel=channel, tried=list(tried), attempts=1,
                       last_error=error, next_attempt_at=utcnow())
    db_session.add(row)
    db_session.flush()
    return row


def test_the_list_shows_each_notice_with_its_status_and_failures_with_their_reason(
        client, login, make, db_session):
    login(make.user(role=Role.SUPERVISOR))
    customer = make.customer(name="Trần Thị Bình")
    sent = notice(db_session, customer, "a", NotificationStatus.SENT)
    failed = notice(db_session, customer, "b", NotificationStatus.FAILED,
                    error="invalid destination", tried=["zalo", "sms"])
    html = client.get("/admin/notifications").get_data(as_text=True)
    assert f'data-notification="{sent.id}" data-status="sent"' in html
    row = html.split(f'data-notification="{failed.id}"')[1].split("</tr>")[0]
    assert "Gửi lỗi" in row and "invalid destination" in row and "zalo, sms" in row
    assert "Gửi lại" in row and "Trần Thị Bình" in row
    only_failed = client.get("/admin/notifications?status=failed").get_data(as_text=True)
    assert f'data-notification="{failed.id}"' in only_failed
    assert f'data-notification="{sent.id}"' not in only_failed


def test_a_bad_filter_is_a_400(client, login, make):
    login(make.user(role=Role.ADMIN))
    assert client.get("/admin/notifications?status=lost").status_code == 400
    assert client.get("/admin/notifications?before=x").status_code == 200


def test_agents_may_not_see_the_list_nor_retry(client, login, make, db_session):
    login(make.user(role=Role.AGENT))
    failed = notice(db_session, make.customer(), "g", NotificationStatus.FAILED)
    assert client.get("/admin/notifications").status_code == 403
    assert client.post(f"/admin/notifications/{failed.id}/retry").status_code == 403


GATEWAY = {"SMS_GATEWAY_URL": "https://sms.example.vn/api/mt", "SMS_GATEWAY_TOKEN": "gw-token",
           "SMS_GATEWAY_SECRET": "gw-secret"}


def test_a_failed_notice_can_be_queued_again_with_every_channel_allowed(
        app, client, login, make, db_session, monkeypatch):
    login(make.user(role=Role.ADMIN))
    customer = make.customer()
    failed = notice(db_session, customer, "c", NotificationStatus.FAILED, error="x",
                    tried=["zalo", "sms"])
    sent = notice(db_session, customer, "d", NotificationStatus.SENT)
    monkeypatch.setitem(app.config, "CHANNELS", dict(GATEWAY))
    with responses.RequestsMock() as gateway:
        gateway.post(GATEWAY["SMS_GATEWAY_URL"], status=400, json={"error": "invalid destination"})
        response = client.post(f"/admin/notifications/{failed.id}/retry")
    assert response.status_code == 303
    db_session.refresh(failed)
    # The dispatch after commit tries the customer's SMS afresh (only the SMS gateway is
    # configured here), which refuses it: failed again, visibly.
    assert failed.status == NotificationStatus.FAILED and failed.tried == ["sms"]
    assert "invalid destination" in failed.last_error
    assert db_session.scalar(sa.select(AuditEvent.action).where(
        AuditEvent.action == "notice_retried", AuditEvent.entity_id == customer.id))
    assert client.post(f"/admin/notifications/{sent.id}/retry").status_code == 303
    db_session.refresh(sent)
    assert sent.status == NotificationStatus.SENT
    assert client.post("/admin/notifications/999999/retry").status_code == 404


def test_the_customer_page_shows_the_latest_notices(client, login, make, db_session):
    login(make.user(role=Role.AGENT))
    customer = make.customer()
    notice(db_session, customer, "e", NotificationStatus.DELIVERED)
    notice(db_session, customer, "f", NotificationStatus.FAILED, error="absent subscriber")
    html = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    panel = html.split('id="notifications"')[1].split("</section>")[0]
    assert "Đã nhận" in panel and "Gửi lỗi" in panel and "absent subscriber" in panel
