"""`flask --app wsgi sla ...` and `flask --app wsgi calendar ...`."""
from __future__ import annotations

import json
from datetime import date, timedelta

import click
from flask import Flask
from flask.cli import AppGroup

from crm.core.timefmt import iso, local, parse_local
from crm.extensions import db
from crm.models import AreaType, CalendarDayKind
from workflows.sla import clock, store, sweep
# Imported for its side effect: the periodic sweep joins the schedule when the app starts
# (this module is one of the app's CLI modules, so every process imports it).
from workflows.sla import jobs  # noqa: F401
from workflows.sla.policies import find_policy

sla_cli = AppGroup("sla", help="SLA: due times, recompute, sweep.")
calendar_cli = AppGroup("calendar", help="Working-day calendar: days off and make-up days.")


def _pause(text: str) -> tuple:
    """FROM..UNTIL in ISO 8601 (no offset means Vietnam time); UNTIL may be empty (still paused)."""
    start, sep, end = text.partition("..")
    if not sep:
        raise click.BadParameter(f"expected FROM..UNTIL, got {text!r}")
    try:
        return parse_local(start), parse_local(end) if end else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def _received(text: str):
    try:
        return parse_local(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@sla_cli.command("due")
@click.option("--type", "type_", required=True, help="ticket type, e.g. new_connection")
@click.option("--subtype", default=None)
@click.option("--area", type=click.Choice(AreaType.values()), required=True)
@click.option("--received", required=True, help="ISO 8601, e.g. 2026-11-20T15:00+07:00")
@click.option("--pause", "pauses", multiple=True, help="FROM..UNTIL, repeatable")
def due(type_, subtype, area, received, pauses):
    """Print the due time (ISO 8601 with offset) from the policies and calendar in the database."""
    received_at = _received(received)
    intervals = [_pause(p) for p in pauses]
    policy = find_policy(type_, subtype, area, local(received_at).date())
    if policy is None:
        raise click.ClickException(f"no SLA policy for {type_}/{subtype or '*'}/{area}")
    deadline = clock.due_times(policy.clock, timedelta(minutes=policy.duration_minutes),
                               policy.warn_percent, received_at, intervals)
    if deadline.due_at is None:
        raise click.ClickException("the clock is paused (a pause has no end): no due time")
    click.echo(iso(deadline.due_at))


@sla_cli.command("recompute")
def recompute():
    """Recompute the due time of every open ticket (after a policy or calendar change)."""
    count = clock.recompute_open()
    db.session.commit()
    click.echo(f"{count} open tickets recomputed")


@sla_cli.command("sweep")
@click.option("--now", "now_text", default=None,
              help="sweep as of this ISO 8601 time (default: now)")
def sweep_command(now_text):
    """One pass of warnings, breaches and escalations; prints the counts as one line of JSON."""
    result = sweep.sweep(_received(now_text) if now_text else None)
    db.session.commit()
    click.echo(json.dumps(result.as_dict()))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {text!r}") from exc


def _set(day_text: str, kind: CalendarDayKind, name: str | None) -> None:
    day = _day(day_text)
    store.set_day(day, kind, name)
    count = clock.recompute_open()
    db.session.commit()
    click.echo(f"{day.isoformat()}: {kind} ({count} open tickets recomputed)")


@calendar_cli.command("day-off")
@click.argument("day")
@click.option("--name", default=None, help="what the day is, e.g. 'Nghỉ bù'")
def day_off(day, name):
    """Add an extra day off (YYYY-MM-DD)."""
    _set(day, CalendarDayKind.DAY_OFF, name)


@calendar_cli.command("working-day")
@click.argument("day")
@click.option("--name", default=None)
def working_day(day, name):
    """Add a make-up working day (YYYY-MM-DD), e.g. a Saturday."""
    _set(day, CalendarDayKind.WORKING_DAY, name)


@calendar_cli.command("clear")
@click.argument("day")
def clear(day):
    """Give a day back to the national calendar."""
    try:
        store.clear_day(_day(day))
    except store.CalendarError as exc:
        raise click.ClickException(str(exc)) from exc
    count = clock.recompute_open()
    db.session.commit()
    click.echo(f"{day}: national calendar ({count} open tickets recomputed)")


def init_app(app: Flask) -> None:
    app.cli.add_command(sla_cli)
    app.cli.add_command(calendar_cli)
