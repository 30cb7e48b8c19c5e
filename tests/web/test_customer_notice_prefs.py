"""The "Thông báo" panel of the customer 360 page: the preferred notice channel, the
customer's opt-outs recorded by an agent, and where the next notice would go."""
from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from crm.models import (AuditEvent, ChannelConsent, ContactKind, ContactPoint,
                        NotificationPreference, Role)
from crm.notifications import choice, consent

PHONE = "+84905111222"


@pytest.fixture
def customer(make, db_session):
    """On SMS, Zalo and e-mail; no Telegram."""
    customer = make.customer(name="Trần Thị Bình", phone=PHONE)
    db_session.add_all([ContactPoint(customer=customer, kind=ContactKind.ZALO, value="zalo-42"),
                        ContactPoint(customer=customer, kind=ContactKind.EMAIL,
                                     value="binh@example.vn")])
    db_session.flush()
    return customer


@pytest.fixture
def agent(make, login):
    return login(make.user(role=Role.AGENT))


def panel(client, customer) -> str:
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    return html.unescape(page.split('id="notice-settings"')[1].split("</section>")[0])


def options(text: str) -> list[str]:
    select = text.split("<select")[1].split("</select>")[0]
    return re.findall(r'<option[^>]*value="([^"]*)"', select)


def selected(text: str) -> str | None:
    found = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', text)
    return next((g for g in found.groups() if g is not None), None) if found else None


def audit_actions(db_session, customer):
    return db_session.execute(sa.select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.changes)
                              .where(AuditEvent.entity == "customer",
                                     AuditEvent.entity_id == customer.id)
                              .order_by(AuditEvent.id)).all()


def test_the_panel_shows_addresses_consent_and_the_next_channel(
        client, agent, customer, notice_channels):
    consent.set_opt_out(customer.id, "zalo", True, source="zalo_unfollow")
    text = panel(client, customer)
    # Zalo comes first in the fallback order, but the customer unfollowed the OA.
    assert "Thông báo tiếp theo sẽ gửi qua: SMS" in text
    assert re.search(r'data-channel="zalo" data-consent="out">\s*<span[^>]*>zalo-42', text)
    assert re.search(r'data-channel="sms" data-consent="in">\s*<span[^>]*>0905 111 222', text)
    assert "binh@example.vn" in text and "Từ chối nhận" in text and "Đồng ý nhận" in text
    assert "Ghi nhận khách đồng ý nhận lại" in text and "Ghi nhận khách từ chối nhận" in text
    assert options(text) == ["", "zalo", "sms", "email"]          # no Telegram address
    assert "kênh chưa được cấu hình" not in text


def test_with_no_channel_configured_the_panel_says_nothing_can_reach_the_customer(
        client, agent, customer):
    text = panel(client, customer)              # the test app configures no channel
    assert "Không có kênh nào gửi được thông báo cho khách hàng này." in text
    assert text.count("(kênh chưa được cấu hình)") == 4


