"""Customer notifications: the outbox row written with the change that causes it, and consent.

A `Notification` is written in the same transaction as the ticket step, the restored
incident or the bill that causes it, so a crash can never lose a notice nor send one for a
change that was rolled back. The dispatcher (`crm.notifications.dispatch`) sends it later,
picking the channel then; each attempt is an outbound `Message`.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Model, StrEnum, UTCDateTime, enum_column, utcnow
from crm.models.tickets import JSON, Message


class NotificationStatus(StrEnum):
    QUEUED = "queued"        # waiting for the dispatcher (maybe until quiet hours end)
    SENDING = "sending"      # claimed by a dispatcher; reclaimed when its lease runs out
    SENT = "sent"            # the provider accepted it
    DELIVERED = "delivered"  # the provider says the customer got it
    FAILED = "failed"        # every channel tried failed: shown, never silent
    SKIPPED = "skipped"      # nothing to send on (opted out / no address) at dispatch


class Notification(Model):
    """One notice to one customer, exactly once; `key` makes a repeated notify a no-op."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"))
    event: Mapped[str] = mapped_column(sa.String(40))
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    urgent: Mapped[bool] = mapped_column(default=False)
    #: the channel asked for by the caller (None: the customer's preferred, then fallback)
    requested_channel: Mapped[str | None] = mapped_column(sa.String(16))
    status: Mapped[NotificationStatus] = enum_column(NotificationStatus,
                                                     default=NotificationStatus.QUEUED)
    #: the channel of the current (last) attempt, chosen by the dispatcher
    channel: Mapped[str | None] = mapped_column(sa.String(16))
    #: channels that failed for good, in order: the fallback skips them
    tried: Mapped[list] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: a dispatcher's claim; a worker killed mid-send leaves it to run out, then it is retried
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("messages.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    message: Mapped[Message | None] = relationship()

    __table_args__ = (
        sa.Index("ix_notifications_due", "status", "next_attempt_at"),
        sa.Index("ix_notifications_customer", "customer_id", "id"),
        sa.Index("ix_notifications_message_id", "message_id"),
    )


class ChannelConsent(Model):
    """A customer's opt-out (or opt back in) on one channel: TUCHOI by SMS, a Zalo unfollow."""

    __tablename__ = "channel_consents"

    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    opted_out: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(sa.String(40))   #: "sms_keyword", "zalo_unfollow", "agent"
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationPreference(Model):
    """The channel a customer wants notices on (the fallback order applies after it)."""

    __tablename__ = "notification_preferences"

    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
