"""The district's side of a demo story: calls to the customer, steps with their values,
crews sent to outages, visits booked.

Calls and visits go through `crm.tickets.contacts`, steps through `crm.seed.steps` (the
workflow services), incidents through `crm.seed.events`.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from crm.core.timefmt import LOCAL_TZ, local
from crm.extensions import db
from crm.models import ContactOutcome, Incident, Ticket, User
from crm.seed import scenarios
from crm.seed.events import close_incident
from crm.seed.steps import (advance, dispatch_crew, new_connection_values, restore_outage,
                            steps_between)
from crm.tickets import contacts
from workflows.outage import CAUSES
from workflows.sla.store import load_calendar

if TYPE_CHECKING:
    from crm.seed.plan import TicketStory
    from crm.seed.tickets import Stories

#: Ticket types whose district staff call the customer and visit.
VISITED = ("new_connection", "contract_change", "meter_inspection", "complaint")


class Progress:
    """How far the district gets with a ticket, through the workflow and contact services."""

    def __init__(self, stories: "Stories"):
        self.rng, self.clock = stories.rng, stories.clock
        self.visit_day = next_working_day(local(stories.now).date())

    def report_outage(self, ticket: Ticket, assignee: User, at: datetime) -> datetime:
        """Half the outage reports get a crew within half an hour."""
        if self.rng.random() < 0.5:
            at = self.clock.later(at, 5, 30)
            dispatch_crew(self.rng, ticket, actor=assignee, at=at)
        return at

    def district_work(self, ticket: Ticket, story: "TicketStory", assignee: User,
                      at: datetime) -> datetime:
        """Calls to the customer, a crew for an outage, a new connection's steps."""
        if ticket.type == "outage":
            return self.report_outage(ticket, assignee, at)
        if ticket.type in VISITED and self.rng.random() < 0.4:
            at = self._call(ticket, assignee, at)
        if story.step is not None:
            target = "meter_installed" if story.step == "energised" else story.step
            for step in steps_between(ticket.step, target):
                at = self.clock.later_at_work(at, 240, 2880)
                advance(ticket, step, new_connection_values(self.rng, ticket, step, at),
                        actor=assignee, at=at)
        return at

    def _call(self, ticket: Ticket, assignee: User, at: datetime) -> datetime:
        """Nhật ký liên hệ: the first call often goes unanswered."""
        outcomes = [ContactOutcome.REACHED]
        if self.rng.random() < 0.5:
            outcomes.insert(0, self.rng.choice((ContactOutcome.NO_ANSWER, ContactOutcome.BUSY)))
        for outcome in outcomes:
            at = self.clock.later_at_work(at, 20, 300)
            contacts.log_contact(ticket, outcome, self.rng.choice(
                scenarios.CONTACT_NOTES[str(outcome)]), None, actor=assignee)
        return at

    def resolve_by_steps(self, ticket: Ticket, story: "TicketStory", assignee: User,
                         at: datetime) -> bool:
        """Energise a new connection or restore an outage through the last step (and close
        the outage's incident); False for the other types."""
        if ticket.type == "new_connection":
            advance(ticket, "energised", new_connection_values(self.rng, ticket, "energised", at),
                    actor=assignee, at=at)
            return True
        if ticket.type != "outage":
            return False
        cause = scenarios.OUTAGE_CAUSES.get(story.scenario.subject, "other")
        restore_outage(ticket, cause=cause, note=story.scenario.result, actor=assignee, at=at)
        incident = db.session.get(Incident, ticket.incident_id) if ticket.incident_id else None
        close_incident(incident, str(dict(CAUSES)[cause]), assignee, at)
        return True

    def book_visit(self, ticket: Ticket, assignee: User) -> None:
        """Some open requests end with a visit booked for the next working morning (the
        customer is told when)."""
        if ticket.type not in VISITED or self.rng.random() >= 0.35:
            return
        hour = self.rng.choice((8, 9, 10, 14, 15))
        visit = datetime.combine(self.visit_day, time(hour), LOCAL_TZ)
        contacts.log_contact(ticket, ContactOutcome.APPOINTMENT,
                             self.rng.choice(scenarios.CONTACT_NOTES["appointment"]), visit,
                             actor=assignee)


def next_working_day(today: date) -> date:
    """The first working day after `today` in the SLA calendar."""
    calendar, day = load_calendar(), today + timedelta(days=1)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day
