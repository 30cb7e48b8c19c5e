"""Per-channel consent: a customer who said TUCHOI by SMS or unfollowed the Zalo OA gets no
notices there any more, until they opt back in (DONGY by SMS, following the OA again).

The absence of a row means consent: customers gave their contacts to be told about their
own supply and requests; only an explicit opt-out is stored.
"""
from __future__ import annotations

import sqlalchemy as sa

from crm.core import audit
from crm.core.db import insert_or_nothing
from crm.extensions import db
from crm.models import ChannelConsent, utcnow


def opted_out(customer_id: int) -> set[str]:
    """The channels this customer refuses notices on."""
    return set(db.session.scalars(sa.select(ChannelConsent.channel).where(
        ChannelConsent.customer_id == customer_id, ChannelConsent.opted_out.is_(True))))


def refused(customer_ids) -> set[tuple[int, str]]:
    """(customer, channel) pairs opted out, for many customers in one query."""
    rows = db.session.execute(sa.select(ChannelConsent.customer_id, ChannelConsent.channel)
                              .where(ChannelConsent.customer_id.in_(list(customer_ids)),
                                     ChannelConsent.opted_out.is_(True)))
    return {(customer_id, channel) for customer_id, channel in rows}


def set_opt_out(customer_id: int, channel: str, opted_out: bool, *, source: str) -> bool:
    """Record an opt-out (True) or opt-in (False); False when nothing changed. Flushes, audits."""
    channel = str(channel)
    db.session.execute(insert_or_nothing(
        ChannelConsent, {"customer_id": customer_id, "channel": channel, "opted_out": False,
                         "source": source, "changed_at": utcnow()},
        conflict=["customer_id", "channel"]))
    changed = db.session.execute(
        sa.update(ChannelConsent)
        .where(ChannelConsent.customer_id == customer_id, ChannelConsent.channel == channel,
               ChannelConsent.opted_out.is_not(opted_out))
        .values(opted_out=opted_out, source=source, changed_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount == 1
    if changed:
        audit.record("customer", customer_id, "opted_out" if opted_out else "opted_in",
                     {"channel": [None, channel], "source": [None, source]},
                     actor_label=None if source == "agent" else source)
    return changed


def zalo_follow_step(ctx) -> None:
    """Ingest step: unfollowing the Zalo OA is an opt-out of Zalo notices, following again an
    opt-in (Zalo would refuse OA messages to a non-follower anyway)."""
    inbound = ctx.inbound
    if inbound.channel != "zalo" or inbound.kind != "event" or ctx.duplicate \
            or ctx.customer is None:
        return
    name = (inbound.meta or {}).get("event_name")
    if name in ("follow", "unfollow"):
        set_opt_out(ctx.customer.id, "zalo", name == "unfollow", source=f"zalo_{name}")


def install(steps: list) -> None:
    """Right after the sender is identified (before any ticket decision)."""
    from crm.inbox import ingest

    if zalo_follow_step not in steps:
        steps.insert(steps.index(ingest.identify_contact) + 1, zalo_follow_step)
