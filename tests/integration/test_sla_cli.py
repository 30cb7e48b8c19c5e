"""DESIGN's six worked examples, through `flask sla due` and the calendar commands."""
import pytest

CASES = [
    # area, received, pauses, calendar commands, due
    ("urban", "2026-11-20T15:00", [], [], "2026-11-26T15:00:00+07:00"),
    ("rural", "2026-02-11T10:00", [], [], "2026-02-25T10:00:00+07:00"),
    ("urban", "2026-11-21T20:00", [], [], "2026-11-26T17:00:00+07:00"),
    ("urban", "2026-11-23T08:00", ["2026-11-23T12:00..2026-11-26T08:00"], [],
     "2026-11-30T12:00:00+07:00"),
    ("urban", "2026-11-23T08:00", ["2026-11-23T12:00..2026-11-26T08:00"],
     [["calendar", "day-off", "2026-11-27"]], "2026-12-01T12:00:00+07:00"),
    ("urban", "2026-11-20T15:00", [], [["calendar", "working-day", "2026-11-21"]],
     "2026-11-25T15:00:00+07:00"),
]


@pytest.fixture
def cli(app, db_session):
    runner = app.test_cli_runner()

    def run(*args):
        result = runner.invoke(args=list(args))
        return result.exit_code, result.output.strip()
    return run


@pytest.mark.parametrize("area, received, pauses, commands, due", CASES)
def test_the_worked_examples_come_out_exactly(cli, area, received, pauses, commands, due):
    for command in commands:
        assert cli(*command)[0] == 0
    args = ["sla", "due", "--type", "new_connection", "--subtype", "low_voltage",
            "--area", area, "--received", received]
    for pause in pauses:
        args += ["--pause", pause]
    assert cli(*args) == (0, due)


def test_an_outage_runs_around_the_clock_across_midnight(cli):
    assert cli("sla", "due", "--type", "outage", "--area", "urban",
               "--received", "2026-11-23T23:30+07:00") == (0, "2026-11-24T01:30:00+07:00")


def test_a_received_time_in_utc_gives_the_same_instant(cli):
    assert cli("sla", "due", "--type", "new_connection", "--subtype", "low_voltage", "--area",
               "urban", "--received", "2026-11-20T08:00Z")[1] == "2026-11-26T15:00:00+07:00"


@pytest.mark.parametrize("args, reason", [
    (["--type", "nope", "--area", "urban", "--received", "2026-11-20T15:00"], "no SLA policy"),
    (["--type", "outage", "--area", "urban", "--received", "20/11/2026"], "Invalid value"),
    (["--type", "outage", "--area", "city", "--received", "2026-11-20T15:00"], "Invalid value"),
    (["--type", "outage", "--area", "urban", "--received", "2026-11-20T15:00",
      "--pause", "2026-11-20T16:00"], "FROM..UNTIL"),
    (["--type", "outage", "--area", "urban", "--received", "2026-11-20T15:00",
      "--pause", "2026-11-20T16:00.."], "paused"),
])
def test_bad_input_is_a_clear_error(cli, args, reason):
    code, output = cli("sla", "due", *args)
    assert code != 0 and reason in output


def test_a_bad_calendar_date_is_refused_and_nothing_changes(cli, db_session):
    from crm.models import CalendarOverride
    code, output = cli("calendar", "day-off", "27/11/2026")
    assert code != 0 and "YYYY-MM-DD" in output
    assert db_session.query(CalendarOverride).count() == 0