def test_an_agent_sets_and_clears_the_preferred_channel_audited(
        client, agent, customer, db_session, notice_channels):
    response = client.post(f"/customers/{customer.id}/notice-channel", data={"channel": "email"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/customers/{customer.id}#notice-settings")
    assert choice.preferred(customer.id) == "email"
    text = panel(client, customer)
    assert "Thông báo tiếp theo sẽ gửi qua: Email" in text and selected(text) == "email"
    again = client.post(f"/customers/{customer.id}/notice-channel", data={"channel": "email"})
    assert again.status_code == 303                                # unchanged: nothing audited
    client.post(f"/customers/{customer.id}/notice-channel", data={"channel": ""})
    assert choice.preferred(customer.id) is None
    assert "Thông báo tiếp theo sẽ gửi qua: Zalo" in panel(client, customer)
    assert audit_actions(db_session, customer) == [
        ("notice_channel_changed", agent.id, {"notice_channel": [None, "email"]}),
        ("notice_channel_changed", agent.id, {"notice_channel": ["email", None]})]


@pytest.mark.parametrize("channel, reason", [
    ("telegram", "Khách hàng chưa có địa chỉ Telegram"),
    ("pigeon", "Kênh thông báo không hợp lệ."),
    ("hotline", "Kênh thông báo không hợp lệ."),
    ("x" * 5000, "Kênh thông báo không hợp lệ.")])
def test_a_channel_the_customer_cannot_be_reached_on_is_a_400_with_the_reason(
        client, agent, customer, db_session, channel, reason):
    response = client.post(f"/customers/{customer.id}/notice-channel", data={"channel": channel})
    assert response.status_code == 400
    assert reason in html.unescape(response.get_data(as_text=True))
    assert db_session.scalar(sa.select(sa.func.count()).select_from(NotificationPreference)) == 0
    assert audit_actions(db_session, customer) == []


def test_a_current_choice_without_an_address_stays_listed_and_can_be_kept(
        client, agent, customer, db_session):
    choice.set_preferred(customer.id, "telegram")               # chosen when they had an id
    text = panel(client, customer)
    assert options(text) == ["", "zalo", "sms", "email", "telegram"]
    assert selected(text) == "telegram"
    response = client.post(f"/customers/{customer.id}/notice-channel",
                           data={"channel": "telegram"})
    assert response.status_code == 303 and choice.preferred(customer.id) == "telegram"


def test_an_agent_records_an_opt_out_and_an_opt_in_audited(
        client, agent, customer, db_session, notice_channels):
    response = client.post(f"/customers/{customer.id}/notice-consent",
                           data={"channel": "sms", "state": "out"})
    assert response.status_code == 303
    row = db_session.get(ChannelConsent, (customer.id, "sms"))
    assert row.opted_out is True and row.source == "agent"
    assert consent.opted_out(customer.id) == {"sms"}
    assert re.search(r'data-channel="sms" data-consent="out"', panel(client, customer))
    client.post(f"/customers/{customer.id}/notice-consent", data={"channel": "sms", "state": "in"})
    assert consent.opted_out(customer.id) == set()
    assert [(action, actor) for action, actor, _ in audit_actions(db_session, customer)] == [
        ("opted_out", agent.id), ("opted_in", agent.id)]


@pytest.mark.parametrize("data, reason", [
    ({"channel": "telegram", "state": "out"}, "Khách hàng chưa có địa chỉ Telegram"),
    ({"channel": "pigeon", "state": "out"}, "Yêu cầu không hợp lệ."),
    ({"channel": "sms", "state": "maybe"}, "Yêu cầu không hợp lệ."),
    ({"channel": "sms"}, "Yêu cầu không hợp lệ."),
    ({}, "Yêu cầu không hợp lệ.")])
def test_a_bad_consent_request_is_a_400_and_changes_nothing(
        client, agent, customer, db_session, data, reason):
    response = client.post(f"/customers/{customer.id}/notice-consent", data=data)
    assert response.status_code == 400
    assert reason in html.unescape(response.get_data(as_text=True))
    assert db_session.scalar(sa.select(sa.func.count()).select_from(ChannelConsent)) == 0


def test_an_old_opt_out_on_a_channel_without_an_address_can_still_be_lifted(
        client, agent, customer, db_session):
    consent.set_opt_out(customer.id, "telegram", True, source="agent")
    response = client.post(f"/customers/{customer.id}/notice-consent",
                           data={"channel": "telegram", "state": "in"})
    assert response.status_code == 303 and consent.opted_out(customer.id) == set()


def test_another_districts_customer_is_a_404_and_posts_without_csrf_are_refused(
        app, client, login, make, customer, db_session):
    login(make.district_staff(make.district()))
    assert client.post(f"/customers/{customer.id}/notice-channel",
                       data={"channel": "sms"}).status_code == 404
    assert client.post(f"/customers/{customer.id}/notice-consent",
                       data={"channel": "sms", "state": "out"}).status_code == 404
    login(make.user(role=Role.AGENT))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = [client.post(f"/customers/{customer.id}/notice-channel",
                               data={"channel": "sms"}).status_code,
                   client.post(f"/customers/{customer.id}/notice-consent",
                               data={"channel": "sms", "state": "out"}).status_code]
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert refused == [400, 400]
    assert choice.preferred(customer.id) is None and consent.opted_out(customer.id) == set()
