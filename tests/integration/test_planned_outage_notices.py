"""Advance, change and cancellation notices: each customer told once per revision."""
import threading

import pytest
import responses
import sqlalchemy as sa

from crm.core import settings
from crm.extensions import db
from crm.notifications import dispatch
from crm.models import (AuditEvent, Channel, ContactKind, ContactPoint, DeliveryStatus,
                        Direction, Message, NoticeKind, Notification, NotificationStatus,
                        PlannedOutage, PlannedOutageNotice, PlannedOutageStatus)
from crm.planned_outages import jobs, notices, services
from crm.tickets.notify import notify_customer_about
from tests import factories
from tests.conftest import IS_POSTGRES
from tests.support.planned_outages import at, day, outage, with_meter, world

# Notices go on configured channels only: these tests expect them written.
pytestmark = pytest.mark.usefixtures("notice_channels")


@pytest.fixture
def w(make):
    return world(make)


def sent(session, customer=None):
    query = sa.select(Message).where(Message.direction == Direction.OUTBOUND,
                                     Message.ticket_id.is_(None)).order_by(Message.id)
    if customer is not None:
        query = query.where(Message.customer_id == customer.id)
    return session.scalars(query).all()


def told(session, outage_id):
    return sorted((n.customer_id, str(n.kind), n.revision) for n in session.scalars(
        sa.select(PlannedOutageNotice).where(PlannedOutageNotice.outage_id == outage_id)))


def test_the_job_tells_each_affected_customer_once_however_often_it_runs(make, db_session, w):
    near, also = make.customer(ward=w.ward), make.customer(ward=w.far_ward)
    with_meter(db_session, also, station="TBA-07")
    elsewhere = make.customer(ward=w.ward2)
    cut = outage(db_session, w.district, wards=[w.ward], feeders=["TBA-07"], start=at(2, 8),
                 end=at(2, 16), reason="bảo dưỡng đường dây")
    assert jobs.send_notices() == {"advance": 2, "changes": 0, "done": 0}
    assert jobs.send_notices() == {"advance": 0, "changes": 0, "done": 0}
    assert [m.customer_id for m in sent(db_session)] == [near.id, also.id]
    assert sent(db_session, elsewhere) == []
    (message,) = sent(db_session, near)
    assert message.channel == Channel.SMS and message.address == near.phone
    assert message.status == DeliveryStatus.QUEUED and message.meta["event"] == "planned_outage"
    assert message.body == (f"Lich ngung cap dien tai Phuong Hai Chau: tu {day(2):%d/%m/%Y} "
                            f"08:00 den {day(2):%d/%m/%Y} 16:00.")     # SMS: unaccented
    assert "khu vuc xuat tuyen/tram TBA-07" in sent(db_session, also)[0].body
    assert db_session.get(PlannedOutage, cut.id).notices_sent_at is not None
    # Each notice is an outbox row holding its message; one dispatch job sends them all.
    notices = db_session.scalars(sa.select(Notification).order_by(Notification.id)).all()
    assert [n.message_id for n in notices] == [m.id for m in sent(db_session)]
    assert {n.status for n in notices} == {NotificationStatus.QUEUED}
    pending = [c.path for c in db_session.info.get("pending_jobs", [])]
    assert pending.count("crm.notifications.dispatch.drain_job") == 1
    assert "crm.inbox.jobs.send_message" not in pending


def test_outages_further_ahead_than_the_notice_days_wait(make, db_session, w):
    make.customer(ward=w.ward)
    outage(db_session, w.district, wards=[w.ward], start=at(8, 8), end=at(8, 16))
    assert jobs.send_notices()["advance"] == 0
    settings.put("planned_outage_notice_days", 10)
    assert jobs.send_notices()["advance"] == 1


def test_a_customer_who_cannot_be_reached_is_audited_once_and_not_retried(make, db_session, w):
    nobody = make.customer(ward=w.ward, phone=None)
    cut = outage(db_session, w.district, wards=[w.ward], start=at(1, 8), end=at(1, 16))
    jobs.send_notices()
    jobs.send_notices()
    assert sent(db_session) == []
    assert told(db_session, cut.id) == [(nobody.id, "advance", 0)]
    events = db_session.scalars(sa.select(AuditEvent).where(
        AuditEvent.entity == "customer", AuditEvent.entity_id == nobody.id)).all()
    assert [e.action for e in events] == ["notice_unreachable"]


