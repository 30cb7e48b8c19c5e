"""Exactly once against real Redis and real worker processes: a worker killed (SIGKILL) in the
middle of a send, then its job delivered again, and two workers draining side by side.

The provider is a local SMS gateway (`tests.support.fake_gateway`) that counts every request
and honours the idempotency key (`client_ref`) as the real one does.
"""
from __future__ import annotations

import os
import signal
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from rq import Queue, SimpleWorker
from rq.job import Job

from crm.core import queue
from crm.extensions import db
from crm.models import DeliveryStatus, Message, Notification, NotificationStatus, utcnow
from crm.notifications import dispatch, outbox
from tests import factories
from tests.support.fake_gateway import FakeGateway


@pytest.fixture
def gateway(app, monkeypatch):
    with FakeGateway() as fake:
        monkeypatch.setitem(app.config, "CHANNELS", fake.settings())
        yield fake


@pytest.fixture
def rq_redis(app, redis_conn, monkeypatch):
    """The app hands jobs to RQ on real Redis; RQ workers run this app."""
    monkeypatch.setitem(app.extensions, "cskh_redis", redis_conn)
    monkeypatch.setattr(queue, "_worker_app", app)
    return redis_conn


def write_notices(session, n: int) -> list[str]:
    """n customers (SMS only), one notice each, committed: the drain job goes to RQ."""
    make = factories.Factories(session)
    phones = [f"+849051{i:05d}" for i in range(n)]
    for i, phone in enumerate(phones):
        customer = make.customer(phone=phone)
        outbox.notify(customer, "bill", {"text": f"Tien dien thang 11 so {i}"}, key=f"bill:{i}",
                      urgent=True)
    session.commit()
    session.remove()
    return phones


def in_child(work) -> int:
    """Fork a worker process running `work()`; its pid. The child never returns."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            db.engine.dispose(close=False)      # never share the parent's connections
            work()
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    return pid


def rq_worker(redis):
    return SimpleWorker([Queue("notifications", connection=redis)], connection=redis)


def test_a_worker_killed_mid_send_and_its_job_redelivered_still_send_each_notice_once(
        app, committed_db, rq_redis, gateway):
    phones = write_notices(committed_db, 5)
    notifications = Queue("notifications", connection=rq_redis)
    [job_id] = notifications.job_ids
    gateway.hang_for = {phones[0].lstrip("+")}    # taken by the provider, then no answer

    pid = in_child(lambda: rq_worker(rq_redis).work(burst=True))
    assert gateway.hung.wait(30), "the worker never reached the provider"
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)

    rows = committed_db.scalars(sa.select(Notification).order_by(Notification.id)).all()
    assert {n.status for n in rows} == {NotificationStatus.SENDING}   # claimed, outcome unknown
    keys = {n.id: f"message-{n.message_id}" for n in rows}
    # The dead worker's lease runs out (two minutes in production) ...
    committed_db.execute(sa.update(Notification).values(claimed_until=utcnow()
                                                         - timedelta(seconds=1)))
    committed_db.commit()
    # ... and its job is delivered again, twice.
    notifications.enqueue_job(Job.fetch(job_id, connection=rq_redis))
    notifications.enqueue_job(Job.fetch(job_id, connection=rq_redis))
    rq_worker(rq_redis).work(burst=True)

    committed_db.expire_all()
    rows = committed_db.scalars(sa.select(Notification).order_by(Notification.id)).all()
    assert {n.status for n in rows} == {NotificationStatus.SENT}
    assert {n.id: f"message-{n.message_id}" for n in rows} == keys   # same message, same key
    assert committed_db.scalar(sa.select(sa.func.count()).select_from(Message)) == 5
    assert {m.status for m in committed_db.scalars(sa.select(Message))} == {DeliveryStatus.SENT}
    # The batch's outcomes died with the worker, so the provider was asked again, with the
    # same keys (the one in flight for sure), and delivered each notice exactly once.
    asked = Counter(p["client_ref"] for p in gateway.posts)
    assert set(asked) == set(keys.values()) and set(asked.values()) <= {1, 2}
    assert asked[keys[rows[0].id]] == 2
    assert sorted(p["to"] for p in gateway.delivered.values()) == sorted(
        p.lstrip("+") for p in phones)


def test_two_workers_draining_together_send_each_notice_once(
        app, committed_db, rq_redis, gateway, monkeypatch):
    monkeypatch.setattr(dispatch, "BATCH", 4)        # many small claims, so they interleave
    phones = write_notices(committed_db, 40)
    Queue("notifications", connection=rq_redis).enqueue(
        queue.run_job, outbox.DRAIN_JOB, (), {})     # a second drain job: two workers busy
    pids = [in_child(lambda: rq_worker(rq_redis).work(burst=True)) for _ in range(2)]
    for pid in pids:
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    committed_db.expire_all()
    statuses = committed_db.scalars(sa.select(Notification.status)).all()
    assert Counter(statuses) == {NotificationStatus.SENT: 40}
    asked = Counter(p["client_ref"] for p in gateway.posts)
    assert len(asked) == 40 and set(asked.values()) == {1}
    assert sorted(p["to"] for p in gateway.delivered.values()) == sorted(
        p.lstrip("+") for p in phones)


def test_without_redis_a_lost_wake_up_is_sent_by_the_sweep(app, committed_db, gateway,
                                                          monkeypatch):
    """Redis down at commit: the job never reached a queue; the periodic sweep sends it."""
    monkeypatch.setattr(queue, "dispatch", _redis_down)
    write_notices(committed_db, 3)
    assert gateway.posts == []
    with app.app_context():
        dispatch.sweep()
    committed_db.expire_all()
    assert Counter(committed_db.scalars(sa.select(Notification.status))) == {
        NotificationStatus.SENT: 3}
    assert len(gateway.delivered) == 3 and len(gateway.posts) == 3


def _redis_down(call, app=None):
    raise ConnectionError("Redis is down")
