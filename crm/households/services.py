"""Adding, correcting and ending households on a contract's register.

Services flush, never commit: the view, command or ticket hook that calls them owns the
transaction. Every refusal raises HouseholdError naming the input at fault, before anything
is written. The audit trail gets the masked citizen ID only.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from crm.core import audit
from crm.core.timefmt import fmt_date, local
from crm.extensions import db
from crm.households.citizen_ids import digest, mask
from crm.models import Contract, Household, HouseholdStatus, User, utcnow

#: Households that count: active, on a contract that is itself in force.
ACTIVE = HouseholdStatus.ACTIVE


class HouseholdError(ValueError):
    """A change the register refuses; `field` is the form input at fault (or None)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class CitizenIdTaken(HouseholdError):
    """The citizen ID is already on another household; `other` is that household."""

    def __init__(self, other: Household):
        super().__init__(_("Số CCCD này đang được đăng ký ở một hộ dùng chung khác."),
                         "citizen_id")
        self.other = other


@dataclass(frozen=True)
class HouseholdData:
    """What a form gives for one household (the citizen ID already normalised)."""

    head_name: str
    citizen_id: str
    paper_number: str | None = None
    paper_expires_on: date | None = None
    address_note: str | None = None
    since: date | None = None
    is_main: bool = False


def today() -> date:
    """Today in Vietnam: a paper that expires on the 15th is valid all that day."""
    return local(utcnow()).date()


def counted():
    """A WHERE clause (households joined to contracts): the households that count."""
    return sa.and_(Household.status == ACTIVE, Contract.is_active)


def find_taken(citizen_id: str, *, ignore: tuple[int, ...] = (),
               statuses=(ACTIVE, HouseholdStatus.PENDING)) -> Household | None:
    """Another active (or proposed) household with this citizen ID, anywhere in the company."""
    return db.session.scalar(
        sa.select(Household).join(Contract, Household.contract_id == Contract.id)
        .where(Household.citizen_id_digest == digest(citizen_id), Contract.is_active,
               Household.status.in_(statuses), Household.id.not_in(ignore or (0,)))
        .order_by(Household.id).limit(1))


def _main_taken(contract: Contract, ignore: tuple[int, ...]) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(
        Household.contract_id == contract.id, Household.is_main, Household.status == ACTIVE,
        Household.id.not_in(ignore or (0,))))) or False


def check(contract: Contract, data: HouseholdData, *, household: Household | None = None,
          ignore: tuple[int, ...] = ()) -> None:
    """Every rule of the register for `data` (a new household, or `household` corrected);
    `ignore`: households about to end (a ticket may replace them)."""
    day, ignore = today(), (*ignore, *((household.id,) if household else ()))
    if not contract.is_active:
        raise HouseholdError(_("Hợp đồng đã chấm dứt, không thay đổi được sổ hộ."))
    if data.since and data.since > day:
        raise HouseholdError(_("Ngày bắt đầu không được ở tương lai."), "since")
    expiry_changed = household is None or data.paper_expires_on != household.paper_expires_on
    if data.paper_expires_on and expiry_changed and data.paper_expires_on < day:
        raise HouseholdError(_("Giấy xác nhận cư trú này đã hết hạn; cần giấy còn hiệu lực."),
                             "paper_expires_on")
    if not data.is_main and not data.paper_number:
        raise HouseholdError(_("Hộ phụ cần số giấy xác nhận cư trú (tạm trú)."), "paper_number")
    if data.is_main and _main_taken(contract, ignore):
        raise HouseholdError(_("Hợp đồng này đã có hộ chính (hộ của chủ hợp đồng)."), "is_main")
    other = find_taken(data.citizen_id, ignore=ignore)
    if other is not None:
        raise CitizenIdTaken(other)


def _flush(household: Household) -> None:
    """Write now, in a savepoint: a concurrent second main household (the partial unique
    index) becomes a form error instead of a database error, whose text would carry the
    row's values, citizen ID included, into the error log."""
    try:
        with db.session.begin_nested():
            db.session.add(household)
    except sa.exc.IntegrityError:
        raise HouseholdError(_("Hợp đồng này đã có hộ chính (hộ của chủ hợp đồng)."),
                             "is_main") from None


def shown(household: Household) -> dict:
    """The household as the audit trail keeps it: the citizen ID masked."""
    return {"head_name": household.head_name, "citizen_id": mask(household.citizen_id),
            "paper_number": household.paper_number,
            "paper_expires_on": fmt_date(household.paper_expires_on) or None,
            "is_main": household.is_main, "since": fmt_date(household.since) or None,
            "until": fmt_date(household.until) or None, "status": str(household.status)}


def add_household(contract: Contract, data: HouseholdData, *, actor: User | None,
                  status: HouseholdStatus = ACTIVE, ticket_id: int | None = None,
                  ignore: tuple[int, ...] = ()) -> Household:
    """Register a household (PENDING: proposed by a ticket); HouseholdError if refused."""
    check(contract, data, ignore=ignore)
    values = asdict(data) | {"since": data.since or today()}
    household = Household(contract=contract, citizen_id_digest=digest(data.citizen_id),
                          status=status, added_by_ticket_id=ticket_id, **values)
    _flush(household)
    audit.record("household", household.id, "household_added" if status == ACTIVE
                 else "household_proposed", {k: [None, v] for k, v in shown(household).items()},
                 ticket_id=ticket_id, actor=actor)
    return household


def update_household(household: Household, data: HouseholdData, *,
                     actor: User | None) -> dict:
    """Correct a household's details; returns the audited changes (citizen ID masked)."""
    if household.status == HouseholdStatus.ENDED:
        raise HouseholdError(_("Hộ đã kết thúc, không sửa được."))
    check(household.contract, data, household=household)
    before, old_id = shown(household), household.citizen_id
    for name, value in asdict(data).items():
        if name != "since" or value is not None:
            setattr(household, name, value)
    household.citizen_id_digest = digest(household.citizen_id)
    _flush(household)
    after = shown(household)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if household.citizen_id != old_id:      # recorded even when the last 4 digits agree
        changes["citizen_id"] = [before["citizen_id"], after["citizen_id"]]
    if changes:
        audit.record("household", household.id, "household_updated", changes, actor=actor,
                     ticket_id=household.added_by_ticket_id
                     if household.status == HouseholdStatus.PENDING else None)
    return changes


def end_household(household: Household, until: date, reason: str | None, *,
                  actor: User | None, ticket_id: int | None = None) -> dict:
    """Mark an active household as no longer sharing the meter from `until`."""
    if household.status != ACTIVE:
        raise HouseholdError(_("Chỉ kết thúc được hộ đang dùng chung."))
    if until < household.since:
        raise HouseholdError(_("Ngày kết thúc không được trước ngày bắt đầu (%(day)s).",
                               day=fmt_date(household.since)), "until")
    if until > today():
        raise HouseholdError(_("Ngày kết thúc không được ở tương lai."), "until")
    changes = audit.diff(household, status=HouseholdStatus.ENDED, until=until,
                         end_reason=(reason or "").strip()[:300] or None)
    audit.record("household", household.id, "household_ended",
                 changes | {"citizen_id": [mask(household.citizen_id)] * 2},
                 ticket_id=ticket_id, actor=actor)
    return changes
