"""Cuộc gọi tổng đài (hotline calls) from Twilio Voice or the PBX, and their event log.

A call's state is derived from the facts its events taught us (when it entered the menu,
was offered to agents, answered, ended, ...). Each fact keeps its earliest time and is
never cleared, so events applied late, out of order or twice give the same call.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Model, StrEnum, Timestamped, UTCDateTime, enum_column, utcnow
from crm.models.customers import Customer
from crm.models.tickets import Message, Ticket
from crm.models.users import User

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


class CallProvider(StrEnum):
    TWILIO = "twilio"
    PBX = "pbx"


class CallState(StrEnum):
    RINGING = "ringing"        # đang đổ chuông: at the agents' phones (PBX), or just arrived
    IN_IVR = "in_ivr"          # in our voice menu (Twilio)
    QUEUED = "queued"          # asked for an agent, being put through (Twilio)
    ANSWERED = "answered"      # an agent is talking to the caller
    ENDED = "ended"
    MISSED = "missed"          # cuộc gọi nhỡ: offered to agents, nobody answered
    VOICEMAIL = "voicemail"    # left a recorded message instead


class CallOutcome(StrEnum):
    STATUS_LOOKUP = "status_lookup"        # tra cứu YC…
    INCIDENT_NOTICE = "incident_notice"    # nghe thông báo sự cố
    MESSAGE_LEFT = "message_left"          # để lại lời nhắn
    AGENT = "agent"                        # gặp điện thoại viên


class Call(Timestamped, Model):
    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[CallProvider] = enum_column(CallProvider)
    provider_call_id: Mapped[str] = mapped_column(sa.String(64))      #: CallSid, PBX call id
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL"))
    from_number: Mapped[str | None] = mapped_column(sa.String(32))    #: E.164 when valid
    to_number: Mapped[str | None] = mapped_column(sa.String(32))
    state: Mapped[CallState] = enum_column(CallState, default=CallState.RINGING)
    ivr_choices: Mapped[list] = mapped_column(JSON, default=list)     #: ["3:YC2611-000123", "0"]
    extension: Mapped[str | None] = mapped_column(sa.String(32))      #: PBX extension
    agent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ivr_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  #: ringing at agents
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voicemail_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration: Mapped[int | None]                                      #: seconds
    outcome: Mapped[CallOutcome | None] = enum_column(CallOutcome, nullable=True)
    outcome_detail: Mapped[str | None] = mapped_column(sa.String(40))  #: the code looked up
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id", ondelete="SET NULL"))
    #: the call's entry on the customer's timeline and the ticket's thread
    message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("messages.id", ondelete="SET NULL"))

    customer: Mapped[Customer | None] = relationship()
    agent: Mapped[User | None] = relationship()
    ticket: Mapped[Ticket | None] = relationship()
    message: Mapped[Message | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("provider", "provider_call_id", name="uq_calls_provider_call"),
        sa.Index("ix_calls_customer", "customer_id", "id"),
        sa.Index("ix_calls_ticket", "ticket_id"),
        # The screen-pop feed: the few calls ringing or being put through right now.
        sa.Index("ix_calls_live", "state", "offered_at"),
    )

    @property
    def talk_seconds(self) -> int | None:
        """The call's length: as the provider reported it, else from our own clock."""
        if self.duration is not None:
            return self.duration
        if self.ended_at is not None:
            return max(int((self.ended_at - self.started_at).total_seconds()), 0)
        return None


class CallEventLog(Model):
    """Every event received for a call, once: a repeated delivery has the same key."""

    __tablename__ = "call_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    key: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("call_id", "key", name="uq_call_events_call_key"),)
