"""The dispatcher: claims due notices in batches, sends each once, records what happened.

Exactly once, step by step:

1. `claim` marks a batch SENDING with a lease in one statement (FOR UPDATE SKIP LOCKED on
   PostgreSQL, so parallel dispatchers take different rows) and creates each notice's
   outbound Message, then commits: from here the message id, and so the idempotency key
   `message-<id>` sent to the provider, never changes for that attempt.
2. Each notice is sent through its channel's adapter; the results are committed per batch.
3. A worker killed between 1 and 3 leaves rows SENDING; when the lease runs out they are
   claimed again and re-sent with the same key, which the provider answers with its first
   result (the SMS gateway's `client_ref`, Twilio's StatusCallback reference, ...). A job run
   twice (RQ redelivery) finds nothing due the second time.

One RQ job drains many batches: a job per notice would cap the rate at what a forking RQ
worker starts per second. Inside the job the batches overlap: while one batch's provider
calls are in flight on the sending threads, the next batch is claimed (its own commit, step
1), and only then are the first batch's results recorded (step 2). Every batch still commits
its claim before any of its sends and its results after all of them.

Each adapter may have a rate limit (`notification_rate_limits`, sends per second, see
`crm.notifications.rate_limit`): a notice over its adapter's budget goes back to the queue,
due when the next one-second window opens, without counting as an attempt.
"""
from __future__ import annotations

import json
import logging
import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import joinedload

import channels
from channels.base import ContactRef, NotConfigured, OutboundMessage, SendResult
from crm.core import channel_state, queue, schedule
from crm.extensions import db
from crm.inbox.jobs import _chat_meta, _send_meta
from crm.inbox.mail import reply_context
from crm.inbox.services import REPLY_CONTACT
from crm.models import (Channel, Customer, DeliveryStatus, Message, Notification,
                        NotificationStatus, utcnow)
from crm.notifications import choice, consent, outbox, rate_limit

log = logging.getLogger(__name__)

BATCH = 200
#: How long a claim holds: longer than a batch takes, short enough to retry soon after a crash.
LEASE = timedelta(minutes=2)
#: Retryable failures on one channel before it counts as failed for good (then: fallback).
MAX_ATTEMPTS = 6
BACKOFF_BASE, BACKOFF_CAP = timedelta(minutes=1), timedelta(hours=2)
#: One drain job stops after this long and leaves the rest to a new job (fair to other queues).
JOB_BUDGET_SECONDS = 50
#: Adapters whose send is one stateless HTTP request: called from SEND_THREADS threads at once.
PARALLEL_ADAPTERS = frozenset({"sms_gateway", "twilio_sms"})
SEND_THREADS = 16

N = Notification


def drain_job(batch: int = BATCH, budget: float = JOB_BUDGET_SECONDS) -> int:
    """The RQ / in-process job: send what is due, batch after batch, within a time budget.

    The batches overlap (module docstring). When a rate limit held notices back, an RQ
    worker waits for the next window and goes on; in-process (no Redis: the job runs after
    a request's commit) the job stops there and the periodic sweep sends the rest. A job
    that fails leaves its batches SENDING: their leases run out and they are sent again
    with the same keys, as after a crash.
    """
    started, total = time.monotonic(), 0
    inflight: Batch | None = None
    while True:
        claimed = claim(batch)
        total += len(claimed)
        current = start(claimed) if claimed else None
        previous, inflight = inflight, current
        if previous is not None:
            finish(previous)
        if current is None:
            return total
        over_budget = time.monotonic() - started > budget
        if not (current.held_back or over_budget):
            continue
        inflight = None
        finish(current)
        if over_budget:
            queue.enqueue(outbox.DRAIN_JOB, queue="notifications")
            db.session.commit()
            return total
        if current_app.extensions.get("cskh_redis") is None:
            return total
        _sleep_until(current.next_window)


def sweep() -> None:
    """Periodic: a safety net for wake-ups lost to a crash or to Redis being down."""
    drain_job()


schedule.register("notifications-dispatch", "crm.notifications.dispatch.sweep", 30)


def drain(limit: int = BATCH, now: datetime | None = None) -> int:
    """Claim and send one batch; the number of notices handled. Commits."""
    claimed = claim(limit, now)
    if not claimed:
        return 0
    finish(start(claimed, now))
    return len(claimed)


def due(now: datetime):
    """Queued and due, or claimed by a dispatcher whose lease ran out (it died)."""
    return sa.or_(sa.and_(N.status == NotificationStatus.QUEUED, N.next_attempt_at <= now),
                  sa.and_(N.status == NotificationStatus.SENDING, N.claimed_until <= now))


