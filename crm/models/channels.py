"""What the admin's channel page shows about each adapter: last traffic and last error."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Model, UTCDateTime


class ChannelState(Model):
    """One row per adapter (twilio_sms, sms_gateway, ...); written by crm.core.channel_state."""

    __tablename__ = "channel_state"

    adapter: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_outbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
