"""Service suspension mode: requests kept DEFERRED with the clock paused, resumed at the end."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm.core.text import plain
from crm.incidents import jobs, suspensions
from crm.incidents.suspensions import SuspensionError
from crm.models import Direction, Message, Status, Suspension, TicketStatusChange, utcnow
from crm.tickets import services
from workflows.sla import clock

# Notices go on configured channels only: these tests expect them written.
pytestmark = pytest.mark.usefixtures("notice_channels")

NOTICE = ("Trong thời gian cách ly, Điện lực tạm dừng cung cấp dịch vụ cấp điện mới và các "
          "dịch vụ trong quá trình thực hiện hợp đồng.")


def suspend(types=("new_connection",), starts=-60, ends=60, notice=NOTICE, actor=None):
    """A suspension from `starts` to `ends` minutes from now (None: until lifted)."""
    now = utcnow()
    return suspensions.create_suspension(
        list(types), now + timedelta(minutes=starts),
        now + timedelta(minutes=ends) if ends is not None else None, notice, actor)


def request_connection(customer):
    return services.create_ticket(customer=customer, type="new_connection", subtype="low_voltage",
                                  channel="zalo", subject="Xin cấp điện mới")


def notices(session, event):
    rows = session.scalars(sa.select(Message).where(Message.direction == Direction.OUTBOUND)).all()
    return [m for m in rows if m.meta.get("event") == event]


@pytest.mark.parametrize("types, starts, ends, notice", [
    ([], -60, 60, NOTICE),
    (["cap_dien_moi"], -60, 60, NOTICE),
    (["outage"], -60, 60, NOTICE),
    (["new_connection"], -60, 60, "   "),
    (["new_connection"], 60, 30, NOTICE),
    (["new_connection"], -120, -60, NOTICE),
], ids=["no-type", "unknown-type", "outage", "no-notice", "end-before-start", "already-over"])
def test_an_invalid_suspension_is_refused_and_nothing_is_saved(db_session, types, starts, ends,
                                                               notice):
    with pytest.raises(SuspensionError) as error:
        suspend(types, starts, ends, notice)
    assert str(error.value)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Suspension)) == 0


def test_a_suspension_covers_its_types_during_its_period_until_lifted(db_session):
    suspension = suspend(("new_connection", "contract_change"), ends=None)
    now = utcnow()
    assert suspensions.active_for("contract_change", now) == suspension
    assert suspensions.active_for("inquiry", now) is None
    assert suspensions.active_for("new_connection", now - timedelta(hours=2)) is None
    later = suspend(("meter_inspection",), starts=30)
    assert suspensions.active_for("meter_inspection", now) is None
    assert suspensions.active_for("meter_inspection", now + timedelta(hours=1)) == later
    suspensions.lift(suspension, None)
    assert suspensions.active_for("new_connection", utcnow()) is None
    with pytest.raises(SuspensionError):
        suspensions.lift(suspension, None)


def test_a_request_during_a_suspension_is_deferred_with_its_clock_paused(make, db_session):
    suspension = suspend()
    ticket = request_connection(make.customer())
    assert ticket.status == Status.DEFERRED and ticket.suspension_id == suspension.id
    assert ticket.sla.is_paused and ticket.sla.due_at is None
    other = services.create_ticket(customer=make.customer(), type="inquiry", channel="sms",
                                   subject="Hỏi giá điện")
    assert other.status == Status.NEW and other.suspension_id is None


def test_the_customer_of_a_deferred_request_gets_the_public_notice_once(make, db_session):
    suspend()
    ticket = request_connection(make.customer())          # create_ticket sends the notice
    [message] = notices(db_session, "deferred")
    assert message.customer_id == ticket.customer_id and message.ticket_id == ticket.id
    assert plain(NOTICE) in message.body and ticket.code in message.body     # by SMS
    assert message.body.endswith(f"Tra cuu: http://cskh.test/status/{ticket.code}")
    served = services.create_ticket(customer=make.customer(), type="inquiry", channel="sms",
                                    subject="Hỏi giá điện")
    assert suspensions.notice_for_new_ticket(served) is None


def test_the_job_resumes_deferred_requests_after_the_end_with_the_full_time_left(make,
                                                                               db_session):
    suspension = suspend()
    ticket = request_connection(make.customer())
    district = ticket.district_id
    suspension.ends_at = utcnow() - timedelta(seconds=1)
    db_session.flush()

    assert jobs.resume_ended_suspensions() == 1

    assert ticket.status == Status.NEW and ticket.district_id == district
    sla = ticket.sla
    assert not sla.is_paused and sla.due_at is not None
    resumed_at = db_session.scalars(sa.select(TicketStatusChange.at).where(
        TicketStatusChange.ticket_id == ticket.id).order_by(TicketStatusChange.id.desc())).first()
    fresh = clock.due_times(sla.clock, timedelta(seconds=sla.budget_seconds), sla.warn_percent,
                            resumed_at)
    assert sla.due_at == fresh.due_at        # the pause took nothing from the budget
    sent = notices(db_session, "resumed")
    assert [m.ticket_id for m in sent] == [ticket.id]
    assert suspension.resumed_at is not None

    assert jobs.resume_ended_suspensions() == 0
    assert len(notices(db_session, "resumed")) == 1


def test_the_job_leaves_a_running_suspension_alone(make, db_session):
    suspend()
    ticket = request_connection(make.customer())
    assert jobs.resume_ended_suspensions() == 0
    assert ticket.status == Status.DEFERRED


def test_lifting_resumes_the_deferred_requests_once(make, db_session):
    suspension = suspend(ends=None)
    tickets = [request_connection(make.customer()) for _ in range(2)]
    suspensions.lift(suspension, None)
    assert jobs.resume_suspension(suspension.id) == 2
    assert {t.status for t in tickets} == {Status.NEW}
    assert jobs.resume_suspension(suspension.id) == 0
    assert jobs.resume_ended_suspensions() == 0
    assert len(notices(db_session, "resumed")) == 2


def test_a_request_an_agent_reopened_by_hand_is_not_touched_again(make, db_session):
    suspension = suspend()
    ticket = request_connection(make.customer())
    services.change_status(ticket, Status.OPEN, actor=None)
    suspension.ends_at = utcnow() - timedelta(seconds=1)
    db_session.flush()
    assert jobs.resume_ended_suspensions() == 0
    assert ticket.status == Status.OPEN and notices(db_session, "resumed") == []
