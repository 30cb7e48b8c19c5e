"""The SLA sweep: warnings and breaches marked once, each escalation level once, alerts held
until office hours except for outages."""
import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from crm.models import Role, SlaEscalation, StaffAlert, TicketSla
from workflows.sla import sweep
from workflows.sla.cli import sla_cli

WED_10 = "2026-11-25T10:00+07:00"        # a working Wednesday, in office hours


def at(text):
    return datetime.fromisoformat(text).astimezone(timezone.utc)


@pytest.fixture
def clocked(make, db_session):
    """A ticket with a running clock: `clocked(due=..., warn=..., **ticket_fields)`."""
    def _make(*, due, warn=None, budget_hours=24, paused=False, stopped=False, **fields):
        ticket = make.ticket(**fields)
        due = at(due) if isinstance(due, str) else due
        warn = at(warn) if isinstance(warn, str) else (warn or due - timedelta(hours=6))
        db_session.add(TicketSla(
            ticket_id=ticket.id, started_at=due - timedelta(days=3), clock="business",
            budget_seconds=budget_hours * 3600, warn_percent=75,
            due_at=None if paused else due, warn_at=None if paused else warn, is_paused=paused,
            stopped_at=due - timedelta(hours=1) if stopped else None))
        db_session.flush()
        return ticket
    return _make


def escalations(session, ticket=None):
    query = sa.select(SlaEscalation.ticket_id, SlaEscalation.level)
    if ticket is not None:
        query = query.where(SlaEscalation.ticket_id == ticket.id)
    return sorted((t, str(level)) for t, level in session.execute(query))


def alerts(session, ticket=None):
    query = sa.select(StaffAlert)
    if ticket is not None:
        query = query.where(StaffAlert.ticket_id == ticket.id)
    return session.scalars(query.order_by(StaffAlert.id)).all()


def test_warnings_and_breaches_are_marked_once_with_one_escalation_each(db_session, clocked):
    warning = clocked(due="2026-11-25T15:00+07:00", warn="2026-11-25T09:00+07:00")
    breach = clocked(due="2026-11-25T09:30+07:00", warn="2026-11-24T15:00+07:00")
    calm = clocked(due="2026-11-27T15:00+07:00", warn="2026-11-26T15:00+07:00")

    result = sweep.sweep(at(WED_10))

    assert (result.warned, result.breached, result.escalated_supervisor) == (2, 1, 0)
    assert warning.sla.warned_at == at(WED_10) and warning.sla.breached_at is None
    assert breach.sla.breached_at == at(WED_10) and breach.sla.warned_at == at(WED_10)
    assert (warning.sla.escalation_level, breach.sla.escalation_level) == (1, 2)
    assert calm.sla.warned_at is None and calm.sla.escalation_level == 0
    # a ticket that breaches in the same sweep skips the warning level
    assert escalations(db_session) == sorted([(warning.id, "warning"), (breach.id, "breach")])


def test_a_second_sweep_changes_nothing_and_escalates_nothing_again(db_session, clocked, make):
    ticket = clocked(due="2026-11-25T09:30+07:00", assignee=make.user())
    sweep.sweep(at(WED_10))
    before = (escalations(db_session), len(alerts(db_session)))

    again = sweep.sweep(at(WED_10) + timedelta(minutes=1))

    assert again == sweep.SweepResult(0, 0, 0, 0)
    assert (escalations(db_session), len(alerts(db_session))) == before
    assert ticket.sla.breached_at == at(WED_10)


def test_a_warning_goes_to_the_assignee(db_session, clocked, make):
    agent = make.user()
    ticket = clocked(due="2026-11-25T15:00+07:00", warn="2026-11-25T09:00+07:00", assignee=agent)
    make.district_staff(ticket.district)              # not told: the ticket has an owner
    sweep.sweep(at(WED_10))
    [alert] = alerts(db_session, ticket)
    assert (alert.user_id, alert.kind) == (agent.id, "sla_warning")
    assert alert.text == f"Phiếu {ticket.code} sắp đến hạn xử lý"


def test_an_unassigned_warning_goes_to_the_districts_active_staff(db_session, clocked, make):
    ticket = clocked(due="2026-11-25T15:00+07:00", warn="2026-11-25T09:00+07:00", assignee=None)
    staff = [make.district_staff(ticket.district) for _ in range(2)]
    make.district_staff(ticket.district, is_active_account=False)
    make.district_staff(make.district())              # another district
    sweep.sweep(at(WED_10))
    assert sorted(a.user_id for a in alerts(db_session, ticket)) == sorted(u.id for u in staff)


def test_a_breach_goes_to_the_district_head_and_the_assignee(db_session, clocked, make):
    district = make.district()
    head = make.district_staff(district, is_district_head=True)
    make.district_staff(make.district(), is_district_head=True)     # another district's head
    agent = make.user()
    ticket = clocked(due="2026-11-25T09:30+07:00", assignee=agent,
                     ward=make.ward(district=district), district=district)
    result = sweep.sweep(at(WED_10))
    got = sorted((a.user_id, a.kind) for a in alerts(db_session, ticket))
    assert got == sorted([(head.id, "sla_breach"), (agent.id, "sla_breach")])
    assert result.alerts == 2


