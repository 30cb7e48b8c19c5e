"""`bills import`: bills from CSV, line-numbered errors, one notice per bill in the outbox
with this month, last month and the same month last year, resumable queueing, the command."""
import io
import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from crm.billing import bills
from crm.billing.bills_csv import parse_amount
from crm.core import queue, settings
from crm.models import Bill, BillImport, ImportStatus, Notification, Reading, utcnow

TODAY = date(2026, 11, 23)


def run(text: str, **kw):
    return bills.import_bills(io.BytesIO(text.encode("utf-8")), filename="hd.csv",
                              today=TODAY, **kw)


def notices(session, customer=None):
    query = sa.select(Notification).where(Notification.event == "bill").order_by(Notification.id)
    if customer is not None:
        query = query.where(Notification.customer_id == customer.id)
    return session.scalars(query).all()


@pytest.fixture
def customers(make):
    return [make.customer(name=f"Khách hàng {n}") for n in range(3)]


def test_each_bill_queues_one_notice_with_last_month_and_last_year(db_session, customers,
                                                                  monkeypatch):
    # The outbox row is what this test is about: keep the dispatcher (which would try the
    # unconfigured channels in-process and fail the notice) from running after commit.
    monkeypatch.setattr(queue, "dispatch", lambda call, app=None: None)
    a, b, c = customers
    run(f"{a.code},2026-09,150,300.000,15/10/2026\n")              # last month: a bill
    db_session.add(Reading(customer_id=a.id, period="2025-10", kwh=120))   # last year: reading
    db_session.add(Reading(customer_id=b.id, period="2026-09", kwh=90))
    db_session.flush()
    run_, summary = run("mã KH,kỳ,kWh,số tiền,hạn thanh toán\n"
                        f"{a.code},2026-10,180,\"1.234.567\",25/11/2026\n"
                        f"{b.code},2026-10,100,250000 đ,2026-11-25\n")
    assert summary.as_dict() == {"rows": 2, "imported": 2, "existing": 0, "queued": 2,
                                 "skipped": 0, "errors": []}
    assert run_.status == ImportStatus.DONE and run_.percent == 100
    [_, notice] = notices(db_session, a)                 # September's, then October's
    assert notice.key == f"bill:{a.id}:2026-10"
    assert notice.status == "queued" and notice.urgent is False and notice.ticket_id is None
    assert notice.context == {
        "ma_khach_hang": a.code, "ten_khach_hang": "Khách hàng 0", "ky": "10/2026",
        "kwh": 180, "so_tien": 1234567, "han_thanh_toan": "2026-11-25",
        "ky_truoc": "09/2026", "kwh_ky_truoc": 150, "so_tien_ky_truoc": 300000,
        "ky_nam_truoc": "10/2025", "kwh_ky_nam_truoc": 120, "so_tien_ky_nam_truoc": None}
    [other] = notices(db_session, b)
    assert (other.context["kwh_ky_truoc"], other.context["so_tien_ky_truoc"],
            other.context["kwh_ky_nam_truoc"]) == (90, None, None)
    bill = db_session.scalar(sa.select(Bill).where(Bill.customer_id == b.id,
                                                   Bill.period == "2026-10"))
    assert (bill.kwh, bill.amount, bill.due_on) == (100, 250000, date(2026, 11, 25))
    assert run_.queued_through_id >= bill.id


def test_bad_rows_are_reported_by_line_and_the_rest_goes_on(db_session, customers):
    a, b, c = customers
    _, summary = run(f"{a.code},2026-10,180,1000,25/11/2026\n"
                     "PC99ZZ0000001,2026-10,5,1000,25/11/2026\n"
                     f"{b.code},2026-10,180,12abc,25/11/2026\n"
                     f"{a.code},2026-10,190,2000,25/11/2026\n"
                     f"{c.code},2026-10,-3,1000,25/11/2026\n"
                     f"{c.code},2026-10,30,1000,31/02/2026\n"
                     f"{b.code},2026-10,20\n"
                     f"{c.code},2026-10,30,1000,25/11/2026\n")
    assert summary.rows == 8 and summary.imported == 2 and summary.skipped == 6
    assert [(e.line, e.error) for e in summary.errors] == [
        (2, "Không có khách hàng mã PC99ZZ0000001."),
        (3, "Số tiền \"12abc\" không hợp lệ (cần số đồng, ví dụ 1.234.567)."),
        (4, "Trùng khách hàng và kỳ với dòng 1."),
        (5, "Sản lượng -3 kWh âm."),
        (6, "Hạn thanh toán \"31/02/2026\" không hợp lệ (cần dd/mm/yyyy)."),
        (7, "Thiếu cột: cần mã khách hàng, kỳ (YYYY-MM), sản lượng kWh, số tiền và hạn "
            "thanh toán.")]
    assert [n.customer_id for n in notices(db_session)] == [a.id, c.id]
    assert db_session.scalar(sa.select(Bill.amount).where(Bill.customer_id == a.id)) == 1000


