"""Phiếu yêu cầu (tickets): the unit of work a district office owns until the result."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Model, StrEnum, Timestamped, UTCDateTime, enum_column, utcnow
from crm.models.customers import Customer
from crm.models.org import District, Ward
from crm.models.users import User

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


class Status(StrEnum):
    NEW = "new"                            # mới tiếp nhận
    OPEN = "open"                          # đang xử lý
    PENDING_CUSTOMER = "pending_customer"  # chờ khách hàng (SLA paused)
    DEFERRED = "deferred"                  # tạm hoãn (SLA paused)
    RESOLVED = "resolved"                  # đã giải quyết
    CLOSED = "closed"


OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING_CUSTOMER, Status.DEFERRED)


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Channel(StrEnum):
    HOTLINE = "hotline"     # 1900 calls (Twilio Voice or the PBX)
    SMS = "sms"
    EMAIL = "email"
    ZALO = "zalo"
    TELEGRAM = "telegram"
    WEB = "web"             # web form / portal
    COUNTER = "counter"     # tại quầy giao dịch (walk-in)
    SYSTEM = "system"       # created by the back office (e.g. consumption check)


class Ticket(Timestamped, Model):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)   #: YC2611-000123
    type: Mapped[str] = mapped_column(sa.String(32))                #: a workflow name
    subtype: Mapped[str | None] = mapped_column(sa.String(32))
    status: Mapped[Status] = enum_column(Status, default=Status.NEW)
    step: Mapped[str | None] = mapped_column(sa.String(32))
    priority: Mapped[Priority] = enum_column(Priority, default=Priority.NORMAL)
    channel: Mapped[Channel] = enum_column(Channel)
    subject: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str | None] = mapped_column(sa.Text)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("districts.id"))
    ward_id: Mapped[int | None] = mapped_column(sa.ForeignKey("wards.id"))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    details: Mapped[dict] = mapped_column(JSON, default=dict)       #: workflow fields
    result: Mapped[str | None] = mapped_column(sa.Text)              #: kết quả on close
    incident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incidents.id"), index=True)
    suspension_id: Mapped[int | None] = mapped_column(sa.ForeignKey("suspensions.id"), index=True)
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"))
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship()
    district: Mapped[District | None] = relationship()
    ward: Mapped[Ward | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    sla: Mapped["TicketSla | None"] = relationship(back_populates="ticket", uselist=False)
    merged_into: Mapped["Ticket | None"] = relationship(remote_side=[id])

    __table_args__ = (
        # The inbox lists: newest activity first, keyset on (updated_at, id).
        sa.Index("ix_tickets_activity", "updated_at", "id"),
        sa.Index("ix_tickets_district_activity", "district_id", "updated_at", "id"),
        sa.Index("ix_tickets_assignee_activity", "assignee_id", "updated_at", "id"),
        sa.Index("ix_tickets_status_activity", "status", "updated_at", "id"),
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __str__(self) -> str:
        return self.code


class SlaClock(StrEnum):
    BUSINESS = "business"    # office hours of working days (Asia/Ho_Chi_Minh)
    CALENDAR = "calendar"    # 24/7 (outages)


class TicketSla(Model):
    """The SLA clock of one ticket, kept narrow so sweeps never rewrite the wide ticket row.

    Only `workflows.sla.clock` writes it. `due_at`/`warn_at` are NULL while the clock is
    paused (waiting for the customer, deferred) and frozen once it is stopped (resolved).
    """

    __tablename__ = "ticket_sla"

    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"),
                                           primary_key=True)
    policy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sla_policies.id"))
    policy_key: Mapped[str | None] = mapped_column(sa.String(64))
    clock: Mapped[SlaClock] = enum_column(SlaClock, default=SlaClock.BUSINESS)
    budget_seconds: Mapped[int] = mapped_column(default=0)
    warn_percent: Mapped[int] = mapped_column(default=75)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_paused: Mapped[bool] = mapped_column(default=False)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalation_level: Mapped[int] = mapped_column(default=0)

    ticket: Mapped[Ticket] = relationship(back_populates="sla")

    __table_args__ = (
        # The sweep's two questions: what is newly due, what newly needs a warning.
        sa.Index("ix_ticket_sla_due", "due_at", postgresql_where=sa.text(
            "breached_at IS NULL AND stopped_at IS NULL"),
            sqlite_where=sa.text("breached_at IS NULL AND stopped_at IS NULL")),
        sa.Index("ix_ticket_sla_warn", "warn_at", postgresql_where=sa.text(
            "warned_at IS NULL AND stopped_at IS NULL"),
            sqlite_where=sa.text("warned_at IS NULL AND stopped_at IS NULL")),
        # The inbox's "soonest due first": walked in order, a page at a time.
        sa.Index("ix_ticket_sla_due_order", "due_at", "ticket_id"),
    )


class TicketStatusChange(Model):
    """Every status a ticket entered, and when: the SLA rebuilds its pauses from this."""

    __tablename__ = "ticket_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    status: Mapped[Status] = enum_column(Status)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.Index("ix_ticket_status_changes_ticket", "ticket_id", "at", "id"),)


class LinkKind(StrEnum):
    RELATED = "related"        # liên quan
    DUPLICATE = "duplicate"    # trùng, merged into the other


class TicketLink(Model):
    """Two tickets that belong together; stored once, in either direction."""

    __tablename__ = "ticket_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    other_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"),
                                          index=True)
    kind: Mapped[LinkKind] = enum_column(LinkKind, default=LinkKind.RELATED)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("ticket_id", "other_id", name="uq_ticket_links_pair"),
        sa.CheckConstraint("ticket_id < other_id", name="ordered_pair"),
    )


class TicketParty(Model):
    """Another customer concerned by a ticket (kept when duplicates are merged)."""

    __tablename__ = "ticket_parties"

    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"),
                                           primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"),
                                             primary_key=True)
    from_ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"))

    customer: Mapped[Customer] = relationship()


class ContactOutcome(StrEnum):
    REACHED = "reached"            # đã liên hệ được
    NO_ANSWER = "no_answer"        # không nghe máy
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"
    APPOINTMENT = "appointment"    # hẹn lịch


class ContactAttempt(Model):
    """Nhật ký liên hệ: a district employee called (or visited) the customer."""

    __tablename__ = "contact_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"),
                                           index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    outcome: Mapped[ContactOutcome] = enum_column(ContactOutcome)
    note: Mapped[str | None] = mapped_column(sa.Text)
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship()


class TicketCounter(Model):
    """The last sequence number used for ticket codes of one month (YYMM)."""

    __tablename__ = "ticket_counters"

    period: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class DeliveryStatus(StrEnum):
    RECEIVED = "received"
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"


class Message(Model):
    """One message of a ticket's thread, on any channel, in either direction."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id"))
    channel: Mapped[Channel] = enum_column(Channel)
    direction: Mapped[Direction] = enum_column(Direction)
    #: the provider's id (MessageSid, Message-ID, Zalo msg_id, ...): a redelivery is stored once
    provider_message_id: Mapped[str | None] = mapped_column(sa.String(255))
    #: the customer's address on this channel: who sent an inbound, who gets an outbound
    address: Mapped[str | None] = mapped_column(sa.String(254))
    display_name: Mapped[str | None] = mapped_column(sa.String(200))
    subject: Mapped[str | None] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")          #: plain text
    body_html: Mapped[str | None] = mapped_column(sa.Text)          #: sanitised HTML
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[DeliveryStatus] = enum_column(DeliveryStatus, default=DeliveryStatus.RECEIVED)
    error: Mapped[str | None] = mapped_column(sa.String(500))
    meta: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket | None] = relationship()
    author: Mapped[User | None] = relationship()
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="message",
                                                           order_by="Attachment.id")

    __table_args__ = (
        sa.UniqueConstraint("channel", "provider_message_id", name="uq_messages_provider_id"),
        sa.Index("ix_messages_ticket", "ticket_id", "id"),
        sa.Index("ix_messages_customer", "customer_id", "id"),
    )


class Note(Model):
    """Ghi chú nội bộ (internal note): never sent to the customer."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"),
                                           index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="note",
                                                           order_by="Attachment.id")


class Attachment(Model):
    """A file stored outside the web root under its SHA-256; served only through a checked view."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"),
                                                  index=True)
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("messages.id",
                                                                 ondelete="CASCADE"), index=True)
    note_id: Mapped[int | None] = mapped_column(sa.ForeignKey("notes.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(127))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    message: Mapped[Message | None] = relationship(back_populates="attachments")
    note: Mapped[Note | None] = relationship(back_populates="attachments")


class CannedReply(Timestamped, Model):
    """Câu trả lời mẫu: a saved answer with {placeholders}, inserted by its shortcut."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    shortcut: Mapped[str] = mapped_column(sa.String(32), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    is_active: Mapped[bool] = mapped_column(default=True)