def test_a_head_who_is_also_the_assignee_is_told_once(db_session, clocked, make):
    district = make.district()
    head = make.district_staff(district, is_district_head=True)
    ticket = clocked(due="2026-11-25T09:30+07:00", assignee=head,
                     ward=make.ward(district=district), district=district)
    sweep.sweep(at(WED_10))
    assert [a.user_id for a in alerts(db_session, ticket)] == [head.id]


def test_supervisors_hear_of_a_ticket_still_open_half_a_budget_after_its_breach(
        db_session, clocked, make):
    bosses = [make.user(role=Role.SUPERVISOR) for _ in range(2)]
    make.user(role=Role.SUPERVISOR, is_active_account=False)
    ticket = clocked(due="2026-11-24T20:00+07:00", budget_hours=24)   # + 12 h = 25/11 08:00
    sweep.sweep(at("2026-11-25T07:00+07:00"))
    assert escalations(db_session, ticket) == [(ticket.id, "breach")]

    result = sweep.sweep(at("2026-11-25T08:00+07:00"))

    assert result.escalated_supervisor == 1 and ticket.sla.escalation_level == 3
    assert escalations(db_session, ticket) == [(ticket.id, "breach"), (ticket.id, "supervisor")]
    told = sorted(a.user_id for a in alerts(db_session, ticket) if a.kind == "sla_supervisor")
    assert told == sorted(u.id for u in bosses)
    assert sweep.sweep(at("2026-11-25T09:00+07:00")).escalated_supervisor == 0


def test_a_moved_deadline_that_breaches_again_does_not_escalate_twice(db_session, clocked, make):
    ticket = clocked(due="2026-11-25T09:30+07:00", assignee=make.user())
    sweep.sweep(at(WED_10))
    count = len(alerts(db_session))
    # a calendar change moves the deadline out: the clock clears the breach ...
    ticket.sla.due_at, ticket.sla.breached_at = at("2026-11-25T11:00+07:00"), None
    db_session.flush()

    result = sweep.sweep(at("2026-11-25T11:30+07:00"))     # ... and it breaches again

    assert result.breached == 1 and ticket.sla.breached_at == at("2026-11-25T11:30+07:00")
    assert escalations(db_session, ticket) == [(ticket.id, "breach")]
    assert len(alerts(db_session)) == count and result.alerts == 0


def test_paused_and_stopped_clocks_are_never_warned_or_breached(db_session, clocked):
    paused = clocked(due="2026-11-20T09:00+07:00", paused=True)
    stopped = clocked(due="2026-11-20T09:00+07:00", stopped=True)
    assert sweep.sweep(at(WED_10)) == sweep.SweepResult(0, 0, 0, 0)
    for ticket in (paused, stopped):
        assert ticket.sla.breached_at is None and ticket.sla.warned_at is None
    assert escalations(db_session) == []


@pytest.mark.parametrize("now, visible", [
    ("2026-11-21T22:00+07:00", "2026-11-23T08:00+07:00"),    # Saturday night → Monday 08:00
    ("2026-11-25T12:30+07:00", "2026-11-25T13:00+07:00"),    # weekday lunch → 13:00
    ("2026-11-25T10:00+07:00", "2026-11-25T10:00+07:00"),    # weekday office hours → now
    ("2026-11-23T17:00+07:00", "2026-11-25T08:00+07:00"),    # Mon 17:00; 24/11 is a holiday
])
def test_alerts_outside_office_hours_wait_for_the_next_office_hour(
        db_session, clocked, make, now, visible):
    ticket = clocked(due=at(now) - timedelta(minutes=5), assignee=make.user())
    sweep.sweep(at(now))
    [alert] = alerts(db_session, ticket)
    assert alert.visible_from == at(visible) and alert.created_at == at(now)


def test_outage_alerts_are_visible_at_once_even_on_saturday_night(db_session, clocked, make):
    now = at("2026-11-21T22:00+07:00")
    ticket = clocked(due=now - timedelta(minutes=5), type="outage", assignee=make.user())
    sweep.sweep(now)
    assert [a.visible_from for a in alerts(db_session, ticket)] == [now]


def test_sla_sweep_command_prints_the_counts_as_json(app, db_session, clocked, make):
    clocked(due="2026-11-25T09:30+07:00", assignee=make.user())
    result = app.test_cli_runner().invoke(sla_cli, ["sweep", "--now", WED_10])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"warned": 1, "breached": 1,
                                         "escalated_supervisor": 0, "alerts": 1}


def test_the_sweep_runs_every_minute_and_the_supervisor_level_every_five():
    from crm.core import schedule

    jobs = {p.name: (p.path, p.every) for p in schedule.PERIODIC}
    assert jobs["sla_sweep"] == ("workflows.sla.jobs.sweep_sla", 60)
    assert jobs["sla_supervisor"] == ("workflows.sla.jobs.escalate_to_supervisors", 300)


def test_the_minute_job_leaves_the_supervisor_level_to_the_five_minute_job(
        db_session, clocked, make, monkeypatch):
    from workflows.sla import jobs

    make.user(role=Role.SUPERVISOR)
    ticket = clocked(due="2026-11-24T08:00+07:00", budget_hours=8)    # + 4 h long past
    monkeypatch.setattr(sweep, "utcnow", lambda: at(WED_10))
    assert jobs.sweep_sla() == {"warned": 1, "breached": 1, "escalated_supervisor": 0,
                                "alerts": 0}
    assert jobs.escalate_to_supervisors()["escalated_supervisor"] == 1
    assert escalations(db_session, ticket) == [(ticket.id, "breach"), (ticket.id, "supervisor")]