def claim(limit: int = BATCH, now: datetime | None = None) -> list[Notification]:
    """Take up to `limit` due notices for this process and give each its message. Commits.

    Rows whose dispatcher died come first, then queued ones by due time. Each part is its own
    statement walking `ix_notifications_due` in order, so the LIMIT ends the walk: one
    condition OR-ing both made PostgreSQL fetch and sort every due row for each batch (a
    30 ms sort per batch with 40,000 due, growing with the backlog).
    """
    now = now or utcnow()
    claimed = _take(sa.and_(N.status == NotificationStatus.SENDING, N.claimed_until <= now),
                    N.claimed_until, limit, now)
    if len(claimed) < limit:
        claimed += _take(sa.and_(N.status == NotificationStatus.QUEUED,
                                 N.next_attempt_at <= now),
                         N.next_attempt_at, limit - len(claimed), now)
    if not claimed:
        db.session.commit()
        return []
    rows = _load(claimed)
    outbox.prepare(rows)
    for notification in rows:
        if notification.message_id is None and notification.status == NotificationStatus.SENDING:
            give_up(notification, notification.last_error or "no channel reaches the customer",
                    status=NotificationStatus.SKIPPED if not notification.tried else None)
    _commit_keeping_state()
    return rows


def _take(condition, order, limit: int, now: datetime) -> list[int]:
    """Mark up to `limit` rows matching `condition` SENDING with a lease (walked in `order`;
    FOR UPDATE SKIP LOCKED on PostgreSQL, so parallel dispatchers take different rows)."""
    ids = sa.select(N.id).where(condition).order_by(order).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        ids = ids.with_for_update(skip_locked=True)
    return list(db.session.scalars(
        sa.update(N).where(N.id.in_(ids.scalar_subquery()), condition)
        .values(status=NotificationStatus.SENDING, claimed_until=now + LEASE,
                attempts=N.attempts + 1)
        .returning(N.id).execution_options(synchronize_session=False)))


def _commit_keeping_state() -> None:
    """Commit without expiring what the session holds: the claimed rows are this process's
    until their lease ends and were just flushed, so memory is what was committed, and
    reading them back would cost a query per batch (per notice and attribute, lazily)."""
    session = db.session()
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


def _load(ids: list[int]) -> list[Notification]:
    return list(db.session.scalars(sa.select(N).where(_among(N.id, ids)).order_by(N.id)
                                   .options(joinedload(N.message))
                                   .execution_options(populate_existing=True)))


def _among(column, ids: list[int]):
    """`column IN ids`; on PostgreSQL `= ANY(array)`: one statement text whatever the count,
    so the driver and the server parse and plan it once, not per batch."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.cast(sa.bindparam("ids", list(ids), type_=ARRAY(sa.Integer)),
                                         ARRAY(sa.Integer)))
    return column.in_(ids)


@dataclass
class Attempt:
    notification: Notification
    adapter: object
    outbound: OutboundMessage
    result: SendResult | None = None
    #: Read before any later commit expires the objects: recording a success needs no ORM.
    notification_id: int = 0
    message_id: int = 0
    message_meta: dict = field(default_factory=dict)


@dataclass
class Batch:
    """One claimed batch between its claim's commit and its results' commit."""
    attempts: list[Attempt]
    futures: list[Future]
    serial: list[Attempt]
    #: notices a rate limit sent back to the queue, and when their window opens
    held_back: int = 0
    next_window: datetime | None = None


def start(claimed: list[Notification], now: datetime | None = None) -> Batch:
    """Check consent, apply the rate limits and hand the HTTP-only sends to the sending
    threads; the others wait for `finish`, in this thread. No commit."""
    now = now or utcnow()
    adapters: dict[str, object] = {}
    refused = consent.refused({n.customer_id for n in claimed})
    attempts = []
    for notification in claimed:
        if notification.status != NotificationStatus.SENDING:
            continue
        if (notification.customer_id, notification.channel) in refused:
            fail_channel(notification, "opted out")     # since the notice was written
            continue
        item = attempt(notification, adapters)
        if item is not None:
            attempts.append(item)
    attempts, held, window = _within_limits(attempts, now)
    parallel = [a for a in attempts if a.adapter.name in PARALLEL_ADAPTERS]
    serial = [a for a in attempts if a.adapter.name not in PARALLEL_ADAPTERS]
    futures = []
    if len(parallel) > 1:
        pool = _pool()
        futures = [pool.submit(call_provider, item) for item in parallel]
    else:
        serial = parallel + serial
    return Batch(attempts, futures, serial, len(held), window)


def finish(batch: Batch) -> None:
    """Make the batch's remaining provider calls, wait for all, record the results. Commits."""
    for item in batch.serial:
        call_provider(item)
    for future in batch.futures:
        future.result()                 # call_provider never raises
    used = record_all(batch.attempts)
    for name in sorted(used):
        channel_state.record_outbound(name)
    db.session.commit()


