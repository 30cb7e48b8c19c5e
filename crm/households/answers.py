"""What a bot or an agent may say about a contract's households: the number and its effect
on the residential tariff, never who the households are.

The tiered residential tariff gives every tier a quota per household: a meter shared by N
households has tiers N times as wide (bậc 1 is 0–50 kWh a month for one household, 0–150 for
three), so sharing households pay the lower tiers longer.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from crm.extensions import db
from crm.households.queries import active_counts
from crm.models import OPEN_STATUSES, Contract, Customer, Ticket, UsagePurpose

#: kWh a month of the first residential tier for one household.
FIRST_TIER_KWH = 50


@dataclass(frozen=True)
class HouseholdsAnswer:
    contract_number: str
    households: int
    is_residential: bool
    registered: int                 #: active households in the register (0: none entered)
    open_ticket: str | None         #: code of a change_households ticket still open

    def sentence(self) -> str:
        """One or two Vietnamese sentences in the current locale."""
        if not self.is_residential:
            text = _("Hợp đồng %(number)s không mua điện sinh hoạt nên số hộ dùng chung không "
                     "ảnh hưởng đến giá điện.", number=self.contract_number)
        elif self.households == 1:
            text = _("Hợp đồng %(number)s tính giá điện sinh hoạt cho 1 hộ: bậc 1 từ 0 đến "
                     "%(kwh)s kWh/tháng.", number=self.contract_number, kwh=FIRST_TIER_KWH)
        else:
            text = _("Hợp đồng %(number)s có %(n)s hộ dùng chung công tơ: định mức mỗi bậc giá "
                     "điện sinh hoạt được nhân %(n)s (bậc 1 từ 0 đến %(kwh)s kWh/tháng).",
                     number=self.contract_number, n=self.households,
                     kwh=FIRST_TIER_KWH * self.households)
        if self.open_ticket:
            text += " " + _("Yêu cầu thay đổi số hộ %(code)s đang được xử lý.",
                            code=self.open_ticket)
        return text

    def staff_note(self) -> str | None:
        """For agents only: the register disagrees with the contract."""
        counted = max(self.registered, 1)
        if counted == self.households:
            return None
        return _("Sổ hộ dùng chung ghi nhận %(r)s hộ, khác số hộ trên hợp đồng (%(n)s).",
                 r=counted, n=self.households)


def for_contract(contract: Contract) -> HouseholdsAnswer:
    open_ticket = db.session.scalar(
        sa.select(Ticket.code).where(Ticket.customer_id == contract.customer_id,
                                     Ticket.type == "contract_change",
                                     Ticket.subtype == "change_households",
                                     Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.id.desc()).limit(1))
    return HouseholdsAnswer(
        contract_number=contract.number, households=contract.households,
        is_residential=contract.usage_purpose == UsagePurpose.RESIDENTIAL,
        registered=active_counts([contract.id]).get(contract.id, 0), open_ticket=open_ticket)


def lookup(reference: str) -> list[HouseholdsAnswer]:
    """Answers for a contract number, or for each contract in force of a customer code."""
    reference = (reference or "").strip().upper()[:32]
    if not reference:
        return []
    contract = db.session.scalar(sa.select(Contract).where(Contract.number == reference))
    if contract is not None:
        return [for_contract(contract)]
    contracts = db.session.scalars(
        sa.select(Contract).join(Customer, Contract.customer_id == Customer.id)
        .where(Customer.code == reference, Contract.is_active).order_by(Contract.id)).all()
    return [for_contract(c) for c in contracts]
