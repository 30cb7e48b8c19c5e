"""Routing by the utility's service-area codes with effective dates, and the unrouted queue."""
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from crm.core.timefmt import LOCAL_TZ
from crm.models import AuditEvent, Channel, Status, Ticket, WardAssignment
from crm.routing import services as routing_services
from crm.routing.services import RoutingError
from crm.tickets import services
from workflows import routing

TODAY = routing.today()
TOMORROW = TODAY + timedelta(days=1)


def _at_local_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def _new_ticket(customer, **kw):
    return services.create_ticket(customer=customer, type="new_connection", subtype="low_voltage",
                                  channel=Channel.HOTLINE, subject="Xin cấp điện mới", **kw)


def _rows(session, ward):
    return session.scalars(sa.select(WardAssignment).where(WardAssignment.ward_id == ward.id)
                           .order_by(WardAssignment.valid_from)).all()


@pytest.fixture
def ward(make):
    return make.ward(code="PC05AA-W01", district=make.district(code="PC05AA"))


def test_an_assignment_starting_tomorrow_does_not_route_todays_ticket(db_session, make, ward):
    old, new = ward.district, make.district(code="PC05BB")
    routing_services.assign_ward(ward, new, TOMORROW, actor=None)
    ticket = _new_ticket(make.customer(ward=ward))
    assert ticket.district == old
    assert ward.district == old                      # the cached owner is still today's
    assert routing.district_for(ward, TODAY) == old


def test_from_its_first_day_the_new_office_gets_the_wards_tickets(db_session, make, ward,
                                                                  monkeypatch):
    new = make.district(code="PC05BB")
    routing_services.assign_ward(ward, new, TOMORROW, actor=None)
    monkeypatch.setattr(services, "utcnow", lambda: _at_local_noon(TOMORROW))
    ticket = _new_ticket(make.customer(ward=ward))
    assert ticket.district == new
    assert routing.district_for(ward, TOMORROW + timedelta(days=400)) == new


def test_the_previous_open_ended_assignment_ends_the_day_before(db_session, make, ward):
    first, second, third = (make.district() for _ in range(3))
    routing_services.assign_ward(ward, first, date(2026, 1, 1), actor=None)
    routing_services.assign_ward(ward, second, date(2026, 7, 1), actor=None)
    routing_services.assign_ward(ward, third, date(2027, 1, 1), actor=None)
    spans = [(r.district, r.valid_from, r.valid_to) for r in _rows(db_session, ward)]
    assert spans[-3:] == [(first, date(2026, 1, 1), date(2026, 6, 30)),
                          (second, date(2026, 7, 1), date(2026, 12, 31)),
                          (third, date(2027, 1, 1), None)]
    assert routing.district_for(ward, date(2026, 6, 30)) == first
    assert routing.district_for(ward, date(2026, 7, 1)) == second


def test_a_never_scheduled_ward_keeps_its_first_office_in_the_history(db_session, make, ward):
    old, new = ward.district, make.district()
    routing_services.assign_ward(ward, new, TOMORROW, actor=None)
    history, scheduled = _rows(db_session, ward)
    assert (history.district, history.valid_to) == (old, TODAY)
    assert (scheduled.district, scheduled.valid_from, scheduled.valid_to) == (new, TOMORROW, None)


def test_an_overlapping_assignment_is_refused_and_writes_nothing(db_session, make, ward):
    a, b = make.district(code="PC05CC"), make.district(code="PC05DD")
    routing_services.assign_ward(ward, a, date(2030, 1, 1), date(2030, 12, 31), actor=None)
    before = [(r.district_id, r.valid_from, r.valid_to) for r in _rows(db_session, ward)]
    events = db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    with pytest.raises(RoutingError, match="Trùng thời gian với phân công cho PC05CC"):
        routing_services.assign_ward(ward, b, date(2030, 6, 1), date(2030, 6, 30), actor=None)
    with pytest.raises(RoutingError):             # an open-ended one that runs into 2030
        routing_services.assign_ward(ward, b, date(2029, 1, 1), None, actor=None)
    with pytest.raises(RoutingError):             # the same first day
        routing_services.assign_ward(ward, b, date(2030, 1, 1), date(2030, 1, 5), actor=None)
    assert [(r.district_id, r.valid_from, r.valid_to) for r in _rows(db_session, ward)] == before
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events


