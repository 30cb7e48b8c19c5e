"""Fixtures of the dispatcher tests: a clock in office hours, the SMS gateway stubbed at the
HTTP layer, and no rate-limit budget left over from another test."""
from __future__ import annotations

import pytest
import responses

from crm.models import ContactKind, ContactPoint
from crm.notifications import rate_limit
from tests.support.office_hours import office_hours

GATEWAY = {"SMS_GATEWAY_URL": "https://sms.example.vn/api/mt", "SMS_GATEWAY_TOKEN": "gw-token",
           "SMS_GATEWAY_SECRET": "gw-secret"}


@pytest.fixture(autouse=True)
def daytime(monkeypatch):
    return office_hours(monkeypatch)


@pytest.fixture(autouse=True)
def fresh_counters():
    """The in-process rate counters outlive a test: start each test with none."""
    rate_limit._counters.clear()
    yield
    rate_limit._counters.clear()


@pytest.fixture
def provider(app, monkeypatch):
    """Stubbed providers (`responses`); the SMS gateway configured, others added by tests."""
    monkeypatch.setitem(app.config, "CHANNELS", dict(GATEWAY))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as stub:
        yield stub


def customer_with(make, db_session, *, phone="+84905111222", zalo=None, **fields):
    customer = make.customer(phone=phone, **fields)
    if zalo:
        db_session.add(ContactPoint(customer=customer, kind=ContactKind.ZALO, value=zalo))
        db_session.flush()
    return customer


def commit(session):
    """Commit as a request does: without Redis the dispatch job runs right after, in-process."""
    session.commit()
    session.expire_all()
