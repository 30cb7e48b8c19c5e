"""Periodic jobs: one list, run by RQ's scheduler with Redis or by a background thread without.

Each entry runs its job at most once at a time across all processes: the run takes a
database lease (`periodic_leases`) first, so two schedulers or two web workers never
double-run a sweep.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from crm.core import queue
from crm.extensions import db
from crm.models.base import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    path: str          #: dotted path of the job function (takes no arguments)
    every: int         #: seconds


#: Every periodic job of the application (other modules append theirs at import).
PERIODIC: list[Periodic] = []


def register(name: str, path: str, every: int) -> None:
    if all(p.name != name for p in PERIODIC):
        PERIODIC.append(Periodic(name, path, every))


def take_lease(name: str, seconds: int) -> bool:
    """Claim the named lease for `seconds`; False when another process holds it. Commits."""
    from crm.core.db import insert_or_nothing
    from crm.models.system import PeriodicLease

    now = utcnow()
    db.session.execute(insert_or_nothing(PeriodicLease, {"name": name, "held_until": now},
                                         conflict=["name"]))
    taken = db.session.execute(
        sa.update(PeriodicLease)
        .where(PeriodicLease.name == name, PeriodicLease.held_until <= now)
        .values(held_until=now + timedelta(seconds=seconds))).rowcount
    db.session.commit()
    return taken == 1


def run_periodic(name: str) -> None:
    """Run one periodic job if its lease is free (called by RQ or the thread)."""
    entry = next(p for p in PERIODIC if p.name == name)
    if not take_lease(name, max(entry.every - 1, 1)):
        return
    queue.resolve(entry.path)()


def _alive_key(name: str) -> str:
    return f"cskh:periodic:{name}"


def schedule_rq(redis) -> None:
    """With Redis: start the tick chain of each periodic job that has none alive (idempotent)."""
    from rq import Queue

    for entry in PERIODIC:
        if redis.set(_alive_key(entry.name), 1, nx=True, ex=entry.every * 3):
            Queue("periodic", connection=redis).enqueue_in(
                timedelta(seconds=entry.every), rq_tick, entry.name, result_ttl=0,
                failure_ttl=86400)


def rq_tick(name: str) -> None:
    """RQ job: run one periodic job, then schedule its next tick."""
    from rq import Queue, get_current_job

    queue.worker_app()          # building the app imports the modules that register jobs
    entry = next(p for p in PERIODIC if p.name == name)
    redis = get_current_job().connection
    redis.set(_alive_key(name), 1, ex=entry.every * 3)
    Queue("periodic", connection=redis).enqueue_in(
        timedelta(seconds=entry.every), rq_tick, name, result_ttl=0, failure_ttl=86400)
    queue.run_job(f"{__name__}.run_periodic", (name,), {})


class _Runner(threading.Thread):
    """Without Redis: one daemon thread per process runs the list on its intervals."""

    def __init__(self, app: Flask):
        super().__init__(name="cskh-periodic", daemon=True)
        self.app = app
        self.last: dict[str, float] = {}

    def run(self) -> None:
        while True:
            for entry in list(PERIODIC):
                if time.monotonic() - self.last.get(entry.name, 0) >= entry.every:
                    self.last[entry.name] = time.monotonic()
                    queue.run_inline(self.app, queue.JobCall(f"{__name__}.run_periodic",
                                                             (entry.name,), {}))
            time.sleep(1)


def init_app(app: Flask) -> None:
    """Keep the schedule alive from web requests, so CLI commands never run periodic jobs."""
    state = {"checked": 0.0}

    @app.before_request
    def _keep_schedule():
        if not app.config.get("RUN_PERIODIC_THREAD") or time.monotonic() - state["checked"] < 60:
            return
        first = state["checked"] == 0.0
        state["checked"] = time.monotonic()
        redis = app.extensions.get("cskh_redis")
        if redis is not None:
            try:
                schedule_rq(redis)
            except Exception:
                log.exception("could not schedule periodic jobs in Redis")
        elif first:
            _Runner(app).start()
