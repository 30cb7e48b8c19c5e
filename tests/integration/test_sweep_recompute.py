"""The set-based recompute (PostgreSQL) gives exactly what the Python clock gives, ticket by
ticket: a few hundred random tickets across 2026–2027, Tết, weekends, lunch, exact slot ends,
both clocks, several policies, pauses, make-up days and days off."""
import random
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from crm.models import AreaType, SlaPolicy, Status, Ticket, TicketSla, TicketStatusChange
from tests.conftest import IS_POSTGRES
from workflows.sla import calendar as workcal, clock, recompute, store
from workflows.sla.policies import find_policy

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="the set-based recompute is PostgreSQL's")

TZ = workcal.LOCAL_TZ
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=TZ)
#: Days where peers went wrong: Tết 2026 and 2027, 30/4–1/5, 2/9, the 24/11/2026 holiday,
#: the make-up Saturday 22/08/2026, and the admin's changes below.
SPECIAL = [date(2026, 2, 13), date(2026, 2, 14), date(2026, 2, 16), date(2026, 2, 20),
           date(2026, 2, 23), date(2026, 4, 30), date(2026, 8, 22), date(2026, 8, 31),
           date(2026, 9, 2), date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 24),
           date(2026, 11, 27), date(2026, 12, 31), date(2027, 2, 4), date(2027, 2, 5),
           date(2027, 2, 8), date(2027, 2, 12), date(2027, 12, 31)]
EDGES = [time(0), time(7, 59, 59, 999999), time(8), time(11, 59), time(12), time(12, 30),
         time(13), time(16, 59, 59), time(17), time(23, 59, 59, 999999)]
KINDS = [("new_connection", "low_voltage"), ("new_connection", "medium_voltage"),
         ("new_connection", None), ("contract_change", "renew"), ("meter_inspection", "check"),
         ("outage", None), ("inquiry", None), ("complaint", None), ("special", None)]
FIELDS = ("policy_id", "policy_key", "clock", "budget_seconds", "warn_percent", "due_at",
          "warn_at", "is_paused", "stopped_at", "breached_at", "warned_at")


def _policies(session):
    """Extra policies: exact slot fills, odd minutes, calendar time, effective dates, priorities."""
    def add(**kw):
        kw.setdefault("valid_from", date(2020, 1, 1))
        session.add(SlaPolicy(**kw))
    add(name="Nửa ngày", type="inquiry", priority=1, duration_minutes=240, warn_percent=50,
        valid_from=date(2026, 6, 1), valid_to=date(2026, 12, 31))
    add(name="Lẻ phút", type="complaint", area_type=AreaType.RURAL, priority=5,
        duration_minutes=487, warn_percent=33)
    add(name="Trung áp 24/7", type="new_connection", subtype="medium_voltage", priority=1,
        clock="calendar", duration_minutes=1441, warn_percent=90)
    add(name="Gia hạn – cũ", type="contract_change", subtype="renew", priority=1,
        duration_minutes=960, valid_to=date(2026, 12, 31))
    add(name="Gia hạn – mới", type="contract_change", subtype="renew", priority=1,
        duration_minutes=480, valid_from=date(2027, 1, 1))
    add(name="Trùng ưu tiên, id sau", type="meter_inspection", priority=50,
        duration_minutes=60)
    add(name="Không dùng", type="outage", priority=0, duration_minutes=5, is_active=False)
    session.flush()


def _moment(rng) -> datetime:
    day = rng.choice(SPECIAL) if rng.random() < 0.35 else \
        date(2026, 1, 1) + timedelta(days=rng.randrange(730))
    if rng.random() < 0.4:
        at = rng.choice(EDGES)
    else:
        at = time(rng.randrange(24), rng.randrange(60), rng.randrange(60),
                  rng.choice([0, rng.randrange(1_000_000)]))
    return datetime.combine(day, at, tzinfo=TZ)


def _history(rng, received: datetime) -> list[tuple[Status, datetime]]:
    """Mostly no pause; some closed pauses; some still waiting for the customer."""
    steps, moment = [(Status.NEW, received)], received
    roll = rng.random()
    for _ in range(0 if roll < 0.7 else rng.randint(1, 2)):
        moment += timedelta(minutes=rng.randrange(1, 6000))
        steps.append((rng.choice([Status.PENDING_CUSTOMER, Status.DEFERRED]), moment))
        if rng.random() < 0.75:
            moment += timedelta(minutes=rng.randrange(0, 9000))
            steps.append((Status.OPEN, moment))
    if roll < 0.35:
        steps.append((Status.OPEN, received + timedelta(minutes=rng.randrange(1, 300))))
    return steps


