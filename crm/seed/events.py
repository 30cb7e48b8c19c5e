"""The demo's one-off events between the stories: a storm, the suspension of field services
that came with it, incidents restored, an expected restore time.

Each runs at its moment through the incident and suspension services, as the district head
or the admin. Services that write the wall clock on an existing row (`lifted_at`,
`resumed_at`, `restored_at`) get the story's moment back right after.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable

import sqlalchemy as sa

from crm.core.timefmt import fmt_date, fmt_time, iso
from crm.extensions import db
from crm.incidents import services as incidents
from crm.incidents import suspensions
from crm.models import (OPEN_STATUSES, AuditEvent, Incident, IncidentStatus, Suspension, Ticket,
                        User, Ward)
from crm.seed import scenarios
from crm.seed.plan import INCIDENTS, SUSPENDED_TYPES
from crm.seed.steps import restore_outage

if TYPE_CHECKING:
    from crm.seed.tickets import Stories

#: The job `suspensions.lift` queues to resume the deferred tickets after commit.
#: When the ongoing incident's office said when power should be back (its first report
#: came 200 minutes ago, see `crm.seed.plan.Planner._incident`).
EXPECTATION_AGO = timedelta(minutes=150)


class Events:
    """What happens once, and when; `timeline` lists the moments with their actions."""

    def __init__(self, stories: "Stories"):
        self.stories, self.clock, self.users = stories, stories.clock, stories.users
        self.moments = stories.planner.moments
        self.suspension: Suspension | None = None

    def timeline(self) -> list[tuple[datetime, Callable[[], None]]]:
        now, m = self.stories.now, self.moments
        return [(m.suspension_start, self.suspend), (m.storm_over, self.storm_over),
                (m.suspension_lift, self.lift),
                (now - EXPECTATION_AGO, self.expect_restore),
                (now, self.restore_morning)]

    def head(self, district_code: str) -> User:
        return self.users["dl." + district_code.lower()]

    def suspend(self) -> None:
        """The admin suspends field services as the storm comes (until lifted)."""
        start = self.clock.at(self.moments.suspension_start)
        notice = scenarios.SUSPENSION_NOTICE.format(start=f"{fmt_time(start)} {fmt_date(start)}")
        self.suspension = suspensions.create_suspension(SUSPENDED_TYPES, start, None, notice,
                                                        actor=self.users["admin"])

    def lift(self) -> None:
        """The admin lifts it; the deferred requests resume and their stories go on."""
        lifted = self.clock.at(self.moments.suspension_lift)
        suspensions.lift(self.suspension, actor=self.users["admin"])
        self.suspension.lifted_at = lifted
        db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.entity == "suspension", AuditEvent.entity_id == self.suspension.id,
            AuditEvent.action == "lifted")).one().changes = {"lifted_at": [None, iso(lifted)]}
        db.session.flush()
        resumed = self.clock.at(lifted + timedelta(minutes=1))
        suspensions.resume_if_over(self.suspension.id)
        self.suspension.resumed_at = resumed
        for story in self.stories.deferred:
            self.stories.carry_on(story, resumed)

    def storm_over(self) -> None:
        """Power is back in the storm's ward: the crews close every report, then the head
        marks the incident restored (nothing left open for it to close)."""
        incident = open_incident(INCIDENTS["storm"])
        if incident is None:
            return
        back = self.clock.at(self.moments.storm_over - timedelta(minutes=25))
        head = self.head(incident.district.code)
        for ticket in open_reports(incident):
            restore_outage(ticket, cause="weather", note=scenarios.STORM_NOTE,
                           actor=ticket.assignee or head, at=back)
        close_incident(incident, scenarios.STORM_CAUSE, head, back)

    def expect_restore(self) -> None:
        """The head of the ongoing incident's office says when power should be back."""
        self.clock.at(self.stories.now - EXPECTATION_AGO)
        incident = open_incident(INCIDENTS["ongoing"])
        if incident is None:
            return
        expected = self.stories.now + timedelta(minutes=scenarios.EXPECTED_RESTORE_MINUTES)
        expected = expected.replace(minute=expected.minute // 15 * 15, second=0, microsecond=0)
        incidents.set_expected_restore(incident, expected, self.head(incident.district.code))

    def restore_morning(self) -> None:
        """This morning's incident is restored as the demo is loaded: its open reports are
        resolved and every reporter is told, by the incident service itself."""
        self.clock.at(self.stories.now)
        incident = open_incident(INCIDENTS["morning"])
        if incident is None:
            return
        incidents.restore(incident, cause=scenarios.MORNING_CAUSE,
                          actor=self.head(incident.district.code))


def open_incident(ward_code: str) -> Incident | None:
    """The open incident of a ward with the most reports."""
    return db.session.scalar(
        sa.select(Incident).join(Ward, Incident.ward_id == Ward.id)
        .where(Ward.code == ward_code, Incident.status == IncidentStatus.OPEN)
        .order_by(Incident.report_count.desc(), Incident.id).limit(1))


def open_reports(incident: Incident) -> list[Ticket]:
    return db.session.scalars(sa.select(Ticket).where(
        Ticket.incident_id == incident.id, Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.id)).all()


def close_incident(incident: Incident | None, cause: str, actor: User, at: datetime) -> None:
    """Mark an incident whose reports are all closed restored, at `at`."""
    if incident is None or incident.status != IncidentStatus.OPEN:
        return
    incidents.restore(incident, cause=cause, actor=actor)
    incident.restored_at = at
