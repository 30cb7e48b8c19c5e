"""The phone rings: the agent's inbox pops the caller's customer 360, and closes it when
the call is answered elsewhere."""
from __future__ import annotations

import re

import pytest
import requests
import sqlalchemy as sa
from playwright.sync_api import expect

from crm.extensions import db
from crm.models import ContactKind, ContactPoint, Customer, Presence, User
from tests.e2e.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e
TOKEN = "e2e-pbx-token"


@pytest.fixture
def pbx(live_app, live_server):
    """The PBX connector's endpoint, switched on for this test."""
    channels = live_app.config["CHANNELS"]
    live_app.config["CHANNELS"] = {**channels, "PBX_EVENTS_TOKEN": TOKEN}

    def post(event: dict):
        response = requests.post(f"{live_server}/channels/pbx/events", json=event, timeout=10,
                                 headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.text
    yield post
    live_app.config["CHANNELS"] = channels


@pytest.fixture
def available_agent(live_app):
    """tongdai2, available for calls during the test (their presence is put back after)."""
    with live_app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "tongdai2"))
        before, user.presence = user.presence, Presence.AVAILABLE
        db.session.commit()
    yield "tongdai2"
    with live_app.app_context():
        db.session.scalar(sa.select(User).where(User.username == "tongdai2")).presence = before
        db.session.commit()


def _a_customer_with_a_phone(app) -> tuple[str, str, str]:
    with app.app_context():
        return tuple(db.session.execute(
            sa.select(Customer.name, Customer.code, ContactPoint.value)
            .join(ContactPoint, ContactPoint.customer_id == Customer.id)
            .where(ContactPoint.kind == ContactKind.PHONE, Customer.code.is_not(None))
            .order_by(Customer.id.desc()).limit(1)).one())


def test_a_ringing_call_pops_up_in_the_inbox_and_closes_when_answered_elsewhere(
        page, live_app, pbx, available_agent):
    name, code, phone = _a_customer_with_a_phone(live_app)
    page.goto("/login")
    page.fill("#username", available_agent)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).to_have_url(re.compile(r"/(inbox)?$"))
    expect(page.locator("#screen-pops")).to_be_hidden()

    pbx({"event": "ringing", "call_id": "e2e-call-1", "caller": phone, "called": "19001909"})
    pop = page.locator(".screen-pop")
    expect(pop).to_be_visible()
    expect(pop).to_contain_text(name)
    expect(pop).to_contain_text(code)
    expect(pop.get_by_role("link", name="Tạo phiếu từ số này")).to_be_visible()

    pbx({"event": "answered", "call_id": "e2e-call-1", "extension": "999"})
    expect(page.locator(".screen-pop")).to_have_count(0)
    expect(page.locator("#screen-pops")).to_be_hidden()
