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
worker starts per second.
"""
from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

import channels
from channels.base import ContactRef, NotConfigured, OutboundMessage, SendResult
from crm.core import audit, channel_state, queue, schedule
from crm.extensions import db
from crm.inbox.jobs import _chat_meta, _send_meta
from crm.inbox.mail import reply_context
from crm.inbox.services import REPLY_CONTACT
from crm.models import (Channel, DeliveryStatus, Message, Notification, NotificationStatus,
                        utcnow)
from crm.notifications import choice, consent, outbox

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


def drain_job() -> int:
    """The RQ / in-process job: send what is due, batch after batch, within a time budget."""
    started, total = time.monotonic(), 0
    while True:
        sent = drain()
        total += sent
        if sent == 0:
            return total
        if time.monotonic() - started > JOB_BUDGET_SECONDS:
            queue.enqueue(outbox.DRAIN_JOB, queue="notifications")
            db.session.commit()
            return total


def sweep() -> None:
    """Periodic: a safety net for wake-ups lost to a crash or to Redis being down."""
    drain_job()


schedule.register("notifications-dispatch", "crm.notifications.dispatch.sweep", 30)


def drain(limit: int = BATCH, now: datetime | None = None) -> int:
    """Claim and send one batch; the number of notices handled. Commits."""
    claimed = claim(limit, now)
    if not claimed:
        return 0
    adapters: dict[str, object] = {}
    used: set[str] = set()
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
    send_all(attempts)
    for item in attempts:
        record(item, used)
    for name in used:
        channel_state.record_outbound(name)
    db.session.commit()
    return len(claimed)


def due(now: datetime):
    """Queued and due, or claimed by a dispatcher whose lease ran out (it died)."""
    return sa.or_(sa.and_(N.status == NotificationStatus.QUEUED, N.next_attempt_at <= now),
                  sa.and_(N.status == NotificationStatus.SENDING, N.claimed_until <= now))


def claim(limit: int = BATCH, now: datetime | None = None) -> list[Notification]:
    """Take up to `limit` due notices for this process and give each its message. Commits."""
    now = now or utcnow()
    ids = sa.select(N.id).where(due(now)).order_by(N.next_attempt_at, N.id).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        ids = ids.with_for_update(skip_locked=True)
    claimed = list(db.session.scalars(
        sa.update(N).where(N.id.in_(ids.scalar_subquery()), due(now))
        .values(status=NotificationStatus.SENDING, claimed_until=now + LEASE,
                attempts=N.attempts + 1)
        .returning(N.id).execution_options(synchronize_session=False)))
    if not claimed:
        db.session.commit()
        return []
    rows = _load(claimed)
    outbox.prepare(rows)
    for notification in rows:
        if notification.message_id is None:
            give_up(notification, notification.last_error or "no channel reaches the customer",
                    status=NotificationStatus.SKIPPED if not notification.tried else None)
    db.session.commit()
    # The commit expired them: one query back, not one per notice and attribute.
    return _load(claimed)


def _load(ids: list[int]) -> list[Notification]:
    return list(db.session.scalars(sa.select(N).where(N.id.in_(ids)).order_by(N.id)
                                   .options(selectinload(N.message))
                                   .execution_options(populate_existing=True)))


@dataclass
class Attempt:
    notification: Notification
    adapter: object
    outbound: OutboundMessage
    result: SendResult | None = None


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
        meta={**_chat_meta(message), **_send_meta(adapter, key), **thread}))


def call_provider(item: Attempt) -> Attempt:
    """The provider call alone (no database): safe to run in a sending thread."""
    try:
        item.result = item.adapter.send(item.outbound)
    except Exception as exc:  # an adapter bug must not stop the batch: retried like a 5xx
        log.exception("sending notification %s failed", item.notification.id)
        item.result = SendResult(False, retryable=True, error=f"{type(exc).__name__}: {exc}"[:500])
    return item


def send_all(attempts: list[Attempt]) -> None:
    """Provider calls of adapters that only speak HTTP run side by side (the batch waits on the
    network, not the CPU); the others (SMTP, Zalo's token refresh in the database) one by one."""
    parallel = [a for a in attempts if a.adapter.name in PARALLEL_ADAPTERS]
    serial = [a for a in attempts if a.adapter.name not in PARALLEL_ADAPTERS]
    if len(parallel) > 1:
        list(_pool().map(call_provider, parallel))
    else:
        serial = parallel + serial
    for item in serial:
        call_provider(item)


_pools: dict[int, ThreadPoolExecutor] = {}


def _pool() -> ThreadPoolExecutor:
    """One pool per process (a forked worker must not inherit its parent's dead threads)."""
    pid = os.getpid()
    if pid not in _pools:
        _pools[pid] = ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="notify-send")
    return _pools[pid]


def record(item: Attempt, used: set) -> None:
    """Write the provider's answer onto the message and the notice (no commit)."""
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
    """The current channel failed for good: mark its message, then the next channel or give up."""
    message = notification.message
    if message is not None and message.status != DeliveryStatus.DELIVERED:
        message.status, message.error = DeliveryStatus.FAILED, error[:500]
    tried = list(notification.tried or [])
    if notification.channel and notification.channel not in tried:
        tried.append(notification.channel)
    notification.tried, notification.last_error = tried, error[:500]
    notification.message_id, notification.claimed_until = None, None
    if choice.candidates(notification.customer_id, requested=notification.requested_channel,
                         hint=outbox._hint(notification), tried=tried):
        notification.status, notification.attempts = NotificationStatus.QUEUED, 0
        notification.next_attempt_at = choice.not_before(utcnow(), urgent=notification.urgent)
        outbox.wake()
    else:
        give_up(notification, error)


def give_up(notification: Notification, error: str,
            status: NotificationStatus | None = None) -> None:
    """Nothing left to try: the notice is failed (or skipped), visibly, and audited."""
    notification.status = status or NotificationStatus.FAILED
    notification.last_error, notification.claimed_until = error[:500], None
    audit.record("customer", notification.customer_id, "notice_failed",
                 {"event": [None, notification.event], "key": [None, notification.key],
                  "error": [None, error[:200]]},
                 ticket_id=notification.ticket_id, actor_label="system")


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
