"""Ticket types (workflows): one module per type, registered in `WORKFLOWS`.

Adding a type is adding its module and one entry below. Only the ticket services (and the
step forms built from the declarations) call workflow code.
"""
from __future__ import annotations

from workflows.base import Workflow
from workflows.complaint import Complaint
from workflows.contract_change import ContractChange
from workflows.inquiry import Inquiry
from workflows.meter_inspection import MeterInspection
from workflows.new_connection import NewConnection
from workflows.outage import Outage

WORKFLOWS: dict[str, Workflow] = {wf.name: wf for wf in (
    NewConnection(), ContractChange(), MeterInspection(), Outage(), Inquiry(), Complaint())}

for _workflow in WORKFLOWS.values():     # a contradictory declaration fails at start-up
    _workflow.check()


def get(name: str) -> Workflow:
    """The workflow of a ticket type; KeyError for an unknown type."""
    return WORKFLOWS[name]


def choices() -> list[tuple[str, str]]:
    return [(wf.name, str(wf.title)) for wf in WORKFLOWS.values()]


def subtype_choices(name: str) -> list[tuple[str, str]]:
    wf = WORKFLOWS.get(name)
    return [(key, str(title)) for key, title in wf.subtypes.items()] if wf else []
