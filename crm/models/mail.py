"""How far the IMAP poller has read each mailbox."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Model, UTCDateTime, utcnow


class MailPollState(Model):
    """One mailbox: the UIDVALIDITY its UIDs belong to and the last UID stored or reported.

    UIDs only mean something under one UIDVALIDITY (both are 32-bit unsigned, hence
    BIGINT); when the server changes it, the poller starts again from 0 and ingest's
    dedupe by Message-ID keeps the messages already stored from coming in twice.
    """

    __tablename__ = "mail_poll_state"

    mailbox: Mapped[str] = mapped_column(sa.String(255), primary_key=True)  #: user@host:port/box
    uidvalidity: Mapped[int | None] = mapped_column(sa.BigInteger)
    last_uid: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
