"""Demo tickets worked through their workflow's steps with the values a district enters.

`crm.tickets.steps.advance` checks the fields and sends each step's notice; it stamps the
step with the wall clock, so `advance` here moves that stamp to the story's moment.
"""
from __future__ import annotations

import random
from datetime import datetime

from crm.core.timefmt import iso, local
from crm.models import Ticket, User
from crm.seed import scenarios
from crm.seed.customers import unused_phone
from crm.tickets import steps
from workflows.base import RESULT_KEY

NEW_CONNECTION = ("received", "surveyed", "contract_signed", "meter_installed", "energised")


def advance(ticket: Ticket, step: str, values: dict, *, actor: User, at: datetime) -> None:
    """Enter `step` (the last one resolves the ticket), as done at `at`."""
    steps.advance(ticket, step, values, actor=actor)
    stamped = {key: {**value, "_at": iso(at)} if key in (step, RESULT_KEY) else value
               for key, value in ticket.details.items()}
    ticket.details = stamped          # a new dict: the JSON column sees the change


def steps_between(current: str | None, target: str) -> tuple[str, ...]:
    """The new-connection steps after `current` up to and including `target`."""
    start = NEW_CONNECTION.index(current) + 1 if current in NEW_CONNECTION else 1
    return NEW_CONNECTION[start:NEW_CONNECTION.index(target) + 1]


def new_connection_values(rng: random.Random, ticket: Ticket, step: str, at: datetime) -> dict:
    """What the district records on entering each step of a new connection."""
    day = local(at).date()
    if step == "surveyed":
        values = {"survey_date": day, "survey_notes": rng.choice(scenarios.SURVEY_NOTES),
                  "survey_result": rng.choice(("feasible", "feasible", "needs_works"))}
        if ticket.subtype == "medium_voltage":
            values["transformer_kva"] = scenarios.TRANSFORMER_KVA.get(ticket.subject, 250)
        return values
    if step == "contract_signed":
        number = f"HD-{ticket.district.code}-{day.year}-{ticket.code[-4:]}"
        return {"contract_number": number, "signed_date": day}
    if step == "meter_installed":
        return {"meter_serial": f"CT{rng.randrange(10 ** 9):09d}", "install_date": day,
                "initial_reading": rng.choice((0, 0, 1, 2))}
    return {"energised_at": at}


def dispatch_crew(rng: random.Random, ticket: Ticket, *, actor: User, at: datetime) -> None:
    """An outage report: the district sends a crew (the customer is told who and how to call)."""
    values = {"crew": scenarios.CREW.format(n=rng.randint(1, 4)),
              "crew_phone": unused_phone(rng, set())}
    advance(ticket, "crew_dispatched", values, actor=actor, at=at)


def restore_outage(ticket: Ticket, *, cause: str, note: str | None, actor: User,
                   at: datetime) -> None:
    """An outage report: power is back at `at` (resolves the ticket, tells the customer)."""
    advance(ticket, "restored", {"restored_at": at, "cause": cause, "restore_note": note},
            actor=actor, at=at)
