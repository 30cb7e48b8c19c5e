"""Contracts and households for the register's tests, written straight to the test session
(so a test can set up what the forms refuse, e.g. an imported duplicate)."""
from __future__ import annotations

import itertools
from datetime import date

from crm.households.citizen_ids import digest
from crm.models import Contract, Household, HouseholdStatus

_numbers = itertools.count(1)

#: Valid citizen IDs (province 001 Hà Nội, 079 TP Hồ Chí Minh, 048 Đà Nẵng).
ID_A, ID_B, ID_C, ID_D = "001099012345", "079188004321", "048201556677", "001300998811"


def contract(session, customer, *, households: int = 1, **kw) -> Contract:
    row = Contract(customer=customer, number=kw.pop("number", f"HD-T{next(_numbers):07d}"),
                   households=households, **kw)
    session.add(row)
    session.flush()
    return row


def household(session, contract: Contract, citizen_id: str = ID_A, *,
              head_name: str = "Lê Văn Tám", since: date = date(2025, 1, 1),
              status: HouseholdStatus = HouseholdStatus.ACTIVE, **kw) -> Household:
    if status == HouseholdStatus.ENDED:
        kw.setdefault("until", date(2025, 6, 30))
    row = Household(contract=contract, head_name=head_name, citizen_id=citizen_id,
                    citizen_id_digest=digest(citizen_id), since=since, status=status,
                    paper_number=kw.pop("paper_number", "XN-123/2025"), **kw)
    session.add(row)
    session.flush()
    return row