def attempt(notification: Notification, adapters: dict) -> Attempt | None:
    """What to hand to the provider for this notice (None: its channel is not configured)."""
    message = notification.message
    channel = str(message.channel)
    try:
        adapter = adapters.get(channel) or channels.for_channel(
            channel, current_app.config["CHANNELS"])
    except NotConfigured:
        fail_channel(notification, "channel not configured")
        return None
    adapters[channel] = adapter
    key = f"message-{message.id}"
    thread = reply_context(message) if message.channel == Channel.EMAIL else {}
    return Attempt(notification, adapter, OutboundMessage(
        to=ContactRef(str(REPLY_CONTACT[message.channel]), message.address or ""),
        text=message.body, subject=message.subject, idempotency_key=key,
        in_reply_to=thread.pop("in_reply_to", None),
        meta={**_chat_meta(message), **_send_meta(adapter, key), **thread}),
        notification_id=notification.id, message_id=message.id,
        message_meta=dict(message.meta or {}))


def _within_limits(attempts: list[Attempt], now: datetime
                   ) -> tuple[list[Attempt], list[Attempt], datetime | None]:
    """(to send now, held back, when the next window opens): each adapter's sends this
    second stay within its rate limit; the notices held back are queued for that window."""
    limits = rate_limit.limits()
    by_adapter: dict[str, list[Attempt]] = {}
    for item in attempts:
        by_adapter.setdefault(item.adapter.name, []).append(item)
    keep, held = [], []
    window = rate_limit.window_of(now)
    for name, items in by_adapter.items():
        granted = rate_limit.take(name, len(items), limits.get(name, 0), window)
        keep += items[:granted]
        held += items[granted:]
    if not held:
        return keep, [], None
    opens = rate_limit.window_start(window + 1)
    hold_back([item.notification_id for item in held if not item.notification.urgent], opens,
              urgent=False)
    hold_back([item.notification_id for item in held if item.notification.urgent], opens,
              urgent=True)
    return keep, held, opens


def hold_back(ids: list[int], until: datetime, *, urgent: bool) -> None:
    """Over the rate limit: queued again for `until` (or the end of quiet hours), with the same
    message, and the claim not counted as an attempt. One statement (no flush)."""
    if ids:
        db.session.execute(
            sa.update(N).where(_among(N.id, ids))
            .values(status=NotificationStatus.QUEUED, claimed_until=None,
                    attempts=N.attempts - 1,
                    next_attempt_at=choice.not_before(until, urgent=urgent))
            .execution_options(synchronize_session=False))


def _sleep_until(when: datetime | None) -> None:
    if when is not None:
        time.sleep(min(max((when - utcnow()).total_seconds(), 0.0), 1.0))


def call_provider(item: Attempt) -> Attempt:
    """The provider call alone (no database): safe to run in a sending thread."""
    try:
        item.result = item.adapter.send(item.outbound)
    except Exception as exc:  # an adapter bug must not stop the batch: retried like a 5xx
        log.exception("sending notification %s failed", item.notification_id)
        item.result = SendResult(False, retryable=True, error=f"{type(exc).__name__}: {exc}"[:500])
    return item


_pools: dict[int, ThreadPoolExecutor] = {}


def _pool() -> ThreadPoolExecutor:
    """One pool per process (a forked worker must not inherit its parent's dead threads)."""
    pid = os.getpid()
    if pid not in _pools:
        _pools[pid] = ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="notify-send")
    return _pools[pid]


def record_all(attempts: list[Attempt]) -> set[str]:
    """Write every provider answer of a batch (no commit); the adapters that sent something.

    Successes, nearly all of a batch, are two statements whatever the batch size: one UPDATE
    of the messages and one of the notices. Failures take the per-notice path (retry later,
    or the next channel)."""
    sent = [item for item in attempts if item.result.ok]
    for item in attempts:
        if not item.result.ok:
            record(item, set())
    if not sent:
        return set()
    db.session.flush()                  # earlier changes first: these statements bypass the ORM
    now = utcnow()
    _update_messages(sent, now)
    db.session.execute(
        sa.update(N).where(_among(N.id, [item.notification_id for item in sent]))
        .values(status=NotificationStatus.SENT, sent_at=now, claimed_until=None,
                last_error=None)
        .execution_options(synchronize_session=False))
    return {item.adapter.name for item in sent}


