"""The clock on real tickets: started at creation, paused from the status history, stopped."""
from datetime import datetime, timezone

import pytest

from crm.models import AreaType, SlaPolicy, Status, TicketSla
from crm.tickets import services
from workflows.sla import clock, store


def at(text):
    return datetime.fromisoformat(text).astimezone(timezone.utc)


@pytest.fixture
def new_connection(make, db_session):
    """A low-voltage new connection received Mon 23/11/2026 08:00 in an urban ward."""
    def _make(area=AreaType.URBAN, received="2026-11-23T08:00+07:00"):
        customer = make.customer(ward=make.ward(area_type=area))
        ticket = services.create_ticket(customer=customer, type="new_connection",
                                        subtype="low_voltage", channel="zalo", subject="Cấp điện")
        ticket.created_at = at(received)
        db_session.flush()
        _restart_history(db_session, ticket, at(received))
        return ticket
    return _make


def _restart_history(session, ticket, received):
    from crm.models import TicketStatusChange
    session.query(TicketStatusChange).filter_by(ticket_id=ticket.id).delete()
    ticket.sla.started_at = received
    clock.record_status(ticket, received)
    session.flush()
    clock.apply(ticket, now=received)


def test_a_new_ticket_gets_its_due_time_from_the_policy(new_connection):
    ticket = new_connection()
    assert ticket.sla.due_at == at("2026-11-26T17:00+07:00")        # 24 h, skipping 24/11
    assert ticket.sla.warn_at == at("2026-11-26T10:00+07:00")       # 75 % = 18 h
    assert ticket.sla.budget_seconds == 24 * 3600 and not ticket.sla.is_paused


def test_a_rural_ward_gets_five_working_days(new_connection):
    ticket = new_connection(area=AreaType.RURAL)
    assert ticket.sla.due_at == at("2026-11-30T17:00+07:00")        # 40 h


def test_waiting_for_the_customer_pauses_and_resuming_keeps_the_time_left(new_connection):
    ticket = new_connection()
    services.change_status(ticket, Status.PENDING_CUSTOMER, actor=None)
    _move_last_change(ticket, "2026-11-23T12:00+07:00")
    assert ticket.sla.is_paused and ticket.sla.due_at is None
    services.change_status(ticket, Status.OPEN, actor=None)
    _move_last_change(ticket, "2026-11-26T08:00+07:00")
    assert ticket.sla.due_at == at("2026-11-30T12:00+07:00")        # DESIGN's example 4


def _move_last_change(ticket, when):
    from crm.extensions import db
    from crm.models import TicketStatusChange
    change = db.session.query(TicketStatusChange).filter_by(ticket_id=ticket.id) \
        .order_by(TicketStatusChange.id.desc()).first()
    change.at = at(when)
    db.session.flush()
    clock.apply(ticket, now=at(when))


def test_resolving_stops_the_clock_and_keeps_the_due_time(new_connection):
    ticket = new_connection()
    due = ticket.sla.due_at
    services.change_status(ticket, Status.RESOLVED, actor=None, result="Đã đóng điện")
    assert ticket.sla.stopped_at is not None and ticket.sla.due_at == due
    services.change_status(ticket, Status.OPEN, actor=None)
    assert ticket.sla.stopped_at is None


def test_a_new_day_off_moves_open_tickets_when_recomputed(new_connection, db_session):
    ticket = new_connection()
    store.set_day(datetime(2026, 11, 25).date(), "day_off", "Nghỉ đột xuất")
    clock.recompute_open()
    assert ticket.sla.due_at == at("2026-11-27T17:00+07:00")


def test_the_policy_with_the_lowest_priority_number_wins(new_connection, db_session):
    db_session.add(SlaPolicy(name="Ưu tiên", type="new_connection", subtype="low_voltage",
                             priority=1, duration_minutes=60, valid_from=datetime(2020, 1, 1)
                             .date()))
    db_session.flush()
    ticket = new_connection()
    assert ticket.sla.budget_seconds == 3600
    assert ticket.sla.due_at == at("2026-11-23T09:00+07:00")


def test_a_policy_not_yet_in_force_is_not_used(new_connection, db_session):
    db_session.add(SlaPolicy(name="Từ 2027", type="new_connection", subtype="low_voltage",
                             priority=1, duration_minutes=60,
                             valid_from=datetime(2027, 1, 1).date()))
    db_session.flush()
    assert new_connection().sla.budget_seconds == 24 * 3600


def test_a_ticket_type_without_any_policy_has_no_clock(make, db_session):
    db_session.query(SlaPolicy).filter_by(type="complaint").delete()
    ticket = services.create_ticket(customer=make.customer(), type="complaint",
                                    channel="email", subject="Khiếu nại")
    assert db_session.get(TicketSla, ticket.id) is None


@pytest.mark.parametrize("history, expected", [
    ([], []),
    ([("new", 1), ("pending_customer", 2), ("open", 5)], [(2, 5)]),
    ([("new", 1), ("deferred", 2), ("pending_customer", 3), ("open", 4)], [(2, 4)]),
    ([("new", 1), ("pending_customer", 2)], [(2, None)]),
    ([("new", 1), ("pending_customer", 2), ("resolved", 3), ("open", 4),
      ("deferred", 6), ("open", 8)], [(2, 3), (6, 8)]),
])
def test_pauses_are_rebuilt_from_the_status_history(history, expected):
    def t(h):
        return datetime(2026, 11, 23, h, tzinfo=timezone.utc)
    got = clock.pauses_for([(Status(s), t(h)) for s, h in history])
    assert got == [(t(a), t(b) if b else None) for a, b in expected]


def test_the_state_shown_on_lists(new_connection):
    ticket = new_connection()
    assert clock.state(ticket.sla, at("2026-11-23T09:00+07:00")) == "ok"
    assert clock.state(ticket.sla, at("2026-11-26T11:00+07:00")) == "warning"
    assert clock.state(ticket.sla, at("2026-11-26T17:00+07:00")) == "breached"
    assert clock.state(None) == "none"
