"""Tokens of the REST API (`/api/v1`), for billing and CIS systems."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Model, Timestamped, UTCDateTime
from crm.models.org import District


class ApiToken(Timestamped, Model):
    """A named bearer token. Only its SHA-256 is stored: the token itself is shown once.

    A token with a district sees that district's tickets only, like a district_staff user.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)   #: sha256 hex
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("districts.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    district: Mapped[District | None] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