def _update_messages(sent: list[Attempt], now: datetime) -> None:
    """Mark the messages of `sent` SENT with their provider ids: one statement on PostgreSQL
    (the answers passed as arrays, so its text never changes), one executemany elsewhere."""
    ids = [item.message_id for item in sent]
    external = [item.result.external_id for item in sent]
    metas = [{**item.message_meta, "adapter": item.adapter.name} for item in sent]
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(_UPDATE_SENT_PG, {
            "status": DeliveryStatus.SENT.value, "sent_at": now, "ids": ids,
            "external": external, "metas": [json.dumps(meta) for meta in metas]})
        return
    table = Message.__table__
    db.session.execute(
        sa.update(table).where(table.c.id == sa.bindparam("message_id"))
        .values(provider_message_id=sa.bindparam("external_id"), meta=sa.bindparam("new_meta"),
                status=DeliveryStatus.SENT, sent_at=now),
        [{"message_id": i, "external_id": e, "new_meta": m} for i, e, m in zip(ids, external,
                                                                            metas)])


_UPDATE_SENT_PG = sa.text(
    "UPDATE messages SET status = :status, sent_at = :sent_at,"
    " provider_message_id = answer.external, meta = CAST(answer.meta AS jsonb)"
    " FROM unnest(CAST(:ids AS integer[]), CAST(:external AS varchar[]), CAST(:metas AS text[]))"
    " AS answer (id, external, meta) WHERE messages.id = answer.id")


def record(item: Attempt, used: set) -> None:
    """Write one provider answer onto the message and the notice (no commit)."""
    notification, adapter, result = item.notification, item.adapter, item.result
    message = notification.message
    message.meta = {**(message.meta or {}), "adapter": adapter.name}
    if result.ok:
        now = utcnow()
        message.status, message.sent_at = DeliveryStatus.SENT, now
        message.provider_message_id = result.external_id
        notification.status, notification.sent_at = NotificationStatus.SENT, now
        notification.claimed_until, notification.last_error = None, None
        used.add(adapter.name)
    elif result.retryable and notification.attempts < MAX_ATTEMPTS:
        channel_state.record_error(adapter.name, result.error)
        retry_later(notification, result.error or "retryable error")
    else:
        channel_state.record_error(adapter.name, result.error)
        fail_channel(notification, result.error or "failed")


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes, at most two hours."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def retry_later(notification: Notification, error: str) -> None:
    """Same channel, same message (so the same idempotency key), after a growing pause."""
    notification.status = NotificationStatus.QUEUED
    notification.claimed_until = None
    notification.last_error = error[:500]
    notification.next_attempt_at = choice.not_before(
        utcnow() + backoff(notification.attempts), urgent=notification.urgent)


def fail_channel(notification: Notification, error: str) -> None:
    """The current channel failed for good: mark its message, then the next attempt.

    A Zalo message refused because the customer does not follow the OA or the 7-day window
    is over goes again as a ZNS template to their phone when one is configured for notices
    (`crm.zalo.zns.notice_fallback`); after that, or else, the next channel, or give up.
    """
    message = notification.message
    if message is not None and message.status != DeliveryStatus.DELIVERED:
        message.status, message.error = DeliveryStatus.FAILED, error[:500]
    tried = list(notification.tried or [])
    if notification.channel and notification.channel not in tried:
        tried.append(notification.channel)
    notification.tried, notification.last_error = tried, error[:500]
    notification.message_id, notification.claimed_until = None, None
    if message is not None and _zns_next(notification, message):
        return
    if choice.candidates(notification.customer_id, requested=notification.requested_channel,
                         hint=outbox._hint(notification), tried=tried):
        notification.status, notification.attempts = NotificationStatus.QUEUED, 0
        notification.next_attempt_at = choice.not_before(utcnow(), urgent=notification.urgent)
        outbox.wake()
    else:
        give_up(notification, error)


def _zns_next(notification: Notification, refused: Message) -> bool:
    """Make the ZNS template the notice's next attempt, if ZNS can carry it. Flushes."""
    from crm.zalo import zns     # the Zalo package imports the inbox, which imports this one

    customer = db.session.get(Customer, notification.customer_id)
    fallback = zns.notice_fallback(refused, customer) if customer is not None else None
    if fallback is None:
        return False
    notification.message_id, notification.message = fallback.id, fallback
    notification.channel = str(Channel.ZALO)
    notification.status, notification.attempts = NotificationStatus.QUEUED, 0
    notification.next_attempt_at = choice.not_before(utcnow(), urgent=notification.urgent)
    outbox.wake()
    return True


give_up = outbox.give_up


def on_receipt(message: Message) -> None:
    """A delivery receipt moved `message`: carry it to its notice (failed: next channel)."""
    notification = db.session.scalar(sa.select(N).where(N.message_id == message.id)
                                     .with_for_update())
    if notification is None:
        return
    if message.status == DeliveryStatus.DELIVERED:
        notification.status = NotificationStatus.DELIVERED
        notification.delivered_at = utcnow()
    elif message.status == DeliveryStatus.FAILED and \
            notification.status in (NotificationStatus.SENT, NotificationStatus.SENDING):
        fail_channel(notification, message.error or "failed")
    db.session.flush()
