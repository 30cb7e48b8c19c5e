"""Sổ hộ dùng chung công tơ (sub-household register): the households sharing one meter.

The number of households on a residential contract multiplies the quota of every tier of
the residential tariff, so each household sharing the meter is registered with its head's
citizen ID (CCCD) and the paper that proves its residence (giấy xác nhận cư trú/tạm trú).

Citizen IDs are personal data. The number itself is kept (the contract's own district
checks it against the paper), and beside it a keyed HMAC digest (`crm.households.citizen_ids`)
on which every company-wide comparison runs: the duplicate check and report read, group and
index the digest only, so the clear column is read solely to show it to the roles allowed to
see it, and could be encrypted at rest without touching a single query. A plain hash would
not do: a CCCD has a province code, a century/sex digit and a birth year, so an unkeyed
digest of one is found by brute force in minutes.

The index on the digest is deliberately not unique: the rule "one citizen ID, one active
household" is checked on entry, but registers imported from older systems and concurrent
entries can break it, and the duplicate report exists to find exactly those.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Model, StrEnum, Timestamped, enum_column
from crm.models.customers import Contract


class HouseholdStatus(StrEnum):
    PENDING = "pending"      # proposed by an open change_households ticket, not counted yet
    ACTIVE = "active"        # đang dùng chung công tơ
    ENDED = "ended"          # đã thôi dùng chung (moved out, meter split)


#: One household per contract may be the holder's own (hộ chính); the rest are hộ phụ.
ONE_MAIN = "is_main AND status = 'active'"


class Household(Timestamped, Model):
    """One household sharing a contract's meter; only ACTIVE ones count."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id", ondelete="CASCADE"))
    head_name: Mapped[str] = mapped_column(sa.String(200))          #: chủ hộ
    citizen_id: Mapped[str] = mapped_column(sa.String(12))          #: số CCCD, 12 digits
    citizen_id_digest: Mapped[str] = mapped_column(sa.String(64))   #: keyed HMAC-SHA256, hex
    paper_number: Mapped[str | None] = mapped_column(sa.String(50))   #: số giấy xác nhận cư trú
    paper_expires_on: Mapped[date | None]          #: None: a paper without an end date
    address_note: Mapped[str | None] = mapped_column(sa.String(300))
    since: Mapped[date]
    until: Mapped[date | None]
    end_reason: Mapped[str | None] = mapped_column(sa.String(300))
    is_main: Mapped[bool] = mapped_column(default=False)
    status: Mapped[HouseholdStatus] = enum_column(HouseholdStatus,
                                                  default=HouseholdStatus.ACTIVE)
    #: the change_households ticket that proposed (pending) or added this household
    added_by_ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"))
    #: the change_households ticket that will end (or ended) this household
    ending_ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"))

    contract: Mapped[Contract] = relationship()

    __table_args__ = (
        sa.Index("ix_households_contract_status", "contract_id", "status"),
        sa.Index("ix_households_digest_status", "citizen_id_digest", "status"),
        sa.Index("ix_households_paper_expiry", "paper_expires_on",
                 postgresql_where=sa.text("status = 'active' AND paper_expires_on IS NOT NULL"),
                 sqlite_where=sa.text("status = 'active' AND paper_expires_on IS NOT NULL")),
        sa.Index("ix_households_added_by_ticket", "added_by_ticket_id"),
        sa.Index("ix_households_ending_ticket", "ending_ticket_id"),
        sa.Index("uq_households_one_main", "contract_id", unique=True,
                 postgresql_where=sa.text(ONE_MAIN),
                 sqlite_where=sa.text("is_main = 1 AND status = 'active'")),
        sa.CheckConstraint("until IS NULL OR until >= since", name="ends_after_start"),
        sa.CheckConstraint("status != 'ended' OR until IS NOT NULL", name="ended_has_date"),
    )

    @property
    def is_active(self) -> bool:
        return self.status == HouseholdStatus.ACTIVE

    def __repr__(self) -> str:          # never the citizen ID, not even in a traceback
        return f"<Household {self.id} contract={self.contract_id} {self.status}>"
