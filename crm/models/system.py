"""Bookkeeping tables of the platform itself."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Model, UTCDateTime


class PeriodicLease(Model):
    """Who may run a periodic job now: a row per job, held until `held_until`."""

    __tablename__ = "periodic_leases"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    held_until: Mapped[datetime] = mapped_column(UTCDateTime)
