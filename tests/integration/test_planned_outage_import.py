"""`flask outages import FILE.csv`: good rows saved, bad rows reported by line, idempotent."""
import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from crm.models import (AuditEvent, Message, NoticeKind, PlannedOutage, PlannedOutageNotice,
                        PlannedOutageStatus, WardAssignment)
from crm.planned_outages import notices
from tests.support.planned_outages import at, csv_text, day, stamp, with_meter, world

# Notices go on configured channels only: these tests expect them written.
pytestmark = pytest.mark.usefixtures("notice_channels")


@pytest.fixture
def runner(app, db_session):
    return app.test_cli_runner()


@pytest.fixture
def w(make):
    return world(make)


def run_import(runner, tmp_path, text, name="lich.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    result = runner.invoke(args=["outages", "import", str(path)])
    return result, json.loads(result.stdout.strip().splitlines()[-1])


def outages(session):
    return session.scalars(sa.select(PlannedOutage).order_by(PlannedOutage.id)).all()


def test_good_rows_are_imported_with_their_wards_feeders_and_local_times(runner, tmp_path, w,
                                                                         db_session):
    text = csv_text(
        f"PC09AA,PC09AA-W01;pc09aa-w02,,{stamp(10, 8)},{stamp(10, 16)},Bảo dưỡng đường dây,KH-1",
        f"pc09aa,,471E12; TBA-07,{day(11):%Y-%m-%d}T07:30,{day(11):%Y-%m-%d}T11:00+07:00,"
        f"\"Thay cáp, sứ\",KH-2")
    result, summary = run_import(runner, tmp_path, text)
    assert result.exit_code == 0, result.output
    assert summary == {"rows": 2, "imported": 2, "skipped": 0, "errors": []}
    first, second = outages(db_session)
    assert {x.code for x in first.wards} == {"PC09AA-W01", "PC09AA-W02"}
    assert first.district_id == w.district.id and first.source_ref == "KH-1"
    assert first.status == PlannedOutageStatus.SCHEDULED and first.feeders == []
    assert second.feeder_codes == ["471E12", "TBA-07"] and second.reason == "Thay cáp, sứ"
    assert second.starts_at == at(11, 7, 30) and second.ends_at == at(11, 11)


def test_local_eight_oclock_is_stored_as_one_oclock_utc(runner, tmp_path, w, db_session):
    run_import(runner, tmp_path, csv_text(
        f"PC09AA,PC09AA-W01,,{stamp(10, 8)},{stamp(10, 16)},Bảo dưỡng,TZ-1"))
    stored = outages(db_session)[0].starts_at
    assert stored.tzinfo == timezone.utc and (stored.hour, stored.minute) == (1, 0)
    assert stored.date() == day(10)
    raw = db_session.execute(sa.text("SELECT starts_at FROM planned_outages")).scalar()
    raw = raw if isinstance(raw, datetime) else datetime.fromisoformat(raw)
    assert raw.replace(tzinfo=raw.tzinfo or timezone.utc).astimezone(timezone.utc).hour == 1


def test_each_kind_of_bad_row_is_reported_by_line_and_skipped(runner, tmp_path, w, db_session):
    good = f"{stamp(10, 8)},{stamp(10, 16)}"
    text = csv_text(
        f"PC09AA,PC09AA-W01,,{good},Bảo dưỡng,OK-1",                        # 2 good
        f"PC99ZZ,PC09AA-W01,,{good},Bảo dưỡng,BAD-1",                       # 3 unknown district
        f"PC09AA,PC09AA-W99,,{good},Bảo dưỡng,BAD-2",                       # 4 unknown ward
        f"PC09AA,PC09BB-W01,,{good},Bảo dưỡng,BAD-3",                       # 5 another district's
        f"PC09AA,PC09AA-W01,,{stamp(10, 16)},{stamp(10, 8)},Bảo dưỡng,BAD-4",  # 6 end first
        f"PC09AA,PC09AA-W01,,{stamp(-3, 8)},{stamp(-3, 16)},Bảo dưỡng,BAD-5",  # 7 past
        f"PC09AA,PC09AA-W01,,{good}",                                      # 8 missing columns
        f"PC09AA,PC09AA-W01,,31/02/2027 08:00,{stamp(10, 16)},Bảo dưỡng,BAD-7",  # 9 bad date
        f"PC09AA,PC09AA-W01,,{day(10):%d/%m/%Y},{stamp(10, 16)},Bảo dưỡng,BAD-8",  # 10 no time
        "",                                                                 # 11 blank: ignored
        f"PC09AA,,,{good},Bảo dưỡng,BAD-9",                                 # 12 no area
        f"PC09AA,PC09AA-W01,,{good},,BAD-10",                               # 13 no reason
        f"PC09AA,PC09AA-W01,,{good},Bảo dưỡng,a,b",                         # 14 extra column
    )
    result, summary = run_import(runner, tmp_path, text)
    assert result.exit_code == 0, result.output
    assert summary["rows"] == 12 and summary["imported"] == 1 and summary["skipped"] == 11
    errors = {e["line"]: e["error"] for e in summary["errors"]}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14]
    assert "PC99ZZ" in errors[3] and "PC09AA-W99" in errors[4]
    assert "không thuộc" in errors[5] and "sau thời gian bắt đầu" in errors[6]
    assert "đã qua" in errors[7] and "Thiếu cột" in errors[8]
    assert "31/02/2027" in errors[9] and "không hợp lệ" in errors[10]
    assert "xuất tuyến" in errors[12] and "reason" in errors[13] and "Thừa cột" in errors[14]
    assert [o.source_ref for o in outages(db_session)] == ["OK-1"]


