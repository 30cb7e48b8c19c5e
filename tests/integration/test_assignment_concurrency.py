"""Two workers handing out the same pool's work at once never give one ticket twice (PostgreSQL:
SELECT … FOR UPDATE SKIP LOCKED on the waiting tickets, the pool's members locked first)."""
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.models import (AssignmentMode, AssignmentRule, AuditEvent, Presence, Role, Status,
                        Ticket, User, utcnow)
from crm.tickets import assignment, services
from tests import factories
from tests.conftest import IS_POSTGRES

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="row locks need PostgreSQL")


def _world(session, *, people: int, capacity: int, held: bool, waiting: int) -> dict:
    """Committed: an office in round robin, its staff, their held tickets, waiting tickets."""
    make = factories.Factories(session)
    district = make.district()
    ward = make.ward(district=district)
    session.add(AssignmentRule(district=district, mode=AssignmentMode.ROUND_ROBIN))
    staff = [make.district_staff(district, presence=Presence.AVAILABLE, capacity=capacity)
             for _ in range(people)]
    now = utcnow()

    def ticket(minutes, **kw):
        return make.ticket(customer=make.customer(ward=ward), type="outage",
                           created_at=now - timedelta(minutes=minutes), **kw)
    result = {
        "staff": [u.id for u in staff],
        "held": [ticket(500, assignee=u, status=Status.OPEN).id for u in staff] if held else [],
        "waiting": [ticket(100 - n).id for n in range(waiting)],
        "supervisor": make.user(role=Role.SUPERVISOR).id,
    }
    session.commit()
    return result


def _run_together(app, *jobs, timeout=20):
    """Run each job in its own thread, app context and connection; all start at once."""
    barrier, errors = threading.Barrier(len(jobs)), []

    def worker(job):
        with app.app_context():
            try:
                job(barrier)
                db.session.commit()
            except Exception as exc:          # reported by the test, not lost in a thread
                db.session.rollback()
                errors.append(exc)
    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), "a worker was blocked"
    assert errors == []


def _assigned_events(session, ticket_id):
    return session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.ticket_id == ticket_id, AuditEvent.action == "assigned"))


def test_two_concurrent_freed_capacities_never_assign_the_same_ticket_twice(app, committed_db):
    world = _world(committed_db, people=2, capacity=1, held=True, waiting=4)

    def resolve(ticket_id):
        def job(barrier):
            ticket = db.session.get(Ticket, ticket_id, with_for_update=True)
            barrier.wait()
            services.change_status(ticket, Status.RESOLVED, actor=None, result="Đã khắc phục")
        return job
    _run_together(app, *(resolve(t) for t in world["held"]))

    committed_db.expire_all()
    first, second, third, fourth = (committed_db.get(Ticket, t) for t in world["waiting"])
    assert {first.assignee_id, second.assignee_id} == set(world["staff"])
    assert (third.assignee_id, fourth.assignee_id) == (None, None)
    assert [_assigned_events(committed_db, t) for t in world["waiting"]] == [1, 1, 0, 0]


def test_a_ticket_being_assigned_by_hand_is_skipped_not_waited_for(app, committed_db):
    world = _world(committed_db, people=1, capacity=5, held=False, waiting=2)
    person = world["staff"][0]
    committed_db.get(User, person).presence = Presence.LUNCH
    committed_db.commit()
    oldest, newer = world["waiting"]
    locked, released = threading.Event(), threading.Event()

    def supervisor_takes_the_oldest(barrier):
        ticket = db.session.get(Ticket, oldest, with_for_update=True)
        barrier.wait()
        locked.set()
        if not released.wait(10):
            raise AssertionError("the other worker waited behind this lock")
        services.assign(ticket, db.session.get(User, world["supervisor"]), actor=None)

    def person_back_from_lunch(barrier):
        barrier.wait()
        locked.wait(15)
        me = db.session.get(User, person)
        assignment.set_presence(me, Presence.AVAILABLE)
        db.session.commit()          # done while the oldest is still locked elsewhere
        released.set()
    _run_together(app, supervisor_takes_the_oldest, person_back_from_lunch)

    committed_db.expire_all()
    assert committed_db.get(Ticket, oldest).assignee_id == world["supervisor"]
    assert committed_db.get(Ticket, newer).assignee_id == person
    assert [_assigned_events(committed_db, t) for t in (oldest, newer)] == [1, 1]
