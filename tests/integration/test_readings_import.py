"""`readings import`: the ±30 % check at its edges, one ticket per customer and period,
idempotent re-imports, line-numbered errors, the warning notice, and the command itself."""
import io
import json
import threading
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from crm.consumption import rules
from crm.consumption.importer import import_readings
from crm.core import settings
from crm.extensions import db
from crm.models import ConsumptionAlert, Message, Reading, Ticket
from tests.conftest import IS_POSTGRES

# Notices go on configured channels only: these tests expect them written.
pytestmark = pytest.mark.usefixtures("notice_channels")

TODAY = date(2026, 11, 23)


def run(text: str, **kw):
    return import_readings(io.BytesIO(text.encode("utf-8")), today=TODAY, **kw)


def reading(session, customer, period) -> Reading:
    return session.scalar(sa.select(Reading).where(Reading.customer_id == customer.id,
                                                   Reading.period == period))


def count(session, model, *where) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def abnormal_tickets(session, customer) -> list[Ticket]:
    return session.scalars(sa.select(Ticket).where(
        Ticket.customer_id == customer.id, Ticket.type == "meter_inspection",
        Ticket.subtype == "abnormal_consumption")).all()


@pytest.fixture
def customers(make):
    return [make.customer(name=f"Khách hàng {n}") for n in range(6)]


def with_september(customers, kwh=(1000, 1000, 1000, 0, 0, 1000)):
    """September readings for the customers (the fifth has none: a first reading)."""
    return "".join(f"{c.code},2026-09,{k}\n" for i, (c, k) in enumerate(zip(customers, kwh))
                   if i != 4)


def test_the_thirty_percent_rule_at_its_edges(db_session, customers):
    run(with_september(customers))
    a, b, c, d, e, f = customers
    summary = run(f"{a.code},2026-10,1299\n{b.code},2026-10,1300\n{c.code},2026-10,700\n"
                  f"{d.code},2026-10,5\n{e.code},2026-10,400\n{f.code},2026-10,701\n")
    got = {cu.code: reading(db_session, cu, "2026-10") for cu in customers}
    assert [got[cu.code].is_flagged for cu in customers] == [False, True, True, True, False,
                                                             False]
    assert [got[cu.code].change_percent for cu in customers] == [
        Decimal("29.9"), Decimal("30.0"), Decimal("-30.0"), None, None, Decimal("-29.9")]
    assert summary.flagged == 3 and summary.tickets == 3 and summary.imported == 6
    assert [len(abnormal_tickets(db_session, cu)) for cu in customers] == [0, 1, 1, 1, 0, 0]


def test_the_sql_and_the_python_rule_agree(db_session, make):
    cases = [(1000, 1299), (1000, 1300), (1000, 700), (1000, 701), (3, 4), (3, 2), (7, 9),
             (0, 0), (0, 1), (1, 0), (2147483647, 0), (1, 2147483647), (999, 1298)]
    people = [make.customer() for _ in cases]
    run("".join(f"{p.code},2026-09,{before}\n" for p, (before, _) in zip(people, cases)))
    run("".join(f"{p.code},2026-10,{after}\n" for p, (_, after) in zip(people, cases)))
    for person, (before, after) in zip(people, cases):
        row = reading(db_session, person, "2026-10")
        assert row.is_flagged == rules.is_abnormal(after, before, 30), (before, after)
        assert row.change_percent == rules.change_percent(after, before), (before, after)


def test_the_threshold_is_an_admin_setting(db_session, customers):
    settings.put("consumption_change_percent", 50)
    run(with_september(customers))
    run(f"{customers[0].code},2026-10,1400\n{customers[1].code},2026-10,1500\n")
    assert not reading(db_session, customers[0], "2026-10").is_flagged
    assert reading(db_session, customers[1], "2026-10").is_flagged


def test_the_previous_period_may_come_from_the_same_file_and_gaps_use_the_last_known(
        db_session, customers):
    a, b = customers[:2]
    summary = run(f"{a.code},2026-08,100\n{a.code},2026-09,200\n{b.code},2026-06,100\n"
                  f"{b.code},2026-10,110\n")
    assert reading(db_session, a, "2026-09").change_percent == Decimal("100.0")
    assert reading(db_session, a, "2026-08").change_percent is None
    assert reading(db_session, b, "2026-10").change_percent == Decimal("10.0")
    alert = db_session.scalar(sa.select(ConsumptionAlert))
    assert (alert.customer_id, alert.period, alert.previous_period, alert.previous_kwh) == (
        a.id, "2026-09", "2026-08", 100)
    assert summary.flagged == 1 and summary.rows == 4


