"""A `contract_change/change_households` ticket changes the register, exactly once.

While the ticket is open, the district proposes its changes on the ticket page: households
to add are stored PENDING (they do not count yet), households to end are marked with the
ticket. The citizen IDs never go into the ticket's step values, which are shown to every
agent and audited in clear. The "approved" step records the new number of households.

When the ticket is resolved with the result "done" (its last step), `apply` runs inside
the same transaction: the proposed households become active from the done date, the marked
ones end that day, and the contract's `households` takes the approved number, all audited.
It refuses (StepError, which the caller rolls back) when the register after the change
would not show the approved number, or a citizen ID became active elsewhere meanwhile.
Running it again changes nothing: it only moves PENDING and marked rows, which it consumes.
Any other ending (refused, cancelled, merged) withdraws the proposal and deletes the
pending households' personal data.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from crm.core import audit
from crm.extensions import db
from crm.households import services
from crm.households.citizen_ids import mask
from crm.households.queries import effective_count
from crm.households.services import HouseholdData, HouseholdError
from crm.models import Contract, Household, HouseholdStatus, Status, Ticket, User
from crm.tickets.steps import StepError
from workflows.base import RESULT_KEY

SUBTYPE = ("contract_change", "change_households")
#: Where the ticket remembers its contract when the customer has several.
CONTRACT_KEY = "households_contract_id"
ENDED = (Status.RESOLVED, Status.CLOSED)


def is_households_ticket(ticket: Ticket) -> bool:
    return (ticket.type, ticket.subtype) == SUBTYPE


@dataclass
class Plan:
    """The register of the ticket's contract, and what the ticket proposes to change."""

    contract: Contract | None
    choices: list[Contract]
    active: list[Household]
    additions: list[Household]
    endings: list[Household]
    approved: int | None

    @property
    def after(self) -> int:
        return len(self.active) - len(self.endings) + len(self.additions)

    @property
    def counted(self) -> int:
        return effective_count(self.after)

    @property
    def matches(self) -> bool:
        return self.approved is None or self.approved == self.counted


def _open_contracts(ticket: Ticket) -> list[Contract]:
    return [c for c in ticket.customer.contracts if c.is_active]


def contract_of(ticket: Ticket) -> Contract | None:
    """The contract chosen on the ticket, else the customer's only contract in force."""
    contracts = _open_contracts(ticket)
    chosen = (ticket.details or {}).get(CONTRACT_KEY)
    if chosen:
        return next((c for c in contracts if c.id == chosen), None)
    return contracts[0] if len(contracts) == 1 else None


def plan_for(ticket: Ticket) -> Plan:
    contract = contract_of(ticket)
    approved = ((ticket.details or {}).get("approved") or {}).get("households")
    if contract is None:
        return Plan(None, _open_contracts(ticket), [], [], [], approved)
    rows = db.session.scalars(
        sa.select(Household).where(Household.contract_id == contract.id, sa.or_(
            Household.status == HouseholdStatus.ACTIVE,
            Household.added_by_ticket_id == ticket.id))
        .order_by(Household.is_main.desc(), Household.since, Household.id)).all()
    active = [h for h in rows if h.status == HouseholdStatus.ACTIVE]
    return Plan(contract, [], active,
                [h for h in rows if h.status == HouseholdStatus.PENDING],
                [h for h in active if h.ending_ticket_id == ticket.id], approved)


# --- proposing, while the ticket is open -----------------------------------------------


def _editable(ticket: Ticket) -> Plan:
    if not ticket.is_open or not is_households_ticket(ticket):
        raise HouseholdError(_("Phiếu đã đóng hoặc không phải phiếu thay đổi số hộ."))
    return plan_for(ticket)


def choose_contract(ticket: Ticket, contract: Contract) -> None:
    """Fix the contract the ticket changes; refused once something is proposed."""
    plan = _editable(ticket)
    if plan.additions or plan.endings:
        raise HouseholdError(_("Đã có thay đổi đề xuất cho hợp đồng khác; hãy bỏ chúng trước."))
    if contract not in _open_contracts(ticket):
        raise HouseholdError(_("Hợp đồng không thuộc khách hàng của phiếu."), "contract_id")
    ticket.details = {**(ticket.details or {}), CONTRACT_KEY: contract.id}


def propose_addition(ticket: Ticket, data: HouseholdData, *, actor: User) -> Household:
    """A household to add when the ticket is done (PENDING until then)."""
    plan = _editable(ticket)
    if plan.contract is None:
        raise HouseholdError(_("Chọn hợp đồng cần thay đổi số hộ trước."))
    return services.add_household(plan.contract, data, actor=actor,
                                  status=HouseholdStatus.PENDING, ticket_id=ticket.id,
                                  ignore=tuple(h.id for h in plan.endings))


