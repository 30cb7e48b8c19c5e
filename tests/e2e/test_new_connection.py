"""A low-voltage new connection, from the agent's intake to the district energising it."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from crm.core.phones import national
from crm.core.timefmt import LOCAL_TZ
from crm.extensions import db
from crm.models import ContactKind, ContactPoint, Customer, Status, Ticket
from tests.e2e.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture
def sms_configured(live_app, refused_port):
    """Notices go on configured channels only: the SMS gateway here, at a loopback port that
    refuses connections (so each notice is written, tried once and left queued)."""
    saved = live_app.config["CHANNELS"]
    live_app.config["CHANNELS"] = {
        **saved, "SMS_GATEWAY_URL": f"http://127.0.0.1:{refused_port}/mt",
        "SMS_GATEWAY_TOKEN": "gw-token", "SMS_GATEWAY_SECRET": "gw-secret"}
    yield
    live_app.config["CHANNELS"] = saved


def _demo_customer(app) -> tuple[str, str]:
    """(name, phone) of a demo customer of office PC05AA with a phone number."""
    with app.app_context():
        name, phone = db.session.execute(
            sa.select(Customer.name, ContactPoint.value)
            .join(ContactPoint, sa.and_(ContactPoint.customer_id == Customer.id,
                                        ContactPoint.kind == ContactKind.PHONE))
            .where(Customer.code == "PC05AA0000042")).first()
        return name, phone


def _stored(app, code: str) -> tuple[Status, str, object, str]:
    """(status, district code, SLA stopped_at, result) of the ticket, as committed."""
    with app.app_context():
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.code == code))
        return ticket.status, ticket.district.code, ticket.sla.stopped_at, ticket.result


def _log_in(page, username):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).to_have_url(re.compile(r"/(inbox)?$"))


def _create_ticket(page, phone: str, name: str) -> str:
    """The agent finds the caller by phone and opens a low-voltage new-connection ticket."""
    page.goto("/tickets/new")
    page.fill("#lookup-phone", national(phone))
    page.get_by_role("button", name="Tìm khách hàng").click()
    expect(page.locator(".lookup-card h2")).to_contain_text(name)
    page.select_option("#type", "new_connection")
    page.select_option("#subtype", "low_voltage")
    page.fill("#subject", "Xin cấp điện sinh hoạt cho nhà mới xây")
    page.fill("#description", "Nhà cấp 4, cách trụ điện gần nhất khoảng 25 m.")
    page.get_by_role("button", name="Tạo phiếu").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã tạo phiếu")
    return re.search(r"YC\d{4}-\d{6}", page.locator("h1").inner_text()).group(0)


def _do_step(page, step: str, values: dict, selects: dict | None = None):
    for name, value in values.items():
        page.fill(f"#step-{step}-{name}", value)
    for name, value in (selects or {}).items():
        page.select_option(f"#step-{step}-{name}", value)
    page.locator(f"form.step-form:has(input[name=step][value={step}]) button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()


def test_a_district_walks_a_new_connection_from_intake_to_energised(page, live_app,
                                                                    sms_configured):
    name, phone = _demo_customer(live_app)
    _log_in(page, "tongdai1")
    code = _create_ticket(page, phone, name)
    _status, district, _stopped, _result = _stored(live_app, code)
    page.get_by_role("button", name="Đăng xuất").click()

    _log_in(page, f"dl.{district.lower()}")
    page.fill("#global-search", code)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text(code)
    expect(page.locator(".steps-bar .step-current")).to_contain_text("Khảo sát")

    now = datetime.now(LOCAL_TZ)
    today = now.strftime("%Y-%m-%d")
    _do_step(page, "surveyed", {"survey_date": today, "survey_notes": "Đủ hành lang an toàn"},
             {"survey_result": "feasible"})
    expect(page.locator("#ticket-status")).to_have_text("Đang xử lý")
    _do_step(page, "contract_signed", {"contract_number": "HD-PC05-2026-0042",
                                       "signed_date": today})
    _do_step(page, "meter_installed", {"meter_serial": "CT1P-20260042", "install_date": today,
                                       "initial_reading": "0"})
    energised = (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    _do_step(page, "energised", {"energised_at": energised})

    expect(page.locator("#ticket-status")).to_have_text("Đã giải quyết")
    expect(page.locator("#steps-result")).to_contain_text("Đã đóng điện")
    expect(page.locator(".steps-bar .step-done")).to_have_count(5)
    expect(page.locator(".ticket-head .sla-stopped")).to_be_visible()
    # The step notice in the thread, on the customer's SMS (the one channel configured).
    # SMS bodies are unaccented; the notice ends with the public status link.
    notice = page.locator("article.msg.outbound", has_text="da dong dien luc").first
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(f"/status/{code}")
    status, _district, stopped_at, result = _stored(live_app, code)
    assert status == Status.RESOLVED and stopped_at is not None and result == "Đã đóng điện"
