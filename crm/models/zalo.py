"""The Zalo OA token pair, kept in the database so every worker uses the latest one."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Model, UTCDateTime, utcnow


class ZaloToken(Model):
    """One row per Zalo app: the access token in use and the single-use refresh token.

    Written only by `crm.zalo.tokens`, under a row lock, in one transaction: a refresh token
    Zalo has accepted is never lost and never spent twice. `seed_digest` is the SHA-256 of the
    ZALO_REFRESH_TOKEN setting the row was first filled from: when an admin re-grants and sets
    a new one, the setting wins again; otherwise the row does.
    """

    __tablename__ = "zalo_tokens"

    app_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    access_token: Mapped[str | None] = mapped_column(sa.Text)
    refresh_token: Mapped[str | None] = mapped_column(sa.Text)
    #: None when unknown (a pair from the settings): used until Zalo says it expired
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seed_digest: Mapped[str | None] = mapped_column(sa.String(64))
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