def test_a_moved_outage_tells_those_already_told_and_only_them(make, db_session, w):
    early, late = make.customer(ward=w.ward), make.customer(ward=w.ward2)
    cut = outage(db_session, w.district, wards=[w.ward], start=at(2, 8), end=at(2, 16))
    jobs.send_notices()
    cut.starts_at, cut.ends_at = at(3, 13), at(3, 17)
    cut.wards = [w.ward, w.ward2]
    services._announce(cut)
    result = jobs.send_notices()
    assert result == {"advance": 1, "changes": 1, "done": 0}
    assert told(db_session, cut.id) == sorted([(early.id, "advance", 0),
                                                (early.id, "changed", 1),
                                                (late.id, "advance", 1)])
    change = sent(db_session, early)[-1]
    assert change.meta["event"] == "planned_outage"
    assert f"DOI lich ngung cap dien tai Phuong Hai Chau: tu {day(3):%d/%m/%Y} 13:00 den " \
        f"{day(3):%d/%m/%Y} 17:00." == change.body
    assert len(sent(db_session, late)) == 1
    assert jobs.send_notices() == {"advance": 0, "changes": 0, "done": 0}


def test_a_cancelled_outage_tells_those_already_told_that_it_is_off(make, db_session, w):
    told_before = make.customer(ward=w.ward)
    cut = outage(db_session, w.district, wards=[w.ward], start=at(2, 8), end=at(2, 16))
    jobs.send_notices()
    newcomer = make.customer(ward=w.ward)
    services.cancel(cut)
    assert jobs.announce_changes(cut.id) == 1
    assert jobs.send_notices() == {"advance": 0, "changes": 0, "done": 0}
    assert told(db_session, cut.id) == [(told_before.id, "advance", 0),
                                        (told_before.id, "cancelled", 1)]
    notice = sent(db_session, told_before)[-1]
    assert notice.meta["event"] == "planned_outage"
    assert notice.body.startswith("HUY lich ngung cap dien tai Phuong Hai Chau: tu ")
    assert sent(db_session, newcomer) == []
    with pytest.raises(services.PlannedOutageError):
        services.cancel(cut)


def test_a_customer_no_longer_in_the_area_of_a_moved_outage_is_told_it_is_off(make, db_session,
                                                                               w):
    dropped = make.customer(ward=w.ward2)
    cut = outage(db_session, w.district, wards=[w.ward, w.ward2], start=at(2, 8), end=at(2, 16))
    jobs.send_notices()
    cut.wards = [w.ward]
    cut.starts_at = at(2, 9)
    services._announce(cut)
    jobs.send_notices()
    assert told(db_session, cut.id) == [(dropped.id, "advance", 0), (dropped.id, "cancelled", 1)]
    assert "tai Phuong Thanh Khe" in sent(db_session, dropped)[-1].body


def test_finished_outages_are_marked_done_and_never_announced(make, db_session, w):
    make.customer(ward=w.ward)
    cut = outage(db_session, w.district, wards=[w.ward], start=at(-1, 8), end=at(-1, 16))
    assert jobs.send_notices() == {"advance": 0, "changes": 0, "done": 1}
    db_session.expire(cut)
    assert cut.status == PlannedOutageStatus.DONE and sent(db_session) == []


def test_a_claimed_notice_is_never_sent_by_another_run(make, db_session, w):
    """The notice row is the claim: a run that finds it taken sends nothing for that customer."""
    taken, free = make.customer(ward=w.ward), make.customer(ward=w.ward)
    cut = outage(db_session, w.district, wards=[w.ward], start=at(1, 8), end=at(1, 16))
    db_session.add(PlannedOutageNotice(outage_id=cut.id, customer_id=taken.id, revision=0,
                                       kind=NoticeKind.ADVANCE))
    db_session.flush()
    assert notices.send_advance(cut, at(0, 8)) == 1
    assert [m.customer_id for m in sent(db_session)] == [free.id]
    assert notices._tell(cut, taken.id, NoticeKind.ADVANCE) == 0


