"""Which channel a notice goes on, and when: preferred channel, fallback order, quiet hours.

The order is the customer's preferred channel (else the channel their ticket came in on),
then the admin-editable fallback order (`notification_channels`, Zalo → SMS → e-mail by
default), keeping only channels whose adapter is configured on this site, that the customer
has an address on and has not opted out of, and that have not already failed for good for
this notice. A channel without an adapter (the demo, a site without Zalo) is never tried:
trying it would only leave a failed message in the thread.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

import channels
from channels.base import NotConfigured
from crm.core import audit, settings
from crm.core.timefmt import LOCAL_TZ
from crm.extensions import db
from crm.inbox.services import REPLY_CONTACT
from crm.models import ContactPoint, NotificationPreference
from crm.notifications import consent

#: Channels a notice can go on (the hotline, web and counter carry no outbound text).
NOTICE_CHANNELS = tuple(str(ch) for ch in REPLY_CONTACT)


def preferred(customer_id: int) -> str | None:
    row = db.session.get(NotificationPreference, customer_id)
    return row.channel if row is not None else None


def set_preferred(customer_id: int, channel: str | None) -> bool:
    """Store (or clear, with None) the customer's preferred channel; False when nothing
    changed. Flushes, audits."""
    row = db.session.get(NotificationPreference, customer_id)
    old = row.channel if row is not None else None
    channel = str(channel) if channel else None
    if channel == old:
        return False
    if channel is None:
        db.session.delete(row)
    elif row is None:
        db.session.add(NotificationPreference(customer_id=customer_id, channel=channel))
    else:
        row.channel = channel
    db.session.flush()
    audit.record("customer", customer_id, "notice_channel_changed",
                 {"notice_channel": [old, channel]})
    return True


def fallback_order() -> list[str]:
    return [str(ch) for ch in settings.get("notification_channels") if ch in NOTICE_CHANNELS]


def configured_channels() -> frozenset[str]:
    """The notice channels an adapter is configured for (from the app's settings, no I/O)."""
    config = current_app.config.get("CHANNELS") or {}
    found = set()
    for channel in NOTICE_CHANNELS:
        try:
            channels.for_channel(channel, config)
        except NotConfigured:
            continue
        found.add(channel)
    return frozenset(found)


@dataclass
class Facts:
    """What the choice needs about a batch of customers, read in four queries, not per notice."""
    preferred: dict[int, str] = field(default_factory=dict)
    addresses: dict[tuple[int, str], str] = field(default_factory=dict)  #: newest per channel
    refused: set[tuple[int, str]] = field(default_factory=set)
    order: list[str] = field(default_factory=list)
    #: Channels with a configured adapter (None: not checked, every channel counts).
    configured: frozenset[str] | None = None

    @classmethod
    def load(cls, customer_ids) -> "Facts":
        ids = list(set(customer_ids))
        facts = cls(order=fallback_order(), configured=configured_channels())
        if not ids:
            return facts
        facts.preferred = dict(db.session.execute(sa.select(
            NotificationPreference.customer_id, NotificationPreference.channel)
            .where(NotificationPreference.customer_id.in_(ids))).all())
        channel_of = {kind: str(ch) for ch, kind in REPLY_CONTACT.items()}
        for customer_id, kind, value in db.session.execute(
                sa.select(ContactPoint.customer_id, ContactPoint.kind, ContactPoint.value)
                .where(ContactPoint.customer_id.in_(ids)).order_by(ContactPoint.id)):
            if kind in channel_of:
                facts.addresses[(customer_id, channel_of[kind])] = value
        facts.refused = consent.refused(ids)
        return facts

    def candidates(self, customer_id: int, *, requested: str | None = None,
                   hint: str | None = None, tried=()) -> list[str]:
        """The channels to try, best first: requested, preferred (else `hint`), then the order."""
        first = requested or self.preferred.get(customer_id) or hint
        order = ([str(first)] if first else []) + self.order
        return list(dict.fromkeys(
            ch for ch in order if self.usable(customer_id, ch) and ch not in tried))

    def usable(self, customer_id: int, channel: str) -> bool:
        """Configured here, and the customer has an address on it and has not opted out."""
        return (self.configured is None or channel in self.configured) \
            and (customer_id, channel) in self.addresses \
            and (customer_id, channel) not in self.refused


def candidates(customer_id: int, *, requested: str | None = None, hint: str | None = None,
               tried: list[str] | tuple = ()) -> list[str]:
    """The channels to try for one customer, best first (see `Facts.candidates`)."""
    return Facts.load([customer_id]).candidates(customer_id, requested=requested, hint=hint,
                                                tried=tried)


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def quiet_until(now: datetime) -> datetime | None:
    """The end of the quiet hours `now` falls in (UTC), or None outside them."""
    start, end = (_clock(t) for t in settings.get("notification_quiet_hours"))
    if start == end:
        return None
    local = now.astimezone(LOCAL_TZ)
    clock = local.time()
    inside = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not inside:
        return None
    day = local.date() + timedelta(days=1) if start > end and clock >= start else local.date()
    return datetime.combine(day, end, tzinfo=LOCAL_TZ).astimezone(now.tzinfo)


def not_before(when: datetime, *, urgent: bool) -> datetime:
    """`when`, or the end of the quiet hours it falls in for a notice that is not urgent."""
    return when if urgent else (quiet_until(when) or when)