def propose_ending(ticket: Ticket, household: Household, *, actor: User) -> None:
    """Mark an active household of the ticket's contract to end when the ticket is done."""
    plan = _editable(ticket)
    if household not in plan.active:
        raise HouseholdError(_("Hộ này không còn dùng chung trên hợp đồng của phiếu."))
    if household.ending_ticket_id not in (None, ticket.id):
        raise HouseholdError(_("Hộ này đã được đề xuất kết thúc trong một phiếu khác."))
    household.ending_ticket_id = ticket.id
    audit.record("household", household.id, "household_end_proposed",
                 {"citizen_id": [mask(household.citizen_id)] * 2}, ticket_id=ticket.id,
                 actor=actor)


def withdraw(ticket: Ticket, household: Household, *, actor: User | None) -> None:
    """Take back one proposal: a pending household is deleted, a marked one kept."""
    if household.status == HouseholdStatus.PENDING and household.added_by_ticket_id == ticket.id:
        audit.record("household", household.id, "household_withdrawn",
                     {"citizen_id": [mask(household.citizen_id), None]}, ticket_id=ticket.id,
                     actor=actor)
        db.session.delete(household)
    elif household.ending_ticket_id == ticket.id and household.is_active:
        household.ending_ticket_id = None
        audit.record("household", household.id, "household_end_withdrawn",
                     {"citizen_id": [mask(household.citizen_id)] * 2}, ticket_id=ticket.id,
                     actor=actor)
    db.session.flush()


# --- when the ticket ends ----------------------------------------------------------------


def on_status_changed(ticket: Ticket, old_status) -> None:
    """The workflow hook: apply on "done", withdraw on any other ending."""
    if not is_households_ticket(ticket) or old_status in ENDED or ticket.status not in ENDED:
        return
    result = (ticket.details or {}).get(RESULT_KEY) or {}
    if ticket.status == Status.RESOLVED and result.get("code") == "done":
        apply(ticket)
    else:
        discard(ticket)


def _done_date(ticket: Ticket) -> date:
    text = ((ticket.details or {}).get("done") or {}).get("done_date")
    return date.fromisoformat(text) if text else services.today()


def _check_applicable(plan: Plan) -> int:
    if plan.contract is None:
        raise StepError(_("Phiếu chưa xác định hợp đồng cần thay đổi số hộ."))
    approved = plan.approved if plan.approved is not None else plan.counted
    if plan.counted != approved:
        raise StepError(_("Sổ hộ sau thay đổi có %(n)d hộ, khác số hộ đã phê duyệt (%(approved)d)."
                          " Hãy cập nhật các hộ thêm/kết thúc trên phiếu trước khi hoàn tất.",
                          n=plan.counted, approved=approved))
    ending = tuple(h.id for h in plan.endings)
    for household in plan.additions:
        other = services.find_taken(household.citizen_id, ignore=(household.id, *ending),
                                    statuses=(HouseholdStatus.ACTIVE,))
        if other is not None:
            raise StepError(_("Số CCCD %(id)s đã được đăng ký ở một hộ khác trong lúc phiếu "
                              "đang xử lý.", id=mask(household.citizen_id)))
    mains = [h for h in plan.active if h.is_main and h not in plan.endings]
    if len(mains) + sum(h.is_main for h in plan.additions) > 1:
        raise StepError(_("Hợp đồng chỉ có một hộ chính."))
    return approved


def apply(ticket: Ticket) -> None:
    """Make the ticket's proposal the register and the contract's count; audited once."""
    plan = plan_for(ticket)
    approved = _check_applicable(plan)
    contract = db.session.scalar(sa.select(Contract).where(Contract.id == plan.contract.id)
                                 .with_for_update())
    day = _done_date(ticket)
    for household in plan.endings:
        services.end_household(household, max(day, household.since), None, actor=None,
                               ticket_id=ticket.id)
    db.session.flush()                  # the old main household ends before a new one starts
    for household in plan.additions:
        household.status, household.since = HouseholdStatus.ACTIVE, day
        audit.record("household", household.id, "household_added",
                     {"citizen_id": [None, mask(household.citizen_id)],
                      "since": [None, day.isoformat()]}, ticket_id=ticket.id)
    changes = audit.diff(contract, households=approved)
    if changes or plan.additions or plan.endings:
        audit.record("contract", contract.id, "households_changed", changes | {
            "added": [None, ", ".join(mask(h.citizen_id) for h in plan.additions) or None],
            "ended": [None, ", ".join(mask(h.citizen_id) for h in plan.endings) or None]},
            ticket_id=ticket.id)
    db.session.flush()


def discard(ticket: Ticket) -> None:
    """Withdraw everything the ticket proposed (it ended without the change)."""
    rows = db.session.scalars(sa.select(Household).where(sa.or_(
        sa.and_(Household.added_by_ticket_id == ticket.id,
                Household.status == HouseholdStatus.PENDING),
        sa.and_(Household.ending_ticket_id == ticket.id,
                Household.status == HouseholdStatus.ACTIVE)))).all()
    for household in rows:
        withdraw(ticket, household, actor=None)