def test_importing_the_same_file_again_adds_and_sends_nothing(db_session, customers):
    text = "".join(f"{c.code},2026-10,100,1000,25/11/2026\n" for c in customers)
    run(text)
    _, again = run(text)
    assert (again.imported, again.existing, again.queued) == (0, 3, 0)
    assert len(notices(db_session)) == 3


def waiting_import(session, customers) -> BillImport:
    """An import whose bills are written and whose notices are still to queue."""
    run_ = BillImport(filename="hd.csv", status=ImportStatus.RUNNING, bills_total=len(customers))
    session.add(run_)
    session.flush()
    for c in customers:
        session.add(Bill(customer_id=c.id, period="2026-10", kwh=1, amount=1, due_on=TODAY,
                         import_id=run_.id))
    session.flush()
    return run_


def test_a_stopped_run_is_resumed_without_doubles(db_session, customers, monkeypatch):
    run_ = waiting_import(db_session, customers)
    real, done = bills._queue_batch, []

    def killed_after_one_batch(*args):
        if done:
            raise RuntimeError("worker killed")
        done.append(real(*args))
        return done[-1]

    monkeypatch.setattr(bills, "_queue_batch", killed_after_one_batch)
    with pytest.raises(RuntimeError):
        bills.queue_bill_notices(run_.id, batch=1)
    db_session.rollback()                      # what the dying worker's transaction does
    assert len(notices(db_session)) == 1 and run_.notices_queued == 1
    monkeypatch.setattr(bills, "_queue_batch", real)
    assert bills.queue_bill_notices(run_.id, batch=1) == 2
    assert len(notices(db_session)) == 3 and run_.notices_queued == 3
    assert bills.queue_bill_notices(run_.id) == 0
    assert run_.status == ImportStatus.DONE and run_.percent == 100


def test_queueing_paces_the_notices_per_minute(db_session, customers):
    settings.put("bill_notices_per_minute", 2)
    settings.put("notification_quiet_hours", ["00:00", "00:00"])       # none
    run_ = waiting_import(db_session, customers)
    assert bills.queue_bill_notices(run_.id, batch=1) == 3
    due = [n.next_attempt_at for n in notices(db_session)]
    assert due[1] == due[0] and due[2] - due[0] == timedelta(minutes=1)
    assert due[0] >= utcnow() - timedelta(minutes=1)


def test_notices_made_in_quiet_hours_wait_for_the_morning(db_session, customers):
    settings.put("notification_quiet_hours", ["00:00", "23:59"])        # almost always quiet
    run_ = waiting_import(db_session, customers[:1])
    bills.queue_bill_notices(run_.id)
    [notice] = notices(db_session)
    assert notice.next_attempt_at > utcnow()


@pytest.mark.parametrize("text, value", [
    ("1234567", 1234567), ("1.234.567", 1234567), ("1,234,567", 1234567),
    ("1 234 567 đ", 1234567), ("250000 VND", 250000)])
def test_amounts_in_the_ways_vietnamese_files_write_them(text, value):
    assert parse_amount(text) == value


@pytest.mark.parametrize("text", ["12,5", "1.23.456", "-5", "abc", "1.234,567"])
def test_malformed_amounts_are_refused(text):
    assert isinstance(parse_amount(text), str)


@pytest.fixture
def runner(app, db_session):
    return app.test_cli_runner()


def test_the_command_prints_one_json_line_and_shows_progress(runner, db_session, customers,
                                                             tmp_path):
    path = tmp_path / "hoa_don.csv"
    last = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    path.write_bytes(("\ufeffmã kh;kỳ;kWh;tiền;hạn\n"
                      f"{customers[0].code};{last};5;10.000;25/11/2026\nX;{last};5;1;25/11/2026\n")
                     .encode("utf-8"))
    result = runner.invoke(args=["bills", "import", str(path)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out.pop("import") > 0
    assert out == {"rows": 2, "imported": 1, "existing": 0, "queued": 1, "skipped": 1,
                   "errors": [{"line": 3, "error": "Không có khách hàng mã X."}]}
    assert result.stdout.count("\n") == 1 and "Đọc tệp" in result.stderr
    missing = runner.invoke(args=["bills", "import", str(tmp_path / "missing.csv")])
    assert missing.exit_code == 1 and "missing.csv" in missing.stderr