def test_a_ward_is_checked_against_the_office_serving_it_on_the_outage_day(runner, tmp_path, w,
                                                                           db_session):
    """Routing with effective dates: from day 20 the ward moves to the other office."""
    db_session.add(WardAssignment(ward=w.ward, district=w.other, valid_from=day(20)))
    text = csv_text(f"PC09AA,PC09AA-W01,,{stamp(10, 8)},{stamp(10, 16)},Bảo dưỡng,A",
                    f"PC09AA,PC09AA-W01,,{stamp(25, 8)},{stamp(25, 16)},Bảo dưỡng,B",
                    f"PC09BB,PC09AA-W01,,{stamp(25, 8)},{stamp(25, 16)},Bảo dưỡng,C")
    _result, summary = run_import(runner, tmp_path, text)
    assert summary["imported"] == 2 and [e["line"] for e in summary["errors"]] == [3]


def test_importing_the_same_file_again_creates_nothing(runner, tmp_path, w, db_session):
    text = csv_text(f"PC09AA,PC09AA-W01,,{stamp(10, 8)},{stamp(10, 16)},Bảo dưỡng,KH-1",
                    f"PC09AA,PC09AA-W02,,{stamp(12, 8)},{stamp(12, 11)},Thay công tơ,")
    run_import(runner, tmp_path, text)
    result, summary = run_import(runner, tmp_path, text)
    assert result.exit_code == 0
    assert summary == {"rows": 2, "imported": 0, "skipped": 2, "errors": []}
    assert len(outages(db_session)) == 2
    assert outages(db_session)[1].source_ref.startswith("auto-")     # the natural key


def test_a_changed_time_with_the_same_reference_updates_the_outage(runner, tmp_path, w,
                                                                  db_session):
    run_import(runner, tmp_path, csv_text(
        f"PC09AA,PC09AA-W01,,{stamp(10, 8)},{stamp(10, 16)},Bảo dưỡng,KH-1"))
    _result, summary = run_import(runner, tmp_path, csv_text(
        f"PC09AA,PC09AA-W01,,{stamp(10, 13)},{stamp(10, 17)},Bảo dưỡng,KH-1"))
    assert summary["imported"] == 1 and summary["skipped"] == 0
    (outage,) = outages(db_session)
    assert (outage.starts_at, outage.ends_at) == (at(10, 13), at(10, 17))
    assert outage.revision == 1
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == "planned_outage", AuditEvent.action == "updated")) == 1


