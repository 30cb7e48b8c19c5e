"""Column types and mixins shared by every table."""
from __future__ import annotations

import enum
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from crm.extensions import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """An aware UTC timestamp: `timestamptz` on PostgreSQL, naive UTC text on SQLite.

    Values always come back aware (UTC), so no code ever compares naive and aware times.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class StrEnum(str, enum.Enum):
    """Enums stored as their string value."""

    def __str__(self) -> str:
        return self.value

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]


def enum_column(enum_cls: type[StrEnum], **kw):
    """A VARCHAR column holding an enum's value (no database ENUM type to migrate)."""
    length = max(len(v) for v in enum_cls.values())
    return mapped_column(sa.Enum(enum_cls, native_enum=False, length=max(length, 16),
                                 values_callable=lambda e: e.values(),
                                 validate_strings=True), **kw)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow,
                                                 nullable=False)


Model = db.Model