def test_a_reimport_changes_nothing_and_creates_nothing_twice(db_session, customers):
    text = with_september(customers) + "".join(f"{c.code},2026-10,{2000 + i}\n"
                                               for i, c in enumerate(customers))
    first = run(text)
    state = [(count(db_session, m)) for m in (Reading, Ticket, ConsumptionAlert, Message)]
    checked = {r.id: r.checked_at for r in db_session.scalars(sa.select(Reading))}
    second = run(text)
    assert [(count(db_session, m)) for m in (Reading, Ticket, ConsumptionAlert, Message)] == state
    assert {r.id: r.checked_at for r in db_session.scalars(sa.select(Reading))} == checked
    assert (first.rows, first.imported, first.unchanged, first.flagged, first.tickets) == (
        11, 11, 0, 5, 5)
    assert (second.rows, second.imported, second.unchanged, second.flagged, second.tickets) == (
        11, 0, 11, 5, 0)


def test_a_corrected_kwh_replaces_the_reading_and_is_checked_again(db_session, customers):
    a = customers[0]
    run(f"{a.code},2026-09,1000\n{a.code},2026-10,2000,31/10/2026\n")
    summary = run(f"{a.code},2026-10,1100\n")
    row = reading(db_session, a, "2026-10")
    assert (row.kwh, row.is_flagged, row.change_percent, row.read_on) == (
        1100, False, Decimal("10.0"), date(2026, 10, 31))
    assert summary.imported == 1 and summary.flagged == 0
    run(f"{a.code},2026-10,2500\n")          # abnormal again: the first ticket still stands
    assert reading(db_session, a, "2026-10").is_flagged
    assert len(abnormal_tickets(db_session, a)) == 1


def test_one_ticket_per_customer_and_period_is_enforced_by_the_database(db_session, customers):
    run(f"{customers[0].code},2026-09,10\n{customers[0].code},2026-10,20\n")
    alert = db_session.scalar(sa.select(ConsumptionAlert))
    with pytest.raises(sa.exc.IntegrityError), db_session.begin_nested():
        db_session.add(ConsumptionAlert(customer_id=alert.customer_id, period=alert.period,
                                        kwh=1, previous_period="2026-09", previous_kwh=1))
        db_session.flush()


def test_the_ticket_goes_to_the_customers_district_with_the_figures(db_session, customers):
    a = customers[0]
    run(f"{a.code},2026-09,1000\n{a.code},2026-10,1355\n")
    [ticket] = abnormal_tickets(db_session, a)
    assert ticket.district_id == a.ward.district_id and ticket.channel == "system"
    assert "10/2026" in ticket.subject and "1.355 kWh" in ticket.subject
    assert ticket.details["consumption"] == {
        "period": "2026-10", "kwh": 1355, "previous_period": "2026-09", "previous_kwh": 1000,
        "change_percent": 35.5}
    alert = db_session.scalar(sa.select(ConsumptionAlert))
    assert alert.ticket_id == ticket.id


def test_the_customer_is_warned_with_both_figures_and_the_change(db_session, customers):
    a, b, c = customers[:3]
    run(f"{a.code},2026-09,1000\n{b.code},2026-09,1000\n{c.code},2026-09,0\n")
    run(f"{a.code},2026-10,1355\n{b.code},2026-10,650\n{c.code},2026-10,80\n")
    texts = {}
    for customer in (a, b, c):
        [ticket] = abnormal_tickets(db_session, customer)
        [message] = db_session.scalars(sa.select(Message).where(Message.ticket_id == ticket.id))
        assert message.direction == "outbound" and message.meta["event"] == "abnormal_consumption"
        assert message.address == customer.phone
        texts[customer.code] = (message.body, ticket.code)
    body, code = texts[a.code]
    assert body == (f"San luong ky 10/2026: 1.355 kWh, tang 36 % so voi ky truoc. Dien luc "
                    f"se phuc tra chi so, ma {code}.")                 # by SMS: unaccented
    assert "giam 35 % so voi ky truoc" in texts[b.code][0]
    assert "San luong ky 10/2026: 80 kWh, ky truoc 0 kWh." in texts[c.code][0]