def test_a_changed_time_after_the_notices_tells_the_customers_of_the_change(
        runner, tmp_path, w, make, db_session):
    customer = make.customer(ward=w.ward)
    run_import(runner, tmp_path, csv_text(
        f"PC09AA,PC09AA-W01,,{stamp(2, 8)},{stamp(2, 16)},Bảo dưỡng,KH-1"))
    assert notices.send_due()["advance"] == 1
    db_session.commit()
    run_import(runner, tmp_path, csv_text(
        f"PC09AA,PC09AA-W01,,{stamp(3, 8)},{stamp(3, 12)},Bảo dưỡng,KH-1"))
    # the import queued the change notices for after its commit (run in-process here)
    told = db_session.scalars(sa.select(PlannedOutageNotice).where(
        PlannedOutageNotice.customer_id == customer.id).order_by(PlannedOutageNotice.id)).all()
    assert [(n.kind, n.revision) for n in told] == [(NoticeKind.ADVANCE, 0),
                                                     (NoticeKind.CHANGED, 1)]
    change = db_session.get(Message, told[1].message_id)
    assert change.ticket_id is None and change.body.startswith("DOI lich ngung cap dien")
    assert f"tu {day(3):%d/%m/%Y} 08:00 den {day(3):%d/%m/%Y} 12:00." in change.body


def test_a_row_marked_cancelled_cancels_a_scheduled_outage(runner, tmp_path, w, db_session):
    header = "district,wards,start,end,reason,reference,status"
    row = f"PC09AA,PC09AA-W01,{stamp(10, 8)},{stamp(10, 16)},Bảo dưỡng,KH-1"
    run_import(runner, tmp_path, csv_text(row + ",", header=header))
    _result, summary = run_import(runner, tmp_path, csv_text(row + ",Hủy", header=header))
    assert summary["imported"] == 1
    assert outages(db_session)[0].status == PlannedOutageStatus.CANCELLED
    _result, again = run_import(runner, tmp_path, csv_text(row + ",", header=header))
    assert again["skipped"] == 1 and outages(db_session)[0].status == "cancelled"


def test_a_file_without_a_usable_header_exits_non_zero_with_the_reason(runner, tmp_path, w):
    result, summary = run_import(runner, tmp_path, "district,start,end\nPC09AA,a,b\n")
    assert result.exit_code == 1
    assert summary["rows"] == 0 and "reason" in summary["errors"][0]["error"]


def test_a_missing_file_exits_non_zero(runner, tmp_path):
    result = runner.invoke(args=["outages", "import", str(tmp_path / "khong-co.csv")])
    assert result.exit_code != 0


def test_errors_are_capped_at_one_hundred_and_bad_utf8_is_a_row_error(runner, tmp_path, w):
    bad = [f"PC99ZZ,PC09AA-W01,,{stamp(10, 8)},{stamp(10, 16)},x,R{n}" for n in range(150)]
    raw = csv_text(*bad).encode() + "PC09AA,PC09AA-W01,,".encode() + \
        f"{stamp(10, 8)},{stamp(10, 16)},B\xe1o d\xfang,L\n".encode("latin-1")
    result, summary = run_import(runner, tmp_path, b"\xef\xbb\xbf" + raw)
    assert result.exit_code == 0
    assert summary["rows"] == 151 and summary["skipped"] == 151
    assert len(summary["errors"]) == 100 and summary["errors"][0]["line"] == 2


def test_an_unreadable_csv_record_does_not_stop_the_rest(runner, tmp_path, w, db_session):
    text = csv_text(f"PC09AA,PC09AA-W01,,{stamp(10, 8)},{stamp(10, 16)},\"Bảo \"x\" dưỡng,A",
                    f"PC09AA,PC09AA-W01,,{stamp(10, 8)},{stamp(10, 16)},Bảo dưỡng,B")
    _result, summary = run_import(runner, tmp_path, text)
    assert summary["imported"] == 1 and summary["errors"][0]["line"] == 2
    assert [o.source_ref for o in outages(db_session)] == ["B"]


def test_the_progress_bar_goes_to_stderr_not_stdout(runner, tmp_path, w):
    result, _summary = run_import(runner, tmp_path, csv_text(
        f"PC09AA,PC09AA-W01,,{stamp(10, 8)},{stamp(10, 16)},Bảo dưỡng,KH-1"))
    assert len(result.stdout.strip().splitlines()) == 1
    assert "outages import" in result.stderr


def test_a_start_within_the_tolerance_is_accepted(runner, tmp_path, w, db_session):
    start = datetime.now(timezone.utc) - timedelta(hours=2)
    text = csv_text(f"PC09AA,PC09AA-W01,,{start.isoformat()},"
                    f"{(start + timedelta(hours=6)).isoformat()},Sửa chữa gấp,LATE-1")
    _result, summary = run_import(runner, tmp_path, text)
    assert summary["imported"] == 1