def _tickets(session, make, rng, count):
    district = make.district()
    wards = [make.ward(district=district, area_type=AreaType.URBAN),
             make.ward(district=district, area_type=AreaType.RURAL), None]
    customer = make.customer(ward=wards[0])
    for n in range(count):
        type_, subtype = rng.choice(KINDS)
        received = _moment(rng)
        steps = _history(rng, received)
        ticket = make.ticket(customer=customer, ward=rng.choice(wards), district=district,
                             type=type_, subtype=subtype, status=steps[-1][0])
        ticket.created_at = received
        session.add_all(TicketStatusChange(ticket_id=ticket.id, status=s, at=a) for s, a in steps)
        if n % 23 != 0:                     # a few open tickets have no clock row yet
            session.add(TicketSla(
                ticket_id=ticket.id, started_at=received, due_at=received, warn_at=received,
                policy_id=None, budget_seconds=1, warn_percent=75,
                breached_at=NOW - timedelta(days=1) if n % 3 == 0 else None,
                warned_at=NOW - timedelta(days=2) if n % 2 == 0 else None))
    session.flush()


def _snapshot(session) -> dict[int, tuple | None]:
    clocks = {s.ticket_id: tuple(getattr(s, f) for f in FIELDS)
              for s in session.scalars(sa.select(TicketSla))}
    ids = session.scalars(sa.select(Ticket.id)).all()
    return {i: clocks.get(i) for i in ids}


def _python_answer(session) -> dict:
    """What the ticket-by-ticket Python clock writes, then rolled back."""
    nested = session.begin_nested()
    cal = store.load_calendar()
    with session.no_autoflush:       # each apply only adds or changes its own clock row
        for ticket in session.scalars(sa.select(Ticket).order_by(Ticket.id)).all():
            clock.apply(ticket, calendar=cal, now=NOW)
    session.flush()
    answer = _snapshot(session)
    nested.rollback()
    session.expire_all()
    return answer


@pytest.mark.parametrize("office_hours", [
    [("08:00", "12:00"), ("13:00", "17:00")],
    [("07:30", "11:15:30"), ("13:30", "17:00"), ("18:00", "18:45")],
], ids=["default-hours", "three-uneven-slots"])
def test_the_set_based_recompute_equals_the_python_clock_on_random_tickets(
        db_session, make, office_hours):
    store.set_office_hours(office_hours)
    store.set_day(date(2026, 11, 27), "day_off", "Nghỉ đột xuất")
    store.set_day(date(2026, 11, 21), "working_day", "Làm bù")
    store.set_day(date(2027, 2, 13), "working_day", "Làm bù Tết")
    _policies(db_session)
    _tickets(db_session, make, random.Random(20261125), 300)
    expected = _python_answer(db_session)

    result = recompute.recompute_open(now=NOW, batch_size=37)

    got = _snapshot(db_session)
    wrong = {i: (got[i], expected[i]) for i in expected if got[i] != expected[i]}
    assert wrong == {}
    assert result.total == len(expected) and result.set_based > 120 and result.python > 30
    _check_against_due_times(db_session)
    assert recompute.recompute_open(now=NOW).changed == 0           # nothing left to write


def _check_against_due_times(session):
    """Every clock without a pause, straight from `clock.due_times`, the one formula."""
    cal, checked = store.load_calendar(), 0
    for ticket in session.scalars(sa.select(Ticket).order_by(Ticket.id)).all():
        history = clock.history(ticket.id)
        if clock.pauses_for(history) or ticket.sla is None:
            continue
        area = ticket.ward.area_type if ticket.ward else None
        policy = find_policy(ticket.type, ticket.subtype, area,
                             ticket.created_at.astimezone(TZ).date())
        deadline = clock.due_times(policy.clock, timedelta(minutes=policy.duration_minutes),
                                   policy.warn_percent, ticket.sla.started_at, (), cal)
        assert (ticket.sla.due_at, ticket.sla.warn_at) == (deadline.due_at, deadline.warn_at), \
            (ticket.id, ticket.type, ticket.sla.started_at.astimezone(TZ))
        checked += 1
    assert checked > 120


def test_a_deadline_filling_the_morning_slot_ends_at_noon(db_session, make):
    _policies(db_session)
    ticket = make.ticket(type="inquiry", status=Status.NEW)
    ticket.created_at = datetime(2026, 11, 23, 8, 0, tzinfo=TZ)
    db_session.add(TicketStatusChange(ticket_id=ticket.id, status=Status.NEW,
                                      at=ticket.created_at))
    db_session.add(TicketSla(ticket_id=ticket.id, started_at=ticket.created_at))
    db_session.flush()
    recompute.recompute_open(now=NOW)
    assert ticket.sla.due_at == datetime(2026, 11, 23, 12, 0, tzinfo=TZ)   # 240 min, not 13:00
    assert ticket.sla.warn_at == datetime(2026, 11, 23, 10, 0, tzinfo=TZ)


def test_clock_recompute_open_uses_the_set_based_path_on_postgresql(db_session, make):
    ticket = make.ticket(type="inquiry", status=Status.NEW)
    db_session.add(TicketSla(ticket_id=ticket.id, started_at=ticket.created_at))
    db_session.flush()
    assert clock.recompute_open() == 1
    assert ticket.sla.due_at is not None and ticket.sla.policy_id is not None
