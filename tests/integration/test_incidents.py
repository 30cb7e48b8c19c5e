"""Outage incidents: reports of one area join one incident; restoring it closes and notifies."""
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm.core import settings
from crm.incidents import services as incidents
from crm.incidents.services import IncidentError
from crm.models import (Direction, Incident, IncidentStatus, Message, Status, Ticket, TicketParty,
                        utcnow)
from crm.tickets import services
from tests import factories
from tests.conftest import IS_POSTGRES

# Notices go on configured channels only: these tests expect them written.
pytestmark = pytest.mark.usefixtures("notice_channels")


def report(customer, **details):
    """An outage report, as every channel files it (create_ticket → workflow → attach)."""
    return services.create_ticket(customer=customer, type="outage", channel="hotline",
                                  subject="Mất điện", details=details or None)


def notices(session, event):
    rows = session.scalars(sa.select(Message).where(Message.direction == Direction.OUTBOUND)).all()
    return [m for m in rows if m.meta.get("event") == event]


def test_reports_from_one_ward_within_the_window_join_one_incident(make):
    ward = make.ward()
    first, second = report(make.customer(ward=ward)), report(make.customer(ward=ward))
    assert first.incident_id is not None and second.incident_id == first.incident_id
    incident = make.session.get(Incident, first.incident_id)
    assert incident.report_count == 2 and incident.status == IncidentStatus.OPEN
    assert incident.ward_id == ward.id and incident.district_id == ward.district_id


def test_attaching_a_report_twice_counts_it_once(make, db_session):
    ticket = report(make.customer())
    assert incidents.attach(ticket).id == ticket.incident_id
    assert db_session.get(Incident, ticket.incident_id).report_count == 1


def test_a_report_after_the_window_opens_a_new_incident(make, db_session):
    ward = make.ward()
    first = report(make.customer(ward=ward))
    incident = db_session.get(Incident, first.incident_id)
    incident.last_report_at = utcnow() - timedelta(minutes=121)
    db_session.flush()
    later = report(make.customer(ward=ward))
    assert later.incident_id != first.incident_id
    assert db_session.get(Incident, later.incident_id).report_count == 1


def test_the_window_is_the_admins_setting(make, db_session):
    settings.put("outage_window_minutes", 30)
    ward = make.ward()
    first = report(make.customer(ward=ward))
    db_session.get(Incident, first.incident_id).last_report_at = utcnow() - timedelta(minutes=45)
    db_session.flush()
    assert report(make.customer(ward=ward)).incident_id != first.incident_id


def test_reports_from_another_ward_open_another_incident(make):
    district = make.district()
    here = report(make.customer(ward=make.ward(district=district)))
    there = report(make.customer(ward=make.ward(district=district)))
    assert here.incident_id != there.incident_id


def test_a_report_without_a_ward_joins_no_incident(make, db_session):
    ticket = report(make.customer(ward=None))
    assert ticket.incident_id is None
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0


def test_reports_naming_one_feeder_join_across_wards_but_another_feeder_is_apart(make):
    district = make.district()
    ward_a, ward_b = make.ward(district=district), make.ward(district=district)
    first = report(make.customer(ward=ward_a), feeder="471-E1.2")
    across = report(make.customer(ward=ward_b), feeder=" 471-E1.2 ")
    other_feeder = report(make.customer(ward=ward_a), feeder="473-E1.2")
    unknown_feeder = report(make.customer(ward=ward_a))
    assert across.incident_id == first.incident_id
    assert other_feeder.incident_id != first.incident_id
    assert unknown_feeder.incident_id in (first.incident_id, other_feeder.incident_id)


def test_restoring_closes_every_open_report_stops_the_clocks_and_notifies_each_reporter_once(
        make, db_session):
    ward = make.ward(name="Phường Hải Châu 1")
    twice, once, merged = (make.customer(ward=ward) for _ in range(3))
    tickets = [report(twice), report(twice), report(once)]
    db_session.add(TicketParty(ticket_id=tickets[2].id, customer_id=merged.id))
    already = report(make.customer(ward=ward))
    services.change_status(already, Status.RESOLVED, actor=None, result="Đã hướng dẫn")
    incident = db_session.get(Incident, tickets[0].incident_id)
    staff = make.district_staff(ward.district)

    closed = incidents.restore(incident, cause="Sự cố cáp ngầm", actor=staff)

    assert sorted(t.id for t in closed) == sorted(t.id for t in tickets)
    for ticket in tickets:
        assert ticket.status == Status.RESOLVED and "Sự cố cáp ngầm" in ticket.result
        assert ticket.sla.stopped_at is not None
    assert incident.status == IncidentStatus.RESTORED and incident.restored_at is not None
    sent = notices(db_session, "incident_restored")
    assert sorted(m.customer_id for m in sent) == sorted([twice.id, once.id, merged.id])
    assert all(m.body.startswith("Dien tai Phuong Hai Chau 1 da co lai luc ") for m in sent)

    assert incidents.restore(incident, cause="Lần hai", actor=staff) == []
    assert len(notices(db_session, "incident_restored")) == 3
    assert incident.cause == "Sự cố cáp ngầm"


