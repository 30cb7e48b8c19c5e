"""The register's three reports, each a page and a CSV download.

- duplicates: one citizen ID on two or more active households anywhere in the company
  (the digest is compared, never the number);
- papers: residence papers expiring within the warning period (30 days by default), and
  those already expired;
- mismatch: contracts whose `households` differs from the register, to be re-priced.

District staff get the rows of their own district; a duplicate group is theirs when one of
its households is, and the other district's households in it show only the district, the
contract number and the masked citizen ID.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from crm.core import settings
from crm.core.permissions import contract_visible, may_see_citizen_ids
from crm.extensions import db
from crm.households.queries import effective_count
from crm.households.services import counted, today
from crm.models import Contract, Customer, Household, HouseholdStatus, Ward

#: Rows a report page shows; the CSV has them all.
PAGE_ROWS = 500


@dataclass(frozen=True)
class Row:
    """A household in a report, with what the viewer may see of it."""

    household: Household
    in_scope: bool          #: in the viewer's district (always, for company-wide roles)
    full_id: bool           #: the viewer may read the whole citizen ID
    group: int = 0          #: duplicates: the number of the group of equal citizen IDs

    @property
    def contract(self) -> Contract:
        return self.household.contract

    @property
    def district_code(self) -> str:
        ward = self.contract.customer.ward
        return ward.district.code if ward and ward.district else ""

    def days_left(self, on: date) -> int | None:
        expires = self.household.paper_expires_on
        return (expires - on).days if expires else None


def _households(user, *where, order_by) -> list[Row]:
    visible = sa.case((contract_visible(user), True), else_=False)
    rows = db.session.execute(
        sa.select(Household, visible).join(Contract, Household.contract_id == Contract.id)
        .where(counted(), *where)
        .options(joinedload(Household.contract).joinedload(Contract.customer)
                 .joinedload(Customer.ward).joinedload(Ward.district))
        .order_by(*order_by)).all()
    return [Row(h, bool(in_scope), bool(in_scope) and may_see_citizen_ids(user, h.contract))
            for h, in_scope in rows]


def duplicates(user) -> list[Row]:
    """Groups (numbered from 1) of active households sharing a citizen ID."""
    shared = (sa.select(Household.citizen_id_digest)
              .join(Contract, Household.contract_id == Contract.id).where(counted())
              .group_by(Household.citizen_id_digest).having(sa.func.count() > 1))
    rows = _households(user, Household.citizen_id_digest.in_(shared),
                       order_by=(Household.citizen_id_digest, Contract.number, Household.id))
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.household.citizen_id_digest, []).append(row)
    kept = [g for g in groups.values() if any(r.in_scope for r in g)]
    kept.sort(key=lambda g: min(r.household.id for r in g))
    return [Row(r.household, r.in_scope, r.full_id, number)
            for number, group in enumerate(kept, 1) for r in group]


def warning_days() -> int:
    return int(settings.get("household_paper_warning_days"))


def papers(user, on: date | None = None) -> list[Row]:
    """Active households whose paper has expired or expires within the warning period."""
    limit = (on or today()) + timedelta(days=warning_days())
    return _households(user, contract_visible(user), Household.paper_expires_on.is_not(None),
                       Household.paper_expires_on <= limit,
                       order_by=(Household.paper_expires_on, Household.id))


@dataclass(frozen=True)
class Mismatch:
    contract: Contract
    registered: int         #: active households in the register

    @property
    def counted(self) -> int:
        return effective_count(self.registered)

    @property
    def difference(self) -> int:
        return self.counted - self.contract.households

    @property
    def district_code(self) -> str:
        ward = self.contract.customer.ward
        return ward.district.code if ward and ward.district else ""


def mismatches(user) -> list[Mismatch]:
    """Active contracts whose households count differs from their register.

    Only contracts with more than one household or with entries can differ (an empty
    register counts as one household), which keeps the scan off the single-household mass.
    """
    active = (sa.select(Household.contract_id, sa.func.count().label("n"))
              .where(Household.status == HouseholdStatus.ACTIVE)
              .group_by(Household.contract_id).subquery())
    registered = sa.func.coalesce(active.c.n, 0)
    rows = db.session.execute(
        sa.select(Contract, registered).outerjoin(active, active.c.contract_id == Contract.id)
        .where(Contract.is_active, contract_visible(user),
               sa.or_(Contract.households > 1, active.c.n.is_not(None)),
               Contract.households != sa.case((registered == 0, 1), else_=registered))
        .options(joinedload(Contract.customer).joinedload(Customer.ward)
                 .joinedload(Ward.district))
        .order_by(Contract.number)).all()
    return [Mismatch(contract, count) for contract, count in rows]
