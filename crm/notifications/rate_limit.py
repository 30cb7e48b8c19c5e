"""Sends per second per channel adapter (`notification_rate_limits`), across dispatchers.

Providers cap how fast they accept messages (a brandname SMS contract, Zalo's OA and ZNS
APIs, an SMTP relay, Telegram's bot limit); the dispatcher keeps each adapter's sends within
its setting, e.g. `{"sms_gateway": 300, "zalo_oa": 100}`; 0 or an adapter left out means no
limit. Windows are fixed seconds of the wall clock. With Redis (REDIS_URL) one counter per
adapter and second is shared by every dispatcher process (`INCRBY` + `EXPIRE`); without
Redis the jobs run in this process and so does the counter.
"""
from __future__ import annotations

import logging
import os
import threading
from datetime import datetime, timezone
from typing import Any, Mapping

from flask import current_app
from flask_babel import gettext as _
from redis.exceptions import RedisError

import channels
from crm.core import settings

log = logging.getLogger(__name__)

SETTING = "notification_rate_limits"
#: The largest limit accepted (sends per second of one adapter).
MAX_PER_SECOND = 100_000
#: Redis key of one adapter's counter in one window (a Unix second).
KEY = "cskh:rate:{adapter}:{window}"
#: A window's counter outlives the window by this much (clocks of workers differ a little).
KEY_TTL_SECONDS = 5


class RateLimitError(ValueError):
    """A limits setting that cannot be stored; the message says why, in Vietnamese."""


def adapter_names() -> list[str]:
    """Adapters that carry notices: the names a limit may be set for."""
    from crm.notifications.choice import NOTICE_CHANNELS

    return sorted({cls.name for channel in NOTICE_CHANNELS
                   for cls in channels.ADAPTERS.get(channel, [])})


def parse(value: Any) -> dict[str, int]:
    """The limits in `value` ({adapter name: sends per second}); raises RateLimitError."""
    if not isinstance(value, Mapping):
        raise RateLimitError(_("Giới hạn tốc độ gửi phải là một bảng: tên kênh gửi → số tin "
                               "mỗi giây."))
    known = adapter_names()
    limits = {}
    for name, limit in value.items():
        if name not in known:
            raise RateLimitError(_("Không có kênh gửi tên %(name)s. Các kênh gửi: %(known)s.",
                                   name=str(name)[:50], known=", ".join(known)))
        limits[name] = _per_second(name, limit)
    return limits


def set_limits(value: Any, *, actor=None) -> dict[str, int]:
    """Validate and store the limits (flushes); raises RateLimitError and stores nothing."""
    limits = parse(value)
    settings.put(SETTING, limits, actor=actor)
    return limits


def limits() -> dict[str, int]:
    """The limits in force. A stored entry that is not valid (written around `set_limits`)
    is logged and its adapter keeps the default, so sending never stops on a typo."""
    stored, defaults = settings.get(SETTING), settings.DEFAULTS[SETTING]
    if not isinstance(stored, Mapping):
        log.error("%s is not a mapping: using the defaults", SETTING)
        return dict(defaults)
    limits = {}
    for name, limit in stored.items():
        try:
            limits[name] = _per_second(name, limit)
        except RateLimitError:
            log.error("%s: %r for %s is not a limit: using the default", SETTING, limit, name)
            limits[name] = defaults.get(name, 0)
    return limits


def _per_second(name: str, limit: Any) -> int:
    if isinstance(limit, str) and limit.strip().isdigit():
        limit = int(limit.strip())
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_PER_SECOND:
        raise RateLimitError(_("Giới hạn của %(name)s phải là một số nguyên từ 0 đến %(max)s "
                               "tin mỗi giây (0: không giới hạn).", name=str(name)[:50],
                               max=f"{MAX_PER_SECOND:,}".replace(",", ".")))
    return limit


def window_of(now: datetime) -> int:
    """The one-second window `now` falls in (a Unix second)."""
    return int(now.timestamp() // 1)


def window_start(window: int) -> datetime:
    return datetime.fromtimestamp(window, timezone.utc)


def take(adapter: str, wanted: int, limit: int, window: int) -> int:
    """How many of `wanted` sends by `adapter` fit in `window` (0 … wanted), counted as used.

    Redis when the app has it (a Redis error falls back to this process's counter, logged).
    """
    if limit <= 0 or wanted <= 0:
        return max(wanted, 0)
    redis = current_app.extensions.get("cskh_redis")
    if redis is not None:
        try:
            return RedisCounter(redis).take(adapter, wanted, limit, window)
        except RedisError:
            log.exception("rate limit counter unavailable in Redis: counting in this process")
    return _local().take(adapter, wanted, limit, window)


class RedisCounter:
    """The window's counter in Redis: shared by every process that uses the same Redis."""

    def __init__(self, redis):
        self.redis = redis

    def take(self, adapter: str, wanted: int, limit: int, window: int) -> int:
        key = KEY.format(adapter=adapter, window=window)
        pipe = self.redis.pipeline(transaction=True)
        pipe.incrby(key, wanted)
        pipe.expire(key, KEY_TTL_SECONDS)
        count, _ = pipe.execute()
        granted = max(0, min(wanted, limit - (count - wanted)))
        if granted < wanted:            # give back what is not sent, for the other processes
            self.redis.decrby(key, wanted - granted)
        return granted


class LocalCounter:
    """The window's counter in this process (no Redis: the only dispatcher is this process)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts: dict[tuple[str, int], int] = {}

    def take(self, adapter: str, wanted: int, limit: int, window: int) -> int:
        with self.lock:
            for key in [key for key in self.counts if key[1] < window]:
                del self.counts[key]
            used = self.counts.get((adapter, window), 0)
            granted = max(0, min(wanted, limit - used))
            self.counts[(adapter, window)] = used + granted
            return granted


_counters: dict[int, LocalCounter] = {}


def _local() -> LocalCounter:
    """One counter per process (a forked worker starts with its own, and its own lock)."""
    return _counters.setdefault(os.getpid(), LocalCounter())


__all__ = ["SETTING", "RateLimitError", "parse", "set_limits", "limits", "take",
           "window_of", "window_start", "RedisCounter", "LocalCounter", "adapter_names"]
