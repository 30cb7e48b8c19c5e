"""Automatic assignment inside a pool: round robin, load, capacity, presence, oldest first."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm.models import (AssignmentMode, AssignmentRule, AuditEvent, Channel, Presence, Role,
                        Status, utcnow)
from crm.routing import services as routing_services
from crm.tickets import assignment, services

AVAILABLE = Presence.AVAILABLE


@pytest.fixture
def office(make):
    """A district office with one ward; its pool assigns by `rule(mode)`."""
    district = make.district(code="PC05AA")
    return {"district": district, "ward": make.ward(district=district)}


def rule(district, mode):
    return routing_services.set_rule(district, mode, actor=None)


def staff(make, office, *presences, capacity=20):
    return [make.district_staff(office["district"], presence=p, capacity=capacity)
            for p in presences]


def waiting(make, office, *, type="outage", age_minutes=0, **kw):
    """An unassigned ticket of the office, created `age_minutes` ago (factory: no auto-assign)."""
    return make.ticket(customer=make.customer(ward=office["ward"]), type=type,
                       created_at=utcnow() - timedelta(minutes=age_minutes), **kw)


def new_ticket(make, office, type="outage"):
    return services.create_ticket(customer=make.customer(ward=office["ward"]), type=type,
                                  channel=Channel.HOTLINE, subject="Mất điện cả xóm")


def test_round_robin_takes_three_available_people_in_turn(db_session, make, office):
    rule(office["district"], AssignmentMode.ROUND_ROBIN)
    people = staff(make, office, AVAILABLE, AVAILABLE, AVAILABLE)
    given = [new_ticket(make, office).assignee for _ in range(6)]
    assert given == people + people


def test_round_robin_skips_away_lunch_offline_and_full_people(db_session, make, office):
    rule(office["district"], AssignmentMode.ROUND_ROBIN)
    ready, away, lunch, offline = staff(make, office, AVAILABLE, Presence.AWAY,
                                        Presence.LUNCH, Presence.OFFLINE)
    full = make.district_staff(office["district"], presence=AVAILABLE, capacity=1)
    waiting(make, office, assignee=full, status=Status.OPEN)
    assert {new_ticket(make, office).assignee for _ in range(3)} == {ready}


def test_round_robin_gives_the_turn_to_whoever_waited_longest(db_session, make, office):
    rule(office["district"], AssignmentMode.ROUND_ROBIN)
    recent, earlier, never = staff(make, office, AVAILABLE, AVAILABLE, AVAILABLE)
    recent.last_assigned_at = utcnow() - timedelta(minutes=1)
    earlier.last_assigned_at = utcnow() - timedelta(hours=1)
    assert [new_ticket(make, office).assignee for _ in range(3)] == [never, earlier, recent]


def test_load_mode_gives_work_to_the_least_loaded_person(db_session, make, office):
    rule(office["district"], AssignmentMode.LOAD)
    busy, light, middle = staff(make, office, AVAILABLE, AVAILABLE, AVAILABLE)
    for person, count in ((busy, 3), (light, 1), (middle, 2)):
        for _ in range(count):
            waiting(make, office, assignee=person, status=Status.OPEN)
    for _ in range(5):                       # finished work is not load
        waiting(make, office, assignee=light, status=Status.CLOSED)
    first, second = new_ticket(make, office), new_ticket(make, office)
    assert first.assignee == light
    # light and middle now hold 2 each: the tie goes to whoever was given work longest ago.
    assert second.assignee == middle


def test_nobody_is_given_more_than_their_capacity(db_session, make, office):
    rule(office["district"], AssignmentMode.LOAD)
    (person,) = staff(make, office, AVAILABLE, capacity=2)
    tickets = [new_ticket(make, office) for _ in range(3)]
    assert [t.assignee for t in tickets] == [person, person, None]


def test_a_pool_without_a_rule_or_with_the_manual_rule_assigns_nothing(db_session, make, office):
    staff(make, office, AVAILABLE)
    assert new_ticket(make, office).assignee is None
    rule(office["district"], AssignmentMode.MANUAL)
    assert new_ticket(make, office).assignee is None
    assert db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "assigned")) is None


def test_the_audit_trail_says_the_system_assigned_the_ticket(db_session, make, office):
    rule(office["district"], AssignmentMode.ROUND_ROBIN)
    (person,) = staff(make, office, AVAILABLE)
    ticket = new_ticket(make, office)
    event = db_session.scalar(sa.select(AuditEvent).where(AuditEvent.ticket_id == ticket.id,
                                                          AuditEvent.action == "assigned"))
    assert event.actor_id is None and event.actor_label == "system"
    assert event.changes["assignee_id"] == [None, person.username]
    assert person.last_assigned_at is not None


def test_freed_capacity_goes_to_the_oldest_waiting_ticket(db_session, make, office):
    (person,) = staff(make, office, AVAILABLE, capacity=1)
    held = waiting(make, office, assignee=person, status=Status.OPEN, age_minutes=90)
    newer = waiting(make, office, age_minutes=10)
    oldest = waiting(make, office, age_minutes=60)
    rule(office["district"], AssignmentMode.ROUND_ROBIN)     # the pool is full: nothing moves
    assert (newer.assignee, oldest.assignee) == (None, None)
    services.change_status(held, Status.RESOLVED, actor=person, result="Đã đóng lại aptomat")
    assert oldest.assignee == person and newer.assignee is None


def test_becoming_available_pulls_the_oldest_waiting_work(db_session, make, office):
    rule(office["district"], AssignmentMode.LOAD)
    (person,) = staff(make, office, Presence.LUNCH, capacity=2)
    third, first, second = (waiting(make, office, age_minutes=m) for m in (5, 30, 20))
    assert assignment.set_presence(person, AVAILABLE) == {"presence": ["lunch", "available"]}
    assert (first.assignee, second.assignee, third.assignee) == (person, person, None)
    event = db_session.scalar(sa.select(AuditEvent).where(AuditEvent.entity == "user"))
    assert event.action == "presence_changed" and event.actor_id == person.id


def test_going_away_keeps_ones_tickets_but_gets_no_new_ones(db_session, make, office):
    rule(office["district"], AssignmentMode.ROUND_ROBIN)
    (person,) = staff(make, office, AVAILABLE)
    mine = new_ticket(make, office)
    assignment.set_presence(person, Presence.AWAY)
    assert mine.assignee == person and new_ticket(make, office).assignee is None


def test_a_deferred_ticket_joins_the_queue_when_it_resumes(db_session, make, office):
    rule(office["district"], AssignmentMode.ROUND_ROBIN)
    (person,) = staff(make, office, AVAILABLE)
    deferred = waiting(make, office, status=Status.DEFERRED)
    assignment.fill(assignment.Pool(office["district"].id))
    assert deferred.assignee is None                       # paused: nobody works it yet
    services.change_status(deferred, Status.OPEN, actor=None)
    assert deferred.assignee == person


def test_switching_a_pool_to_automatic_hands_out_what_waits(db_session, make, office):
    (person,) = staff(make, office, AVAILABLE)
    old = waiting(make, office, age_minutes=30)
    assert old.assignee is None
    rule(office["district"], AssignmentMode.ROUND_ROBIN)
    assert old.assignee == person


def test_inquiries_and_unrouted_tickets_go_to_the_care_centre_agents(db_session, make, office):
    rule(None, AssignmentMode.ROUND_ROBIN)
    rule(office["district"], AssignmentMode.ROUND_ROBIN)
    agent = make.user(role=Role.AGENT, presence=AVAILABLE)
    (district_person,) = staff(make, office, AVAILABLE)
    make.user(role=Role.SUPERVISOR, presence=AVAILABLE)         # never in a pool
    inquiry = new_ticket(make, office, type="inquiry")
    unrouted = services.create_ticket(customer=make.customer(ward=make.ward(district=None)),
                                      type="outage", channel=Channel.ZALO, subject="Mất điện")
    outage = new_ticket(make, office)
    assert (inquiry.assignee, unrouted.assignee, outage.assignee) == (agent, agent,
                                                                      district_person)


def test_a_pool_rule_is_one_row_per_pool(db_session, make, office):
    rule(office["district"], AssignmentMode.LOAD)
    rule(office["district"], AssignmentMode.ROUND_ROBIN)
    rows = db_session.scalars(sa.select(AssignmentRule)).all()
    assert [(r.district_id, r.mode) for r in rows] == [(office["district"].id,
                                                        AssignmentMode.ROUND_ROBIN)]


def _statements_during(session, action) -> int:
    count = [0]

    def before(*_args):
        count[0] += 1
    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        action()
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
    return count[0]


def test_counting_loads_costs_the_same_for_three_people_or_thirty(db_session, make, office):
    rule(office["district"], AssignmentMode.LOAD)
    pool = assignment.Pool(office["district"].id)
    team = staff(make, office, *[AVAILABLE] * 3)
    for person in team:
        waiting(make, office, assignee=person, status=Status.OPEN)
    waiting(make, office)
    db_session.flush()
    small = _statements_during(db_session, lambda: assignment.fill(pool))
    team += staff(make, office, *[AVAILABLE] * 27)
    for person in team[3:]:
        waiting(make, office, assignee=person, status=Status.OPEN)
    waiting(make, office)
    db_session.flush()
    assert _statements_during(db_session, lambda: assignment.fill(pool)) == small
