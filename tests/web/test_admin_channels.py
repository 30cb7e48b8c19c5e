"""The admin's channel page: every registered adapter, its URLs, traffic and errors, no secrets."""
from __future__ import annotations

import pytest

import channels
from channels.base import ChannelAdapter
from crm.admin.channels import shown
from crm.core import channel_state
from crm.models import Role

SETTINGS = {"TWILIO_ACCOUNT_SID": "AC" + "4" * 28 + "9876",
            "TWILIO_AUTH_TOKEN": "super-secret-auth-token-1234",
            "TWILIO_FROM_NUMBER": "+14155550100",
            "SMS_GATEWAY_URL": "https://user:pa55word@sms.example.vn/api/mt"}


@pytest.fixture
def admin(make, login):
    return login(make.user(role=Role.ADMIN))


def page(client):
    response = client.get("/admin/channels")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_every_sms_adapter_is_listed_with_its_webhook_urls(client, admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "CHANNELS", SETTINGS)
    html = page(client)
    for url in ("http://cskh.test/channels/twilio/sms",
                "http://cskh.test/channels/twilio/sms/status",
                "http://cskh.test/channels/sms-gateway/inbound",
                "http://cskh.test/channels/sms-gateway/status"):
        assert url in html
    twilio = html.split('data-adapter="twilio_sms"')[1].split("</tr>")[0]
    gateway = html.split('data-adapter="sms_gateway"')[1].split("</tr>")[0]
    assert "Đã cấu hình" in twilio and "Dùng để gửi tin" in twilio
    assert "Chưa cấu hình" in gateway


def test_credentials_are_cut_to_their_last_four_characters(client, admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "CHANNELS", SETTINGS)
    html = page(client)
    assert "super-secret" not in html and "…1234" in html
    assert SETTINGS["TWILIO_ACCOUNT_SID"] not in html and "…9876" in html
    assert "pa55word" not in html and "https://sms.example.vn/api/mt" in html
    assert "+14155550100" in html


def test_last_traffic_and_last_error_are_shown(client, admin, db_session):
    channel_state.record_inbound("twilio_sms")
    channel_state.record_error("sms_gateway", "gateway HTTP 401: sai token")
    html = page(client)
    gateway = html.split('data-adapter="sms_gateway"')[1].split("</tr>")[0]
    assert "gateway HTTP 401: sai token" in gateway
    twilio = html.split('data-adapter="twilio_sms"')[1].split("</tr>")[0]
    assert twilio.count("—") >= 2                       # no outbound, no error yet


def test_adapters_added_later_appear_by_themselves(client, admin, app, monkeypatch):
    class Pigeon(ChannelAdapter):
        name, channel, contact_kind = "pigeon_post", "pigeon", "phone"

        def is_configured(self):
            return bool(self.settings.get("PIGEON_KEY"))

        verify = parse = send = lambda self, *a: None
    monkeypatch.setitem(channels.ADAPTERS, "pigeon", [Pigeon])
    monkeypatch.setitem(app.config, "CHANNELS", {"PIGEON_KEY": "coo-coo-0000-5555"})
    html = page(client)
    row = html.split('data-adapter="pigeon_post"')[1].split("</tr>")[0]
    assert "Đã cấu hình" in row and "PIGEON_KEY" in row and "…5555" in row


def test_with_no_settings_at_all_the_page_still_renders(client, admin):
    assert "Chưa cấu hình" in page(client)


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.DISTRICT_STAFF])
def test_only_admins_see_the_page(client, make, login, role):
    district = make.district() if role == Role.DISTRICT_STAFF else None
    login(make.user(role=role, district=district))
    assert client.get("/admin/channels").status_code == 403


@pytest.mark.parametrize("role, linked", [(Role.ADMIN, True), (Role.SUPERVISOR, False)])
def test_the_admin_nav_links_to_it_for_admins_only(client, make, login, role, linked):
    login(make.user(role=role))
    html = client.get("/admin/canned-replies").get_data(as_text=True)
    assert ('href="/admin/channels"' in html) is linked


def test_shown_never_prints_a_whole_credential():
    assert shown("TWILIO_AUTH_TOKEN", "abcdefghijkl1234") == "…1234"
    assert shown("SMS_GATEWAY_SECRET", "short") == "…"
    assert shown("SMTP_URL", "smtp://me:pw@mail.example.vn:587") == "smtp://mail.example.vn:587"
    assert shown("TWILIO_FROM_NUMBER", "+14155550100") == "+14155550100"
    assert shown("ANY", None) is None
