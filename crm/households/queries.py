"""Reading the register: one contract's households, and the summary on the customer page."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from crm.core.permissions import contract_visible
from crm.extensions import db
from crm.models import Contract, Customer, Household, HouseholdStatus, Ticket


def households_of(contract: Contract) -> dict[str, list[Household]]:
    """{"active": [...], "pending": [...], "ended": [...]}: main household first, then oldest."""
    rows = db.session.scalars(
        sa.select(Household).where(Household.contract_id == contract.id)
        .order_by(Household.is_main.desc(), Household.since, Household.id)).all()
    out: dict[str, list[Household]] = {str(s): [] for s in HouseholdStatus}
    for row in rows:
        out[str(row.status)].append(row)
    out["ended"].sort(key=lambda h: (h.until, h.id), reverse=True)
    return out


def active_counts(contract_ids: list[int]) -> dict[int, int]:
    """Active households per contract (contracts without any are left out)."""
    if not contract_ids:
        return {}
    return dict(db.session.execute(
        sa.select(Household.contract_id, sa.func.count())
        .where(Household.contract_id.in_(contract_ids),
               Household.status == HouseholdStatus.ACTIVE)
        .group_by(Household.contract_id)).all())


def effective_count(registered: int) -> int:
    """The households a register shows: an empty one stands for the holder's own household,
    so the many single-household contracts need no entry at all."""
    return max(registered, 1)


@dataclass(frozen=True)
class Summary:
    """One contract's line on the customer page."""

    contract: Contract
    registered: int
    may_open: bool

    @property
    def differs(self) -> bool:
        return self.contract.is_active and \
            self.contract.households != effective_count(self.registered)


def summaries(user, customer: Customer) -> list[Summary]:
    """The register of each of the customer's contracts, as far as `user` may open it."""
    contracts = list(customer.contracts)
    ids = [c.id for c in contracts]
    counts = active_counts(ids)
    openable = set(db.session.scalars(
        sa.select(Contract.id).where(Contract.id.in_(ids), contract_visible(user)))) \
        if ids else set()
    return [Summary(c, counts.get(c.id, 0), c.id in openable) for c in contracts]


def tickets_of(households: list[Household]) -> dict[int, Ticket]:
    """The tickets named by these households (proposed or ending), by id."""
    ids = {i for h in households for i in (h.added_by_ticket_id, h.ending_ticket_id) if i}
    if not ids:
        return {}
    return {t.id: t for t in db.session.scalars(sa.select(Ticket).where(Ticket.id.in_(ids)))}