def test_notify_customer_about_is_deduplicated_by_key_and_uses_email_subjects(make, db_session,
                                                                                w):
    customer = make.customer(phone=None, ward=w.ward)
    db_session.add(ContactPoint(customer=customer, kind=ContactKind.EMAIL, value="an@example.vn"))
    db_session.flush()
    db_session.expire(customer)
    cut = outage(db_session, w.district, wards=[w.ward], start=at(2, 8), end=at(2, 16),
                 reason="bảo dưỡng đường dây")
    values = notices.notice_values(cut, NoticeKind.ADVANCE, customer)
    first = notify_customer_about(customer, "planned_outage", values, key="k-1")
    again = notify_customer_about(customer, "planned_outage", {}, key="k-1")
    assert again.id == first.id and len(sent(db_session)) == 1
    assert first.channel == Channel.EMAIL and first.ticket_id is None
    assert first.subject == f"Lịch tạm ngừng cấp điện {day(2):%d/%m/%Y}"
    assert first.body.startswith(f"Kính gửi quý khách {customer.name},\n\nĐiện lực Hải Châu "
                                 "thông báo lịch tạm ngừng cấp điện tại Phường Hải Châu: từ "
                                 f"{day(2):%d/%m/%Y} 08:00 đến {day(2):%d/%m/%Y} 16:00. "
                                 "Lý do: bảo dưỡng đường dây")


@responses.activate
def test_a_notice_without_a_ticket_is_sent_by_the_dispatcher(app, make, db_session, w,
                                                                   monkeypatch):
    sid = "AC" + "1" * 32
    monkeypatch.setitem(app.config, "CHANNELS", {
        "TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": "secret",
        "TWILIO_FROM_NUMBER": "+15005550006"})
    stub = responses.post(f"https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json",
                          status=201, json={"sid": "SM" + "2" * 32, "status": "queued"})
    customer = make.customer(ward=w.ward, phone="+84905111222")
    outage(db_session, w.district, wards=[w.ward], start=at(1, 8), end=at(1, 16))
    jobs.send_notices()
    (message,) = sent(db_session, customer)
    assert dispatch.drain() == 1
    assert message.status == DeliveryStatus.SENT and message.provider_message_id == "SM" + "2" * 32
    notice = db_session.scalar(sa.select(Notification).where(Notification.message_id == message.id))
    assert notice.status == NotificationStatus.SENT and notice.channel == "sms"
    body = responses.calls[0].request.body
    assert stub.call_count == 1 and "To=%2B84905111222" in body and "Body=" in body


def _committed_world(session):
    make = factories.Factories(session)
    district = make.district(name="Điện lực Hải Châu")
    ward = make.ward(district=district)
    customers = [make.customer(ward=ward).id for _ in range(5)]
    outage(session, district, wards=[ward], start=at(2, 8), end=at(2, 16))
    session.commit()
    return customers


def _advance_messages(session):
    return session.scalars(sa.select(Message.customer_id).where(
        Message.ticket_id.is_(None)).order_by(Message.customer_id)).all()


def test_two_runs_in_two_sessions_tell_each_customer_once(app, committed_db):
    customers = _committed_world(committed_db)
    counts = []
    for _ in range(2):
        with app.app_context():
            counts.append(jobs.send_notices()["advance"])
            db.session.commit()
            db.session.remove()
    assert counts == [5, 0]
    assert _advance_messages(committed_db) == customers


@pytest.mark.skipif(not IS_POSTGRES, reason="concurrent writers need PostgreSQL")
def test_two_concurrent_runs_tell_each_customer_once(app, committed_db, monkeypatch):
    customers = _committed_world(committed_db)
    barrier, real_tell, errors, counts = threading.Barrier(2), notices._tell, [], []
    waited = threading.local()

    def tell_after_both_looked(*args):
        if not getattr(waited, "done", False):        # both runs have their candidates now
            waited.done = True
            barrier.wait(timeout=10)
        return real_tell(*args)
    monkeypatch.setattr(notices, "_tell", tell_after_both_looked)

    def run():
        with app.app_context():
            try:
                counts.append(notices.send_due()["advance"])
                db.session.commit()
            except Exception as exc:      # reported by the test, not lost in the thread
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and sorted(counts) == [0, 5]
    assert _advance_messages(committed_db) == customers
