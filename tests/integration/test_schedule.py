"""Periodic jobs: one list, one run at a time across processes (a database lease)."""
from datetime import timedelta

import pytest
from rq import Queue
from rq.registry import ScheduledJobRegistry

from crm.core import schedule
from crm.models import PeriodicLease, utcnow
from tests.support import jobs


@pytest.fixture
def tick(monkeypatch):
    monkeypatch.setattr(schedule, "PERIODIC", [])
    schedule.register("test-tick", "tests.support.jobs.count_run", every=60)
    jobs.RUNS.clear()
    return schedule.PERIODIC[0]


def test_a_lease_is_taken_once_until_it_expires(db_session):
    assert schedule.take_lease("sweep", 60) is True
    assert schedule.take_lease("sweep", 60) is False
    lease = db_session.get(PeriodicLease, "sweep")
    lease.held_until = utcnow() - timedelta(seconds=1)
    db_session.flush()
    assert schedule.take_lease("sweep", 60) is True


def test_a_periodic_job_runs_once_per_interval(db_session, tick, monkeypatch):
    monkeypatch.setattr(jobs, "count_run", lambda: jobs.RUNS.append("ran"))
    schedule.run_periodic("test-tick")
    schedule.run_periodic("test-tick")            # a second scheduler in the same minute
    assert jobs.RUNS == ["ran"]


def test_registering_twice_keeps_one_entry(tick):
    schedule.register("test-tick", "tests.support.jobs.count_run", every=60)
    assert [p.name for p in schedule.PERIODIC] == ["test-tick"]


def test_with_redis_each_periodic_job_is_scheduled_once(tick, redis_conn):
    schedule.schedule_rq(redis_conn)
    schedule.schedule_rq(redis_conn)              # another web worker starting up
    registry = ScheduledJobRegistry(queue=Queue("periodic", connection=redis_conn))
    assert registry.count == 1


def test_an_rq_tick_runs_the_job_and_schedules_the_next(app, db_session, tick, redis_conn,
                                                         monkeypatch):
    from rq import SimpleWorker

    from crm.core import queue
    monkeypatch.setattr(queue, "_worker_app", app)
    monkeypatch.setattr(jobs, "count_run", lambda: jobs.RUNS.append("tick"))
    rq_queue = Queue("periodic", connection=redis_conn)
    rq_queue.enqueue(schedule.rq_tick, "test-tick")
    SimpleWorker([rq_queue], connection=redis_conn).work(burst=True)
    assert jobs.RUNS == ["tick"]
    assert ScheduledJobRegistry(queue=rq_queue).count == 1
