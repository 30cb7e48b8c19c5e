"""An agent with a caller on the line sets where the customer's notices go, and records an
opt-out the caller asks for."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from crm.extensions import db
from crm.models import (ChannelConsent, ContactKind, ContactPoint, Customer,
                        NotificationPreference)
from tests.e2e.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e
CODE = "PC05AA0000043"


@pytest.fixture
def customer_with_email(live_app, refused_port):
    """A demo customer with a phone and an e-mail address; SMS and e-mail configured (at a
    loopback port that refuses connections: nothing leaves the machine)."""
    saved = live_app.config["CHANNELS"]
    live_app.config["CHANNELS"] = {
        **saved, "SMS_GATEWAY_URL": f"http://127.0.0.1:{refused_port}/mt",
        "SMS_GATEWAY_TOKEN": "gw-token", "SMS_GATEWAY_SECRET": "gw-secret",
        "SMTP_URL": f"smtp://127.0.0.1:{refused_port}", "MAIL_FROM": "cskh@evn.test"}
    with live_app.app_context():
        customer = db.session.scalar(sa.select(Customer).where(Customer.code == CODE))
        db.session.add(ContactPoint(customer=customer, kind=ContactKind.EMAIL,
                                    value="khach.e2e@example.vn"))
        db.session.commit()
        customer_id = customer.id
    yield customer_id
    live_app.config["CHANNELS"] = saved
    with live_app.app_context():
        for model in (NotificationPreference, ChannelConsent):
            db.session.execute(sa.delete(model).where(model.customer_id == customer_id))
        db.session.execute(sa.delete(ContactPoint).where(
            ContactPoint.customer_id == customer_id, ContactPoint.value == "khach.e2e@example.vn"))
        db.session.commit()


def test_an_agent_sets_the_preferred_channel_and_records_an_opt_out(page, live_app,
                                                                   customer_with_email):
    page.goto("/login")
    page.fill("#username", "nv1.pc05aa")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).to_have_url(re.compile(r"/(inbox)?$"))

    page.goto(f"/customers/{customer_with_email}")
    panel = page.locator("#notice-settings")
    expect(panel.locator(".notice-next")).to_have_attribute("data-next-channel", "sms")

    panel.locator("select[name=channel]").select_option("email")
    panel.get_by_role("button", name="Lưu").click()
    expect(page.locator("#notice-settings .notice-next")).to_have_attribute(
        "data-next-channel", "email")
    expect(page.locator("#notice-settings")).to_contain_text("ưu tiên")

    # The caller asks for no e-mail: the next notice goes by SMS again.
    page.locator("#notice-settings dd[data-channel=email]").get_by_role(
        "button", name="Ghi nhận khách từ chối nhận").click()
    expect(page.locator("#notice-settings dd[data-channel=email]")).to_have_attribute(
        "data-consent", "out")
    expect(page.locator("#notice-settings .notice-next")).to_have_attribute(
        "data-next-channel", "sms")
    with live_app.app_context():
        assert db.session.get(NotificationPreference, customer_with_email).channel == "email"
        consent = db.session.scalar(sa.select(ChannelConsent).where(
            ChannelConsent.customer_id == customer_with_email))
        assert (consent.channel, consent.opted_out, consent.source) == ("email", True, "agent")
