"""Notices go only on channels whose adapter is configured: a site without Zalo (or the demo,
with nothing configured) never tries Zalo, so no failed attempt is left in the thread."""
from __future__ import annotations

import json

import pytest
import responses
import sqlalchemy as sa

from crm.models import (AuditEvent, Channel, ContactKind, ContactPoint, DeliveryStatus,
                        Direction, Message, Notification, NotificationStatus)
from crm.notifications import choice, outbox

GATEWAY = {"SMS_GATEWAY_URL": "https://sms.example.vn/api/mt", "SMS_GATEWAY_TOKEN": "gw-token",
           "SMS_GATEWAY_SECRET": "gw-secret"}
PHONE = "+84905111222"


@pytest.fixture
def sms_only(app, monkeypatch):
    """The SMS gateway configured (and stubbed), nothing else: no Zalo on this site."""
    monkeypatch.setitem(app.config, "CHANNELS", dict(GATEWAY))
    with responses.RequestsMock() as stub:
        yield stub


@pytest.fixture
def nothing_configured(app, monkeypatch):
    monkeypatch.setitem(app.config, "CHANNELS", {})


def customer_with(make, db_session, **addresses):
    customer = make.customer(phone=PHONE)
    for kind, value in addresses.items():
        db_session.add(ContactPoint(customer=customer, kind=ContactKind(kind), value=value))
    db_session.flush()
    return customer


def commit(session):
    """Commit as a request does: without Redis the dispatch job runs right after, in-process."""
    session.commit()
    session.expire_all()


def test_which_channels_are_configured_comes_from_the_adapters_settings(
        app, db_session, monkeypatch, notice_channels):
    assert choice.configured_channels() == {"zalo", "sms", "email", "telegram"}
    monkeypatch.setitem(app.config, "CHANNELS", dict(GATEWAY))
    assert choice.configured_channels() == {"sms"}
    monkeypatch.setitem(app.config, "CHANNELS", {      # Twilio carries SMS when no gateway
        "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM_NUMBER": "+1555"})
    assert choice.configured_channels() == {"sms"}
    monkeypatch.setitem(app.config, "CHANNELS", {"ZALO_APP_ID": "1", "ZALO_OA_SECRET_KEY": "k"})
    assert choice.configured_channels() == set()        # no token: Zalo cannot send
    monkeypatch.setitem(app.config, "CHANNELS", {})
    assert choice.configured_channels() == set()


def test_an_unconfigured_zalo_is_skipped_and_the_notice_goes_by_sms(
        db_session, make, sms_only):
    """A customer on Zalo and SMS, writing in on Zalo: Zalo is first in every order (their
    ticket's channel, the default fallback), but this site has no Zalo."""
    customer = customer_with(make, db_session, zalo="zalo-user-7")
    ticket = make.ticket(customer=customer, channel=Channel.ZALO)
    sms_only.post(GATEWAY["SMS_GATEWAY_URL"], json={"id": "7", "status": "accepted"})
    assert choice.candidates(customer.id, hint="zalo") == ["sms"]
    notice = outbox.notify(customer, "resolved", {"text": "Yeu cau da duoc giai quyet"},
                           ticket=ticket, key="skip-zalo", urgent=True)
    commit(db_session)
    assert notice.status == NotificationStatus.SENT and notice.channel == "sms"
    assert notice.tried == [] and notice.last_error is None
    thread = db_session.scalars(sa.select(Message).where(
        Message.ticket_id == ticket.id, Message.direction == Direction.OUTBOUND)).all()
    assert [(str(m.channel), m.status, m.address) for m in thread] == [
        ("sms", DeliveryStatus.SENT, PHONE)]
    [call] = sms_only.calls
    assert json.loads(call.request.body)["to"] == PHONE.lstrip("+")


def test_a_preferred_channel_that_is_not_configured_is_passed_over(
        db_session, make, sms_only):
    customer = customer_with(make, db_session, telegram="998877", email="an@example.vn")
    choice.set_preferred(customer.id, "telegram")
    assert choice.candidates(customer.id) == ["sms"]
    assert choice.candidates(customer.id, requested="email") == ["sms"]


def test_with_nothing_configured_notify_returns_none_and_the_audit_says_unreachable(
        db_session, make, nothing_configured):
    customer = customer_with(make, db_session, zalo="zalo-user-8", email="an@example.vn")
    ticket = make.ticket(customer=customer, channel=Channel.ZALO)
    assert outbox.notify(customer, "resolved", {"text": "x"}, ticket=ticket,
                         key="nowhere") is None
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Message).where(
        Message.ticket_id == ticket.id)) == 0
    event = db_session.scalar(sa.select(AuditEvent).where(
        AuditEvent.entity == "customer", AuditEvent.entity_id == customer.id))
    assert event.action == "notice_unreachable" and event.ticket_id == ticket.id
    assert event.changes == {"event": [None, "resolved"], "key": [None, "nowhere"]}
    assert outbox.DRAIN_JOB not in [c.path for c in db_session.info.get("pending_jobs", [])]


def test_a_notice_whose_channel_was_unconfigured_since_is_skipped_not_failed(
        app, db_session, make, monkeypatch, sms_only):
    """The dispatcher sees the same list: a notice written while SMS was configured, sent after
    the gateway was removed, is skipped with no failed message in the thread."""
    customer = customer_with(make, db_session)
    notice = outbox.notify(customer, "bill", {"text": "x"}, key="unconfigured-since",
                           urgent=True)
    db_session.flush()
    monkeypatch.setitem(app.config, "CHANNELS", {})
    commit(db_session)
    assert notice.status == NotificationStatus.SKIPPED and notice.message_id is None
    assert notice.tried == []
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Message).where(
        Message.customer_id == customer.id)) == 0
    assert len(sms_only.calls) == 0


def test_the_configured_channels_are_read_once_for_a_batch(db_session, make, monkeypatch,
                                                          notice_channels):
    customers = [make.customer() for _ in range(3)]            # a phone each
    notices = [outbox.notify(c, "bill", {"text": "x"}, key=f"batch:{c.id}") for c in customers]
    reads = []
    real = choice.configured_channels

    def counted():
        reads.append(1)
        return real()
    monkeypatch.setattr(choice, "configured_channels", counted)
    outbox.prepare(notices)                     # what the dispatcher does with a claimed batch
    assert [n.channel for n in notices] == ["sms"] * 3
    assert len(reads) == 1
