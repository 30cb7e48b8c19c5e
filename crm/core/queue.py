"""The one job interface: RQ when `REDIS_URL` is set, in-process otherwise.

Jobs are plain functions named by their dotted path and given ids, never ORM objects.
`enqueue` defers the hand-off until the current transaction commits, so a worker never
reads a row that is not there yet; a rolled-back transaction enqueues nothing.
"""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable

from flask import Flask, current_app
from sqlalchemy import event

from crm.extensions import db

log = logging.getLogger(__name__)

QUEUES = ("default", "notifications", "imports", "periodic")
_worker_app: Flask | None = None


@dataclass(frozen=True)
class JobCall:
    path: str
    args: tuple
    kwargs: dict
    queue: str = "default"
    job_id: str | None = None
    delay: timedelta | None = None


def dotted(fn: Callable | str) -> str:
    return fn if isinstance(fn, str) else f"{fn.__module__}.{fn.__qualname__}"


def resolve(path: str) -> Callable:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def enqueue(fn: Callable | str, *args: Any, queue: str = "default", job_id: str | None = None,
            delay: timedelta | None = None, **kwargs: Any) -> None:
    """Run `fn(*args, **kwargs)` after the current transaction commits (dropped on rollback)."""
    call = JobCall(dotted(fn), args, kwargs, queue, job_id, delay)
    session = db.session()
    pending = session.info.setdefault("pending_jobs", [])
    pending.append(call)


def dispatch(call: JobCall, app: Flask | None = None) -> None:
    """Hand one call to RQ, or run it now in this process."""
    app = app or current_app._get_current_object()
    redis = app.extensions.get("cskh_redis")
    if redis is None:
        run_inline(app, call)
        return
    from rq import Queue, Retry

    queue = Queue(call.queue, connection=redis)
    options = dict(job_id=call.job_id, retry=Retry(max=3, interval=[10, 60, 300]),
                   result_ttl=3600, failure_ttl=7 * 86400)
    if call.delay:
        queue.enqueue_in(call.delay, run_job, call.path, call.args, call.kwargs, **options)
    else:
        queue.enqueue(run_job, call.path, call.args, call.kwargs, **options)


def run_inline(app: Flask, call: JobCall) -> None:
    """Run a job in this process in its own session; a failure is logged, never raised."""
    with app.app_context():
        try:
            resolve(call.path)(*call.args, **call.kwargs)
            db.session.commit()
        except Exception:  # a failed side job must not fail the request that caused it
            db.session.rollback()
            log.exception("in-process job %s failed", call.path)
        finally:
            db.session.remove()


def worker_app() -> Flask:
    """The app of this worker process, built on first use (never at import)."""
    global _worker_app
    if _worker_app is None:
        from crm import create_app
        _worker_app = create_app({"RUN_PERIODIC_THREAD": False})
    return _worker_app


def run_job(path: str, args: tuple, kwargs: dict) -> Any:
    """Entry point inside an RQ worker: one app per worker process, one transaction per job."""
    with worker_app().app_context():
        try:
            result = resolve(path)(*args, **kwargs)
            db.session.commit()
            return result
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


def _after_commit(session) -> None:
    # SQLAlchemy fires this for a released savepoint too: only the real commit counts.
    if session.in_nested_transaction():
        return
    calls = session.info.pop("pending_jobs", [])
    for call in calls:
        try:
            dispatch(call)
        except Exception:  # Redis down: the database stays the record; sweeps recover
            log.exception("could not hand job %s to the queue", call.path)


def _after_rollback(session) -> None:
    # A savepoint rolled back (a duplicate in ingest) leaves the outer transaction's jobs;
    # a job queued inside it finds nothing to do, as every job checks the database first.
    if session.in_nested_transaction():
        return
    session.info.pop("pending_jobs", None)


def init_app(app: Flask) -> None:
    """Connect to Redis when configured; flush pending jobs after each commit (once per process)."""
    if app.config.get("REDIS_URL"):
        from redis import Redis
        app.extensions["cskh_redis"] = Redis.from_url(app.config["REDIS_URL"])
    from flask_sqlalchemy.session import Session

    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