def test_every_bad_row_is_skipped_with_its_line_number_and_nothing_else_is_lost(
        db_session, customers):
    a, b = customers[:2]
    text = ("ma_kh,ky,kwh,ngay_ghi\n"
            f"{a.code},2026-10,100,31/10/2026\n"       # 2 good
            "PC05ZZ9999999,2026-10,100\n"              # 3 unknown customer
            f"{a.code},2026-10,120\n"                  # 4 duplicate of line 2
            f"{b.code},2026-13,100\n"                  # 5 bad period
            f"{b.code},2026-12,100\n"                  # 6 future period
            f"{b.code},2026-10,-1\n"                   # 7 negative
            f"{b.code},2026-10,mười\n"                 # 8 not a number
            f"{b.code},2026-10,100,01/12/2026\n"       # 9 future date
            f"{b.code}\n"                              # 10 missing columns
            f"{b.code},2026-10,90\n")                  # 11 good
    summary = run(text)
    errors = summary.as_dict()["errors"]
    assert [e["line"] for e in errors] == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "PC05ZZ9999999" in errors[0]["error"] and "dòng 2" in errors[1]["error"]
    assert (summary.rows, summary.imported, summary.skipped) == (10, 2, 8)
    assert reading(db_session, a, "2026-10").kwh == 100
    assert reading(db_session, b, "2026-10").kwh == 90


def test_errors_are_capped_at_one_hundred_but_all_are_counted(db_session, customers):
    text = "".join(f"PC05ZZ{n:07d},2026-10,1\n" for n in range(150))
    text += "".join(f"{customers[0].code},2026-{m:02d},1,xx\n" for m in range(1, 11))
    summary = run(text).as_dict()
    assert summary["skipped"] == 160 and len(summary["errors"]) == 100
    assert [e["line"] for e in summary["errors"]] == list(range(1, 101))


@pytest.fixture
def runner(app, db_session):
    return app.test_cli_runner()


def test_the_command_prints_one_json_line_and_the_progress_goes_to_stderr(
        runner, db_session, customers, tmp_path):
    path = tmp_path / "chi_so.csv"
    path.write_bytes(("\ufeffmã kh;kỳ;kWh\n" + f"{customers[0].code};2026-10;5\n"
                      "X;2026-10;5\n").encode("utf-8"))
    result = runner.invoke(args=["readings", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "rows": 2, "imported": 1, "unchanged": 0, "flagged": 0, "tickets": 0, "skipped": 1,
        "errors": [{"line": 3, "error": "Không có khách hàng mã X."}]}
    assert result.stdout.count("\n") == 1 and "Đọc tệp" in result.stderr


def test_the_command_fails_only_when_the_file_cannot_be_read(runner, db_session, tmp_path):
    result = runner.invoke(args=["readings", "import", str(tmp_path / "missing.csv")])
    assert result.exit_code == 1 and "missing.csv" in result.stderr
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes("PC05AA0000001,2026-10,5\n".encode("utf-16"))
    result = runner.invoke(args=["readings", "import", str(utf16)])
    assert result.exit_code == 1 and "UTF-8" in result.stderr
    assert count(db_session, Reading) == 0


@pytest.mark.skipif(not IS_POSTGRES, reason="concurrent writers need PostgreSQL")
def test_concurrent_imports_of_one_file_open_one_ticket_per_customer_and_period(
        app, committed_db):
    from tests import factories
    make = factories.Factories(committed_db)
    people = [make.customer() for _ in range(40)]
    committed_db.commit()
    text = "".join(f"{p.code},2026-09,100\n{p.code},2026-10,{200 + i}\n"
                   for i, p in enumerate(people))
    errors = []

    def worker():
        with app.app_context():
            try:
                run(text)
            except Exception as exc:      # reported below: the assertion names it
                errors.append(exc)
            finally:
                db.session.remove()
    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert count(db.session, ConsumptionAlert) == 40
        assert count(db.session, Ticket, Ticket.subtype == "abnormal_consumption") == 40
        assert count(db.session, ConsumptionAlert, ConsumptionAlert.ticket_id.is_(None)) == 0
        db.session.remove()


def test_a_ticket_budget_stops_between_chunks_and_the_periodic_job_opens_the_rest(
        db_session, customers, monkeypatch):
    from types import SimpleNamespace

    from crm.consumption import jobs, tickets
    readings_text = "".join(f"{c.code},2026-09,100\n{c.code},2026-10,300\n"
                            for c in customers[:3])
    ticks = iter([0.0, 0.0, 5.0])          # start, before chunk 1, before chunk 2
    monkeypatch.setattr(tickets, "CHUNK", 1)
    monkeypatch.setattr(tickets, "time", SimpleNamespace(monotonic=lambda: next(ticks)))
    summary = run(readings_text, ticket_seconds=1)
    assert (summary.flagged, summary.tickets, tickets.pending_count()) == (3, 1, 2)
    monkeypatch.undo()
    jobs.open_pending_tickets()
    assert tickets.pending_count() == 0
    assert [len(abnormal_tickets(db_session, c)) for c in customers[:3]] == [1, 1, 1]
