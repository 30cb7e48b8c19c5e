"""An agent with a caller on the line: log in, find the customer without accents, answer."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from channels.base import ContactRef, InboundMessage
from crm.core.text import fold
from crm.extensions import db
from crm.inbox.ingest import ingest
from crm.models import OPEN_STATUSES, ContactKind, ContactPoint, Customer, Ticket
from tests.e2e.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def _open_ticket_with_sms_contact(app) -> tuple[str, str, str, str]:
    """(customer code, customer name, ticket code, phone) of a demo customer with an open ticket."""
    with app.app_context():
        row = db.session.execute(
            sa.select(Customer.code, Customer.name, Ticket.code, ContactPoint.value)
            .join(Ticket, Ticket.customer_id == Customer.id)
            .join(ContactPoint, sa.and_(ContactPoint.customer_id == Customer.id,
                                        ContactPoint.kind == ContactKind.PHONE))
            .where(Customer.code.is_not(None), Ticket.status.in_(OPEN_STATUSES))
            .order_by(Ticket.id).limit(1)).one()
        return tuple(row)


def _log_in(page, username):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).to_have_url(re.compile(r"/(inbox)?$"))


def test_agent_finds_a_customer_by_unaccented_name_opens_a_ticket_and_replies(page, live_app):
    customer_code, name, ticket_code, _phone = _open_ticket_with_sms_contact(live_app)
    _log_in(page, "tongdai1")
    expect(page.locator("tr.ticket-row").first).to_be_visible()

    page.keyboard.press("/")                       # the search box has the "/" shortcut
    page.keyboard.type(fold(name))                 # typed without diacritics
    page.keyboard.press("Enter")
    page.locator("tr", has_text=customer_code).get_by_role("link", name=name).click()
    expect(page.locator("h1")).to_contain_text(name)

    page.get_by_role("link", name=ticket_code).first.click()
    expect(page.locator("h1")).to_contain_text(ticket_code)
    page.fill("#reply-body", "Dạ, Điện lực đã tiếp nhận yêu cầu của anh/chị ạ.")
    page.get_by_role("button", name="Gửi trả lời").click()
    reply = page.locator("article.msg.outbound", has_text="Điện lực đã tiếp nhận")
    expect(reply).to_be_visible()
    with live_app.app_context():
        stored = db.session.scalar(sa.select(Ticket).where(Ticket.code == ticket_code))
        assert stored.first_response_at is not None


def test_a_message_arriving_while_the_ticket_is_open_shows_without_reload(page, live_app):
    _code, _name, ticket_code, phone = _open_ticket_with_sms_contact(live_app)
    _log_in(page, "tongdai2")
    page.goto(f"/customers/search?q={ticket_code}")
    expect(page.locator("h1")).to_contain_text(ticket_code)
    with live_app.app_context():
        ingest(InboundMessage(channel="sms", external_id="SM-e2e-live-1",
                              received_at=datetime.now(timezone.utc),
                              sender=ContactRef("phone", phone),
                              text=f"Phiếu {ticket_code}: nhà tôi vẫn chưa có điện",
                              thread_hint=ticket_code))
        db.session.commit()
    expect(page.locator("article.msg.inbound", has_text="vẫn chưa có điện")).to_be_visible(
        timeout=5_000)
