"""Customer satisfaction: the one store of 1–10 scores, whoever asked for them.

A row per ticket. The survey sent on resolution creates it `asked` (no score yet); the
customer's reply, or the chat bot's "đánh giá dịch vụ" flow, fills the score; a survey left
unanswered past `expires_at` becomes `expired`. The bot may rate without a survey.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Model, StrEnum, UTCDateTime, enum_column, utcnow
from crm.models.tickets import Ticket


class CsatStatus(StrEnum):
    ASKED = "asked"          # survey sent, waiting for the reply
    ANSWERED = "answered"
    EXPIRED = "expired"      # no usable reply in time


class CsatScore(Model):
    __tablename__ = "csat_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"),
                                           unique=True)
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL"))
    #: the ticket's district when asked or rated (the report groups by it)
    district_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("districts.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(sa.String(16))     #: where the score came from
    status: Mapped[CsatStatus] = enum_column(CsatStatus, default=CsatStatus.ANSWERED)
    score: Mapped[int | None]
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship()

    __table_args__ = (
        sa.CheckConstraint("score BETWEEN 1 AND 10", name="score_range"),
        sa.Index("ix_csat_scores_answered", "answered_at"),
        # the surveys waiting for a reply, by customer (each inbound chat message looks)
        sa.Index("ix_csat_scores_asked", "customer_id",
                 postgresql_where=sa.text("status = 'asked'"),
                 sqlite_where=sa.text("status = 'asked'")),
    )
