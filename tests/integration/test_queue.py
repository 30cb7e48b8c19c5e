"""The job interface: after commit only, in-process without Redis, through RQ with it."""
import pytest
from rq import Queue, SimpleWorker

from crm.core import queue
from crm.models import Customer
from tests.support import jobs


def test_without_redis_a_job_runs_in_process_after_commit(app, db_session, make):
    customer = make.customer()
    queue.enqueue(jobs.set_customer_note, customer.id, "đã gọi lại")
    assert customer.note is None                  # nothing runs before the commit
    db_session.commit()
    db_session.expire_all()
    assert db_session.get(Customer, customer.id).note == "đã gọi lại"


def test_a_rolled_back_transaction_enqueues_nothing(app, db_session, make):
    customer = make.customer()
    db_session.commit()
    queue.enqueue(jobs.set_customer_note, customer.id, "không được chạy")
    db_session.rollback()
    db_session.commit()
    assert db_session.get(Customer, customer.id).note is None


def test_a_released_savepoint_is_not_the_commit_that_releases_jobs(app, db_session, make):
    customer = make.customer()
    db_session.commit()
    queue.enqueue(jobs.set_customer_note, customer.id, "sau khi lưu")
    with db_session.begin_nested():
        make.customer()
    db_session.expire_all()
    assert db_session.get(Customer, customer.id).note is None
    db_session.commit()
    db_session.expire_all()
    assert db_session.get(Customer, customer.id).note == "sau khi lưu"


def test_a_rolled_back_savepoint_keeps_the_outer_transactions_jobs(app, db_session, make):
    customer = make.customer()
    db_session.commit()
    queue.enqueue(jobs.set_customer_note, customer.id, "vẫn chạy")
    savepoint = db_session.begin_nested()
    make.customer()
    savepoint.rollback()
    db_session.commit()
    db_session.expire_all()
    assert db_session.get(Customer, customer.id).note == "vẫn chạy"


def test_a_failing_in_process_job_does_not_fail_the_caller(app, db_session, make):
    make.customer()
    queue.enqueue(jobs.explode)
    db_session.commit()                           # logged, not raised


@pytest.fixture
def with_redis(app, redis_conn, monkeypatch):
    monkeypatch.setitem(app.extensions, "cskh_redis", redis_conn)
    monkeypatch.setattr(queue, "_worker_app", app)
    return redis_conn


def test_with_redis_the_job_reaches_rq_only_after_commit(app, db_session, make, with_redis):
    customer = make.customer()
    queue.enqueue(jobs.set_customer_note, customer.id, "qua RQ", queue="notifications")
    rq_queue = Queue("notifications", connection=with_redis)
    assert rq_queue.count == 0
    db_session.commit()
    assert rq_queue.count == 1
    SimpleWorker([rq_queue], connection=with_redis).work(burst=True)
    db_session.expire_all()
    assert db_session.get(Customer, customer.id).note == "qua RQ"


def test_with_redis_a_rollback_leaves_the_queue_empty(app, db_session, make, with_redis):
    customer = make.customer()
    db_session.commit()
    queue.enqueue(jobs.set_customer_note, customer.id, "không")
    db_session.rollback()
    assert Queue("default", connection=with_redis).count == 0