def test_a_range_that_ends_before_it_starts_is_refused(db_session, make, ward):
    with pytest.raises(RoutingError, match="Ngày kết thúc phải bằng hoặc sau ngày bắt đầu"):
        routing_services.assign_ward(ward, make.district(), TOMORROW, TODAY, actor=None)
    assert _rows(db_session, ward) == []


def test_scheduling_the_office_that_already_serves_is_refused(db_session, make, ward):
    with pytest.raises(RoutingError, match="đã phục vụ phường/xã này"):
        routing_services.assign_ward(ward, ward.district, TOMORROW, actor=None)


def test_a_change_dated_today_moves_the_cached_owner_at_once_and_is_audited(db_session, make,
                                                                           ward):
    admin = make.user(role="admin")
    new = make.district(code="PC05BB")
    routing_services.assign_ward(ward, new, TODAY, actor=admin)
    assert ward.district == new
    event = db_session.scalar(sa.select(AuditEvent).where(AuditEvent.entity == "ward"))
    assert event.actor_id == admin.id and event.entity_id == ward.id
    assert event.changes["district"] == ["PC05AA", "PC05BB"]
    assert event.changes["valid_from"] == [None, TODAY.isoformat()]


def test_sync_moves_each_cached_owner_to_the_office_in_force_today(db_session, make, ward):
    moved, ended, untouched = ward, make.ward(), make.ward()
    new = make.district()
    routing_services.assign_ward(moved, new, TOMORROW, actor=None)
    routing_services.assign_ward(ended, ended.district, TODAY - timedelta(days=30),
                                 TODAY + timedelta(days=1), actor=None)
    owner_of_untouched = untouched.district
    assert routing.sync_current_owners(TODAY) == 0           # nothing has changed yet
    assert routing.sync_current_owners(TOMORROW + timedelta(days=1)) == 2
    assert moved.district == new
    assert ended.district is None                            # the schedule has ended
    assert untouched.district == owner_of_untouched
    assert routing.sync_current_owners(TOMORROW + timedelta(days=1)) == 0   # idempotent


def test_a_ward_without_an_office_routes_to_nobody_and_shows_in_the_unrouted_count(
        db_session, make):
    orphan = make.ward(district=None)
    agent, staff = make.user(), make.district_staff(make.district())
    ticket = _new_ticket(make.customer(ward=orphan))
    no_ward = _new_ticket(make.customer(ward=orphan), ward=None)
    assert ticket.district is None and ticket.ward == orphan
    assert routing.district_for(None, TODAY) is None and no_ward.district is None
    assert routing_services.unroutable_count(agent) == 2
    assert routing_services.unroutable_count(staff) == 0     # district staff never see them


def test_an_unrouted_ticket_transferred_by_hand_lands_in_that_districts_list(db_session, make):
    from crm.core.permissions import tickets_for

    ticket = _new_ticket(make.customer(ward=make.ward(district=None)))
    district, agent = make.district(code="PC05CC"), make.user(full_name="Lê Thu Hà")
    staff = make.district_staff(district)
    assert db_session.scalar(tickets_for(staff).where(Ticket.id == ticket.id)) is None
    services.transfer(ticket, district, actor=agent, reason="Khách ở xã mới sáp nhập")
    db_session.flush()
    assert db_session.scalar(tickets_for(staff).where(Ticket.id == ticket.id)) == ticket
    assert routing_services.unroutable_count(agent) == 0
    history = db_session.scalars(sa.select(AuditEvent).where(AuditEvent.ticket_id == ticket.id)
                                 .order_by(AuditEvent.id)).all()
    assert [e.action for e in history] == ["created", "transferred"]
    assert history[0].changes["district"] == [None, None]
    assert history[1].changes["district"] == [None, "PC05CC"] and history[1].actor_id == agent.id
    assert ticket.status == Status.NEW


def test_the_cached_owners_are_synced_every_hour_by_a_periodic_job(db_session, make, ward):
    from crm.core import schedule
    from crm.routing import jobs, views  # noqa: F401  (registers the job at import)

    entry = next(p for p in schedule.PERIODIC if p.name == "routing-sync-owners")
    assert (entry.path, entry.every) == ("crm.routing.jobs.sync_current_owners", 3600)
    db_session.add(WardAssignment(ward=ward, district=make.district(),
                                  valid_from=TODAY - timedelta(days=1)))
    db_session.flush()
    assert jobs.sync_current_owners() == 1 and jobs.sync_current_owners() == 0
