"""Staff accounts."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from crm.models.base import Model, StrEnum, Timestamped, UTCDateTime, enum_column
from crm.models.org import District


class Role(StrEnum):
    AGENT = "agent"                    # giao dịch viên at the care centre
    DISTRICT_STAFF = "district_staff"  # nhân viên Điện lực, bound to one district
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


# scrypt with werkzeug's defaults (n=2**15, r=8, p=1): memory-hard, salted.
PASSWORD_METHOD = "scrypt"


class Presence(StrEnum):
    AVAILABLE = "available"    # sẵn sàng
    AWAY = "away"              # vắng mặt
    LUNCH = "lunch"            # nghỉ trưa
    OFFLINE = "offline"        # ngoài ca


class User(UserMixin, Timestamped, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[Role] = enum_column(Role)
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("districts.id"), index=True)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: only an available user is given new work automatically
    presence: Mapped[Presence] = enum_column(Presence, default=Presence.OFFLINE)
    capacity: Mapped[int] = mapped_column(default=20)          #: open tickets at most
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_district_head: Mapped[bool] = mapped_column(default=False)   #: trưởng Điện lực
    #: số máy lẻ: the PBX extension on this person's desk (screen pops ring there)
    phone_extension: Mapped[str | None] = mapped_column(sa.String(32), unique=True, index=True)

    district: Mapped[District | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("role != 'district_staff' OR district_id IS NOT NULL",
                           name="district_staff_has_district"),
        sa.CheckConstraint("capacity >= 0", name="capacity_not_negative"),
    )

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_district_scoped(self) -> bool:
        return self.role == Role.DISTRICT_STAFF

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __str__(self) -> str:
        return self.full_name
