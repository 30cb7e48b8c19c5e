"""The notifications outbox: written with the change, sent by the dispatcher on the right
channel (preferred, fallback, consent), outside quiet hours, retried, never silently lost."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from itertools import count

import pytest
import responses
import sqlalchemy as sa

from channels.base import ContactRef, InboundMessage
from channels.sms_common import DeliveryReceipt
from crm.core import settings
from crm.core.timefmt import LOCAL_TZ
from crm.inbox import delivery
from crm.inbox.ingest import ingest
from crm.models import (AuditEvent, Channel, ContactKind, ContactPoint, DeliveryStatus, Message,
                        Notification, NotificationStatus, NotificationTemplate, utcnow)
from crm.notifications import choice, consent, dispatch, outbox
from tests.support.office_hours import office_hours
from crm.tickets.notify import notify_customer, notify_customer_about
from tests.support.smtp_server import SmtpServer

# Notices go on configured channels only (each test with `sms_gateway` has the SMS one alone).
pytestmark = pytest.mark.usefixtures("notice_channels")

GATEWAY = {"SMS_GATEWAY_URL": "https://sms.example.vn/api/mt", "SMS_GATEWAY_TOKEN": "gw-token",
           "SMS_GATEWAY_SECRET": "gw-secret"}
_ids = count(1)


@pytest.fixture
def sms_gateway(app, monkeypatch):
    monkeypatch.setitem(app.config, "CHANNELS", dict(GATEWAY))
    with responses.RequestsMock() as stub:
        yield stub


@pytest.fixture(autouse=True)
def daytime(monkeypatch):
    return office_hours(monkeypatch)


def customer_with(make, db_session, *, phone="+84905111222", zalo=None, email=None):
    customer = make.customer(phone=phone)
    for kind, value in ((ContactKind.ZALO, zalo), (ContactKind.EMAIL, email)):
        if value:
            db_session.add(ContactPoint(customer=customer, kind=kind, value=value))
    db_session.flush()
    return customer


def commit(session):
    """Commit as a request does: without Redis the dispatch job runs right after, in-process."""
    session.commit()
    session.expire_all()


def sent_payloads(stub):
    return [json.loads(call.request.body) for call in stub.calls]


def test_a_notice_is_one_row_in_the_callers_transaction_and_its_key_makes_it_once(
        db_session, make):
    customer = customer_with(make, db_session)
    first = outbox.notify(customer, "bill", {"text": "Tien dien thang 11"}, key="bill:1:2026-11")
    again = outbox.notify(customer, "bill", {"text": "khac"}, key="bill:1:2026-11")
    other = outbox.notify(customer, "bill", {"text": "Tien dien thang 12"}, key="bill:1:2026-12")
    assert again.id == first.id and other.id != first.id
    assert first.status == NotificationStatus.QUEUED and first.context == {
        "text": "Tien dien thang 11"}
    assert first.message_id is None and first.channel is None     # chosen at dispatch
    jobs = [c.path for c in db_session.info["pending_jobs"]]
    assert jobs.count(outbox.DRAIN_JOB) == 1                       # one wake-up per transaction


def test_a_rolled_back_change_leaves_no_notice_and_no_job(db_session, make):
    customer = customer_with(make, db_session)
    db_session.commit()
    outbox.notify(customer, "bill", {"text": "x"}, key="rolled-back")
    db_session.rollback()
    assert outbox.by_key("rolled-back") is None
    assert not db_session.info.get("pending_jobs")


def test_a_customer_opted_out_of_every_channel_gets_none_and_it_is_audited(db_session, make):
    customer = customer_with(make, db_session, zalo="zalo-user-1")
    consent.set_opt_out(customer.id, "sms", True, source="sms_keyword")
    consent.set_opt_out(customer.id, "zalo", True, source="zalo_unfollow")
    assert outbox.notify(customer, "bill", {"text": "x"}, key="k") is None
    actions = db_session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.entity_id == customer.id, AuditEvent.entity == "customer")).all()
    assert actions == ["opted_out", "opted_out", "notice_unreachable"]


def test_the_order_is_preferred_then_the_editable_fallback_without_refused_channels(
        db_session, make):
    customer = customer_with(make, db_session, zalo="zalo-user-2", email="an@example.vn")
    assert choice.candidates(customer.id) == ["zalo", "sms", "email"]
    choice.set_preferred(customer.id, "email")
    assert choice.candidates(customer.id) == ["email", "zalo", "sms"]
    consent.set_opt_out(customer.id, "zalo", True, source="zalo_unfollow")
    assert choice.candidates(customer.id) == ["email", "sms"]
    settings.put("notification_channels", ["sms", "email", "zalo"])
    choice.set_preferred(customer.id, None)
    assert choice.candidates(customer.id) == ["sms", "email"]
    assert choice.candidates(customer.id, requested="email") == ["email", "sms"]
    consent.set_opt_out(customer.id, "zalo", False, source="zalo_follow")
    assert choice.candidates(customer.id, tried=["sms"]) == ["email", "zalo"]


def test_an_unconfigured_channel_is_never_tried(db_session, make, sms_gateway):
    """Zalo first by default; Zalo is not configured here, so the SMS carries the notice
    and the thread shows no failed Zalo attempt."""
    customer = customer_with(make, db_session, zalo="zalo-user-3")
    sms_gateway.post(GATEWAY["SMS_GATEWAY_URL"], json={"id": "7", "status": "accepted"})
    notice = outbox.notify(customer, "bill", {"text": "Tien dien thang 11: 350.000 d"},
                           key="bill:fallback")
    commit(db_session)
    assert dispatch.drain_job() == 0            # nothing left
    assert notice.status == NotificationStatus.SENT and notice.channel == "sms"
    assert notice.tried == []
    messages = db_session.scalars(sa.select(Message).where(
        Message.customer_id == customer.id).order_by(Message.id)).all()
    assert [(str(m.channel), m.status, m.error) for m in messages] == [
        ("sms", DeliveryStatus.SENT, None)]
    assert notice.message_id == messages[0].id
    [payload] = sent_payloads(sms_gateway)
    assert payload == {"to": "84905111222", "text": "Tien dien thang 11: 350.000 d",
                       "brandname": None, "client_ref": f"message-{messages[0].id}"}


def test_a_permanent_failure_on_every_channel_is_failed_visible_and_audited(
        db_session, make, sms_gateway):
    customer = customer_with(make, db_session, zalo="zalo-user-4")
    choice.set_preferred(customer.id, "sms")
    sms_gateway.post(GATEWAY["SMS_GATEWAY_URL"], status=400,
                     json={"error": "invalid destination"})
    notice = outbox.notify(customer, "bill", {"text": "x"}, key="bill:fails")
    commit(db_session)                 # Zalo is not configured here: SMS is the only channel
    assert notice.status == NotificationStatus.FAILED and notice.tried == ["sms"]
    assert "invalid destination" in notice.last_error and notice.message_id is None
    [failed] = db_session.scalars(sa.select(Message).where(Message.customer_id == customer.id)
                                  .order_by(Message.id)).all()
    assert failed.status == DeliveryStatus.FAILED and "invalid destination" in failed.error
    assert db_session.scalar(sa.select(AuditEvent.action).where(
        AuditEvent.action == "notice_failed", AuditEvent.entity_id == customer.id))


def test_a_retryable_error_backs_off_and_retries_with_the_same_key(
        db_session, make, sms_gateway):
    customer = customer_with(make, db_session)
    sms_gateway.post(GATEWAY["SMS_GATEWAY_URL"], status=503, json={"error": "busy"})
    sms_gateway.post(GATEWAY["SMS_GATEWAY_URL"], status=503, json={"error": "busy"})
    sms_gateway.post(GATEWAY["SMS_GATEWAY_URL"], json={"id": "9", "status": "accepted"})
    notice = outbox.notify(customer, "bill", {"text": "x"}, key="bill:retry", urgent=True)
    started = dispatch.utcnow()
    commit(db_session)                          # the first attempt
    assert notice.status == NotificationStatus.QUEUED and notice.attempts == 1
    assert "busy" in notice.last_error and notice.message.status == DeliveryStatus.QUEUED
    first_wait = notice.next_attempt_at - started
    assert timedelta(seconds=55) < first_wait <= timedelta(minutes=1, seconds=5)
    assert dispatch.drain() == 0                                  # not due yet
    assert dispatch.drain(now=notice.next_attempt_at) == 1
    assert notice.attempts == 2
    assert notice.next_attempt_at - dispatch.utcnow() > timedelta(seconds=115)  # 2 min, 4 ...
    assert dispatch.drain(now=notice.next_attempt_at) == 1
    assert notice.status == NotificationStatus.SENT and notice.message.provider_message_id == \
        "gw-mt-9"
    refs = {p["client_ref"] for p in sent_payloads(sms_gateway)}
    assert refs == {f"message-{notice.message_id}"} and len(sms_gateway.calls) == 3


def test_backoff_doubles_up_to_a_cap():
    assert [dispatch.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert dispatch.backoff(30) == dispatch.BACKOFF_CAP


@pytest.mark.parametrize("local_time, expected", [
    ("2026-11-23 21:00", "2026-11-24 07:00"), ("2026-11-23 23:59", "2026-11-24 07:00"),
    ("2026-11-24 00:30", "2026-11-24 07:00"), ("2026-11-24 06:59", "2026-11-24 07:00"),
    ("2026-11-24 07:00", None), ("2026-11-23 20:59", None), ("2026-11-23 12:00", None),
])
def test_quiet_hours_hold_a_notice_until_they_end(db_session, local_time, expected):
    now = datetime.fromisoformat(local_time).replace(tzinfo=LOCAL_TZ).astimezone(timezone.utc)
    until = choice.quiet_until(now)
    assert (until.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if until else None) == expected


def test_a_night_notice_waits_for_morning_unless_urgent(db_session, make, monkeypatch):
    customer = customer_with(make, db_session)
    night = datetime(2026, 11, 23, 22, 30, tzinfo=LOCAL_TZ).astimezone(timezone.utc)
    monkeypatch.setattr(outbox, "utcnow", lambda: night)
    calm = outbox.notify(customer, "bill", {"text": "x"}, key="night:bill")
    outage = outbox.notify(customer, "incident_restored", {"text": "y"}, key="night:outage",
                           urgent=True)
    assert calm.next_attempt_at.astimezone(LOCAL_TZ) == datetime(2026, 11, 24, 7, 0,
                                                                 tzinfo=LOCAL_TZ)
    assert outage.next_attempt_at == night
    db_session.flush()
    due = db_session.scalars(sa.select(Notification.id).where(
        dispatch.due(night + timedelta(minutes=1)))).all()
    assert due == [outage.id]


def test_the_quiet_hours_are_an_admin_setting(db_session):
    settings.put("notification_quiet_hours", ["22:00", "06:00"])
    late = datetime(2026, 11, 23, 21, 30, tzinfo=LOCAL_TZ)
    assert choice.quiet_until(late) is None
    assert choice.quiet_until(late + timedelta(hours=1)) == datetime(2026, 11, 24, 6, 0,
                                                                     tzinfo=LOCAL_TZ)


def test_receipts_carry_delivered_and_a_failure_falls_back(db_session, make, sms_gateway, app,
                                                           monkeypatch):
    smtp = SmtpServer()
    monkeypatch.setitem(app.config, "CHANNELS", {
        **GATEWAY, "SMTP_URL": smtp.url, "MAIL_FROM": "CSKH PC05 <cskh@pc05.vn>"})
    customer = customer_with(make, db_session, email="an@example.vn")
    choice.set_preferred(customer.id, "sms")
    sms_gateway.post(GATEWAY["SMS_GATEWAY_URL"], json={"id": "1", "status": "accepted"})
    sms_gateway.post(GATEWAY["SMS_GATEWAY_URL"], json={"id": "2", "status": "accepted"})
    ok = outbox.notify(customer, "bill", {"text": "a"}, key="r:ok")
    lost = outbox.notify(customer, "bill", {"text": "b"}, key="r:lost")
    commit(db_session)
    ok_message, lost_message = ok.message, lost.message
    delivery.apply_receipt(ok_message, DeliveryReceipt(external_id="gw-mt-1",
                                                       status="delivered"))
    delivery.apply_receipt(lost_message, DeliveryReceipt(external_id="gw-mt-2", status="failed",
                                                         error="absent subscriber"))
    assert ok.status == NotificationStatus.DELIVERED and ok.delivered_at is not None
    assert lost.status == NotificationStatus.QUEUED and lost.tried == ["sms"]
    assert lost.message_id is None and lost_message.status == DeliveryStatus.FAILED
    with smtp:
        commit(db_session)                 # the next configured channel: e-mail
    assert lost.status == NotificationStatus.SENT and lost.channel == "email"
    assert lost.tried == ["sms"] and lost.message.address == "an@example.vn"
    [mail] = smtp.recorder.received
    assert "an@example.vn" in mail.rcpt_tos


def test_an_opt_out_after_the_notice_was_written_is_respected_at_dispatch(
        db_session, make, sms_gateway):
    customer = customer_with(make, db_session)
    ticket = make.ticket(customer=customer, channel=Channel.SMS)
    message = notify_customer(ticket, "ticket_received")
    assert message.status == DeliveryStatus.QUEUED and message.channel == Channel.SMS
    consent.set_opt_out(customer.id, "sms", True, source="sms_keyword")
    commit(db_session)
    notice = db_session.scalar(sa.select(Notification).where(Notification.ticket_id == ticket.id))
    assert notice.status == NotificationStatus.FAILED and notice.last_error == "opted out"
    assert message.status == DeliveryStatus.FAILED and len(sms_gateway.calls) == 0


def test_ticket_notices_render_the_template_with_the_code_due_date_and_link(db_session, make,
                                                                          sms_gateway):
    customer = customer_with(make, db_session)
    ticket = make.ticket(customer=customer, channel=Channel.SMS)
    message = notify_customer(ticket, "resolved", {"ket_qua": "Đã thay công tơ"})
    notice = db_session.scalar(sa.select(Notification).where(Notification.message_id == message.id))
    assert notice.ticket_id == ticket.id and notice.event == "resolved"
    assert notice.context["ma_phieu"] == ticket.code
    assert notice.context["ket_qua"] == "Đã thay công tơ"
    assert notice.context["link_tra_cuu"].endswith(f"/status/{ticket.code}")
    assert message.channel == Channel.SMS and message.ticket_id == ticket.id
    assert message.body == (f"Yeu cau {ticket.code} da giai quyet xong: Da thay cong to. "
                            f"Chi tiet: http://cskh.test/status/{ticket.code}")
    assert message.meta == {"event": "resolved"} and notice.urgent is False
    about = notify_customer_about(customer, "planned_outage", {
        "loai_thong_bao": "advance", "khu_vuc": "Phường Hải Châu",
        "bat_dau": "2026-12-05T07:30:00+07:00", "ket_thuc": "2026-12-05T17:00:00+07:00"},
        key="po:1")
    assert notify_customer_about(customer, "planned_outage", {}, key="po:1").id == about.id
    assert outbox.by_key("po:1").urgent is True
    assert about.body == ("Lich ngung cap dien tai Phuong Hai Chau: tu 05/12/2026 07:30 den "
                          "05/12/2026 17:00.")
    with pytest.raises(ValueError):
        notify_customer(ticket, "step:received")


def test_a_template_the_context_cannot_fill_fails_the_notice_visibly(db_session, make,
                                                                    sms_gateway):
    customer = customer_with(make, db_session)
    ticket = make.ticket(customer=customer, channel=Channel.SMS)
    db_session.add(NotificationTemplate(event="appointment", channel="sms",
                                        body="Hen {{ gio_hen|datetime }}"))
    db_session.flush()
    assert notify_customer(ticket, "appointment", {"gio_hen": "not a time"}) is None
    notice = db_session.scalar(sa.select(Notification).where(Notification.ticket_id == ticket.id))
    assert notice.status == NotificationStatus.FAILED and "not a time" in notice.last_error
    assert db_session.scalar(sa.select(AuditEvent.action).where(
        AuditEvent.entity_id == customer.id, AuditEvent.action == "notice_failed"))
    commit(db_session)                               # the dispatcher leaves it alone
    assert notice.status == NotificationStatus.FAILED and notice.message_id is None


def sms_in(text, phone="+84905111222"):
    return InboundMessage(channel="sms", external_id=f"SM{next(_ids):032d}",
                          sender=ContactRef("phone", phone), received_at=utcnow(), text=text,
                          thread_hint=text)


def test_tuchoi_by_sms_opts_out_and_dongy_opts_back_in(db_session, make):
    customer = customer_with(make, db_session, phone="+84905111333")
    ctx = ingest(sms_in("TUCHOI", phone="+84905111333"))
    assert ctx.skipped == "keyword:opt_out" and "DONGY" in ctx.answer
    assert consent.opted_out(customer.id) == {"sms"}
    assert outbox.notify(customer, "bill", {"text": "x"}, key="after-tuchoi") is None
    ingest(sms_in("Dong y", phone="+84905111333"))
    assert consent.opted_out(customer.id) == set()
    assert outbox.notify(customer, "bill", {"text": "x"}, key="after-dongy") is not None


def test_tuchoi_inside_a_sentence_is_an_ordinary_message(db_session, make):
    customer = customer_with(make, db_session, phone="+84905111444")
    ingest(sms_in("Tu choi thanh toan hoa don nay vi sai chi so", phone="+84905111444"))
    assert consent.opted_out(customer.id) == set()


def test_a_zalo_unfollow_opts_out_of_zalo_and_a_follow_back_in(db_session, make):
    customer = customer_with(make, db_session, zalo="8001")

    def event(name):
        return InboundMessage(channel="zalo", external_id=f"zalo-ev-{next(_ids)}",
                              sender=ContactRef("zalo", "8001"), received_at=utcnow(), text="",
                              kind="event", meta={"event_name": name, "event": name})
    ingest(event("unfollow"))
    assert consent.opted_out(customer.id) == {"zalo"}
    assert choice.candidates(customer.id) == ["sms"]
    ingest(event("follow"))
    assert consent.opted_out(customer.id) == set()