def test_restoring_needs_a_cause(make, db_session):
    incident = db_session.get(Incident, report(make.customer()).incident_id)
    with pytest.raises(IncidentError):
        incidents.restore(incident, cause="  ", actor=None)
    assert incident.status == IncidentStatus.OPEN


def test_a_report_after_restoration_opens_a_new_incident(make, db_session):
    ward = make.ward()
    first = report(make.customer(ward=ward))
    incidents.restore(db_session.get(Incident, first.incident_id), cause="Đứt dây", actor=None)
    assert report(make.customer(ward=ward)).incident_id != first.incident_id


def test_the_expected_restore_time_must_follow_the_start(make, db_session):
    incident = db_session.get(Incident, report(make.customer()).incident_id)
    with pytest.raises(IncidentError):
        incidents.set_expected_restore(incident, incident.started_at - timedelta(hours=1), None)
    when = utcnow() + timedelta(hours=2)
    incidents.set_expected_restore(incident, when, None)
    assert incident.expected_restore_at == when


def test_reporters_are_told_the_expected_restore_time_once_per_time_set(make, db_session):
    ward = make.ward(name="Phường Hải Châu 1")
    first = report(make.customer(ward=ward))
    second = report(make.customer(ward=ward))
    incident = db_session.get(Incident, first.incident_id)
    when = (utcnow() + timedelta(hours=2)).replace(microsecond=0)
    incidents.set_expected_restore(incident, when, None)
    incidents.set_expected_restore(incident, when, None)         # saved again: nothing new
    sent = notices(db_session, "incident_known")
    assert sorted(m.ticket_id for m in sent) == sorted([first.id, second.id])
    local = (when + timedelta(hours=7)).strftime("%d/%m/%Y %H:%M")
    assert all(m.body.startswith("Dien luc da ghi nhan mat dien tai Phuong Hai Chau 1, ma ")
               and f"Du kien co dien lai {local}." in m.body for m in sent)
    incidents.set_expected_restore(incident, when + timedelta(hours=1), None)
    assert len(notices(db_session, "incident_known")) == 4       # a new time is news


def test_the_known_incident_is_found_by_ward_and_by_customer(make, db_session):
    district = make.district()
    ward_a, ward_b = make.ward(district=district, name="Phường Thạch Thang"), \
        make.ward(district=district)
    reporter = make.customer(ward=ward_a)
    first = report(reporter, feeder="471")
    report(make.customer(ward=ward_a))
    far = make.customer(ward=ward_b)
    report(far, feeder="471")
    incident = db_session.get(Incident, first.incident_id)
    incidents.set_expected_restore(incident, utcnow() + timedelta(minutes=30), None)

    info = incidents.known_incident_for(ward=ward_a)
    assert info.incident_id == incident.id and info.report_count == 3
    assert "Phường Thạch Thang" in info.summary() and "3 phản ánh" in info.summary()
    assert info.expected_restore_at == incident.expected_restore_at
    assert incidents.known_incident_for(customer=reporter).incident_id == incident.id
    assert incidents.known_incident_for(ward=ward_b.id).incident_id == incident.id
    assert incidents.known_incident_for(customer=make.customer(ward=ward_b)) is not None
    assert incidents.known_incident_for(ward=make.ward()) is None
    assert incidents.known_incident_for(customer=make.customer(ward=None)) is None

    incident.started_at -= timedelta(hours=1)
    incidents.restore(incident, cause="Thay cầu chì", actor=None)
    assert incidents.known_incident_for(ward=ward_a) is None
    assert incidents.known_incident_for(ward=ward_a, at=incident.restored_at
                                        - timedelta(minutes=1)).incident_id == incident.id


def test_the_summary_says_when_power_is_expected_back(make, db_session):
    incident = db_session.get(Incident, report(make.customer()).incident_id)
    assert "đang xác định" in incidents.IncidentInfo.of(incident).summary()
    incident.expected_restore_at = incident.started_at + timedelta(days=2)
    summary = incidents.IncidentInfo.of(incident).summary(now=incident.started_at)
    assert "ngày" in summary


@pytest.mark.skipif(not IS_POSTGRES, reason="SQLite serialises writers; the lock is PostgreSQL's")
def test_two_simultaneous_first_reports_of_a_ward_open_one_incident(app, committed_db):
    from crm.extensions import db

    make = factories.Factories(committed_db)
    ward = make.ward()
    ids = [make.ticket(type="outage", customer=make.customer(ward=ward)).id for _ in range(2)]
    committed_db.commit()
    barrier, errors = threading.Barrier(2), []

    def attach(ticket_id):
        with app.app_context():
            try:
                ticket = db.session.get(Ticket, ticket_id)
                barrier.wait()
                incidents.attach(ticket)
                time.sleep(0.3)          # keep the transaction open while the other one looks
                db.session.commit()
            except Exception as exc:     # reported below, not lost in the thread
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attach, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = committed_db.scalars(sa.select(Incident).where(Incident.ward_id == ward.id)).all()
    assert [r.report_count for r in rows] == [2]
