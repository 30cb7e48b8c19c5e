"""`flask --app wsgi seed-demo`: the demo set that DESIGN.md "Demo data" pins, loaded once,
with the workflow, routing, SLA, incident, suspension and merge features in use.

The command commits, so these tests use `committed_db` (tables truncated afterwards).
"""
import re
from collections import Counter
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

import workflows
from crm.core.phones import normalise_phone
from crm.core.timefmt import local
from crm.extensions import db
from crm.inbox import canned
from crm.models import (OPEN_STATUSES, AreaType, AssignmentMode, AssignmentRule, AuditEvent,
                        CannedReply, Channel, ContactAttempt, ContactKind, ContactOutcome,
                        ContactPoint, Contract, Customer, DeliveryStatus, Direction, District,
                        EscalationLevel, Incident, IncidentStatus, LinkKind, Message, Meter,
                        Notification, Presence, Reading, Role, SlaEscalation, StaffAlert,
                        Status, Suspension, Ticket, TicketLink, TicketSla, TicketStatusChange,
                        User, Ward, WardAssignment, utcnow)
from crm.seed import DEMO_PASSWORD
from tests.conftest import REFERENCE_TABLES
from workflows import routing

OFFICES = ["PC05AA", "PC05BB", "PC05CC", "PC05DD"]
CUSTOMER_CHANNELS = ["hotline", "sms", "email", "zalo", "telegram", "web", "counter"]
USERNAMES = {"admin", "giamsat", "tongdai1", "tongdai2"} | {
    f"{who}.{office.lower()}" for who in ("dl", "nv1") for office in OFFICES}


def seed(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result.output


def count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def table_counts():
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
            for t in db.metadata.sorted_tables}


def test_the_demo_set_has_what_design_md_pins_and_a_second_run_changes_nothing(
        app, committed_db):
    output = seed(app)
    assert "dl.pc05aa" in output and "nv1.pc05dd" in output and DEMO_PASSWORD in output
    assert_offices_and_wards()
    assert_customers_with_valid_phones()
    assert_contracts_meters_and_readings()
    assert_routing()
    before = table_counts()
    assert "đã có sẵn" in seed(app)
    db.session.expire_all()
    assert table_counts() == before


def assert_offices_and_wards():
    assert db.session.scalars(sa.select(District.code).order_by(District.code)).all() == OFFICES
    for code, urban_side in zip(OFFICES, (True, True, False, False)):
        areas = db.session.scalars(sa.select(Ward.area_type).join(District)
                                   .where(District.code == code)).all()
        urban = sum(a == AreaType.URBAN for a in areas)
        assert 5 <= len(areas) <= 7 and (urban > len(areas) / 2) == urban_side


def assert_customers_with_valid_phones():
    codes = set(db.session.scalars(sa.select(Customer.code).where(~Customer.is_provisional)))
    assert codes == {f"{office}{n:07d}" for office in OFFICES for n in range(1, 126)}
    phones = db.session.execute(sa.select(ContactPoint.customer_id, ContactPoint.value)
                                .join(Customer).where(ContactPoint.kind == ContactKind.PHONE,
                                                      ~Customer.is_provisional)).all()
    assert len({customer_id for customer_id, _ in phones}) == 500
    assert all(normalise_phone(value) == value and value.startswith("+84")
               for _, value in phones)


def assert_contracts_meters_and_readings():
    assert count(Contract) == 500 and count(Meter) == 500
    per_customer = db.session.execute(
        sa.select(Reading.customer_id, sa.func.count(), sa.func.min(Reading.kwh))
        .group_by(Reading.customer_id)).all()
    assert len(per_customer) == 500
    assert all(13 <= n <= 25 and low >= 80 for _, n, low in per_customer)
    periods = db.session.scalars(sa.select(Reading.period).distinct()).all()
    assert all(re.fullmatch(r"\d{4}-\d{2}", p) for p in periods)


def assert_routing():
    """Modes per pool, everyone who takes work available, two wards' dated offices."""
    rules = {code: mode for code, mode in db.session.execute(
        sa.select(District.code, AssignmentRule.mode)
        .outerjoin(District, AssignmentRule.district_id == District.id))}
    assert rules == {None: AssignmentMode.LOAD, "PC05AA": AssignmentMode.ROUND_ROBIN,
                     "PC05BB": AssignmentMode.LOAD, "PC05CC": AssignmentMode.ROUND_ROBIN,
                     "PC05DD": AssignmentMode.MANUAL}
    workers = db.session.scalars(sa.select(User).where(
        User.role.in_([Role.AGENT, Role.DISTRICT_STAFF]))).all()
    assert len(workers) == 10 and all(u.presence == Presence.AVAILABLE for u in workers)
    bb = [u.capacity for u in workers if u.district and u.district.code == "PC05BB"]
    assert sorted(bb) == [4, 8]
    today = local(utcnow()).date()
    moved, moving = history("PC05AA-W06"), history("PC05BB-W07")
    last_year = date(today.year - 1, 7, 1)
    assert moved == [("PC05CC", date(2020, 1, 1), last_year - timedelta(days=1)),
                     ("PC05AA", last_year, None)]
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    assert moving == [("PC05BB", date(2020, 1, 1), next_month - timedelta(days=1)),
                      ("PC05CC", next_month, None)]
    ward = db.session.scalar(sa.select(Ward).where(Ward.code == "PC05BB-W07"))
    assert ward.district.code == "PC05BB"
    assert routing.district_for(ward, next_month).code == "PC05CC"
    assert db.session.scalar(sa.select(Ward).where(Ward.code == "PC05AA-W06")).district.code \
        == "PC05AA"


def history(ward_code):
    return [tuple(row) for row in db.session.execute(
        sa.select(District.code, WardAssignment.valid_from, WardAssignment.valid_to)
        .join(District, WardAssignment.district_id == District.id)
        .join(Ward, WardAssignment.ward_id == Ward.id)
        .where(Ward.code == ward_code).order_by(WardAssignment.valid_from))]


def test_the_demo_tickets_cover_every_type_channel_and_status_with_real_threads(
        app, committed_db, notice_channels):     # notices need a channel
    seed(app)
    assert_tickets()
    assert_threads()
    assert count(Ticket, Ticket.channel == Channel.SYSTEM) >= 1
    assert_new_connections_at_every_step()
    assert_contact_logs()


def assert_tickets():
    tickets = db.session.scalars(sa.select(Ticket).order_by(Ticket.id)).all()
    # 116 planned, a duplicate, a linked complaint, a deferred request, 4 unknown senders
    assert len(tickets) == 123
    seen = {(t.type, t.subtype) for t in tickets}
    for name, workflow in workflows.WORKFLOWS.items():
        assert all((name, sub) in seen for sub in workflow.subtypes or [None]), name
    assert set(CUSTOMER_CHANNELS) <= {str(t.channel) for t in tickets}
    statuses = {t.status for t in tickets}
    assert {Status.NEW, Status.OPEN, Status.PENDING_CUSTOMER, Status.RESOLVED,
            Status.CLOSED} <= statuses and Status.DEFERRED not in statuses
    assert all(t.result for t in tickets if t.status in (Status.RESOLVED, Status.CLOSED))
    assert [t.code for t in tickets] == sorted(t.code for t in tickets)
    assert any(t.assignee_id for t in tickets) and any(not t.assignee_id for t in tickets)
    # District work goes to the office's own staff; PC05DD assigns by hand (some wait).
    assert all(t.assignee.district_id == t.district_id for t in tickets
               if t.assignee and t.assignee.role == Role.DISTRICT_STAFF)
    assert any(t.assignee is None and t.status == Status.NEW and t.district.code == "PC05DD"
               for t in tickets)


def assert_threads():
    """Inbound messages went through ingest onto their own customer's ticket."""
    merged_into = sa.select(Ticket.merged_into_id).where(Ticket.merged_into_id.is_not(None))
    inbound = db.session.execute(
        sa.select(Message.customer_id, Ticket.customer_id, Message.channel, Ticket.channel,
                  Ticket.id.in_(merged_into))
        .join(Ticket, Message.ticket_id == Ticket.id)
        .where(Message.direction == Direction.INBOUND)).all()
    assert inbound and all(m == t for m, t, *_ in inbound)
    # a merge brings the duplicate's messages, from another channel, onto the ticket kept
    assert all(mc == tc or kept for _m, _t, mc, tc, kept in inbound)
    threaded = set(db.session.scalars(sa.select(Message.ticket_id).distinct()))
    unmerged = set(db.session.scalars(sa.select(Ticket.id).where(Ticket.merged_into_id.is_(None))))
    assert unmerged <= threaded
    assert count(Message, Message.status == DeliveryStatus.QUEUED) == 0   # the demo sends nothing
    assert count(Customer, Customer.is_provisional) >= 3
    for body in db.session.scalars(sa.select(CannedReply.body)):
        canned.check(body)
    assert count(CannedReply) >= 8


def assert_new_connections_at_every_step():
    workflow = workflows.get("new_connection")
    tickets = db.session.scalars(sa.select(Ticket).where(Ticket.type == "new_connection")).all()
    assert set(workflow.steps) <= {t.step for t in tickets}
    energised = [t for t in tickets if t.step == "energised"]
    assert energised and all(t.status in (Status.RESOLVED, Status.CLOSED)
                             and t.result == "Đã đóng điện" for t in energised)
    now = utcnow()
    for ticket in tickets:
        for step in list(workflow.steps)[1:list(workflow.steps).index(ticket.step) + 1]:
            record = ticket.details[step]
            assert all(record.get(f.name) not in (None, "")
                       for f in workflow.fields_for(step, ticket.subtype) if f.required), step
            assert ticket.created_at <= datetime.fromisoformat(record["_at"]) <= now
    told = db.session.scalars(sa.select(Notification.context).where(
        Notification.event == "step_done")).all()
    assert {workflow.step_title(s) for s in list(workflow.steps)[1:]} <= \
        {c["buoc"] for c in told}


def assert_contact_logs():
    attempts = db.session.scalars(sa.select(ContactAttempt)).all()
    outcomes = Counter(a.outcome for a in attempts)
    assert outcomes[ContactOutcome.REACHED] >= 5 and outcomes[ContactOutcome.APPOINTMENT] >= 1
    assert outcomes[ContactOutcome.NO_ANSWER] + outcomes[ContactOutcome.BUSY] >= 1
    now = utcnow()
    for attempt in attempts:
        ticket = db.session.get(Ticket, attempt.ticket_id)
        assert attempt.user.district_id == ticket.district_id
        assert ticket.created_at <= attempt.at <= now
        assert (attempt.appointment_at is not None) == (attempt.outcome ==
                                                         ContactOutcome.APPOINTMENT)
        assert attempt.appointment_at is None or attempt.appointment_at > now


def test_the_demo_histories_are_backdated_and_the_sla_clocks_warned_breached_escalated(
        app, committed_db):
    seed(app)
    assert_status_histories()
    assert_sla_clocks()
    assert_sweep_results()


def assert_status_histories():
    """Every ticket's statuses in order, from its receipt to its status now, with waits for
    the customer that ended; resolutions at their own moment, not at loading time."""
    now = utcnow()
    changes = db.session.execute(
        sa.select(TicketStatusChange.ticket_id, TicketStatusChange.status, TicketStatusChange.at)
        .order_by(TicketStatusChange.ticket_id, TicketStatusChange.at,
                  TicketStatusChange.id)).all()
    by_ticket = {}
    for ticket_id, status, at in changes:
        by_ticket.setdefault(ticket_id, []).append((status, at))
    ended_pauses = 0
    for ticket in db.session.scalars(sa.select(Ticket)):
        rows = by_ticket[ticket.id]
        assert rows[0] == (rows[0][0], ticket.created_at) and rows[-1][0] == ticket.status
        assert rows[0][0] in (Status.NEW, Status.DEFERRED) and rows[-1][1] <= now
        ended_pauses += sum(a == Status.PENDING_CUSTOMER and b == Status.OPEN
                            for (a, _), (b, _) in zip(rows, rows[1:]))
        if ticket.status in (Status.RESOLVED, Status.CLOSED):
            assert ticket.sla.stopped_at == (ticket.resolved_at or ticket.closed_at)
            assert ticket.created_at <= ticket.sla.stopped_at <= now
        assert ticket.created_at <= ticket.updated_at <= now
    assert ended_pauses >= 5
    long_done = count(TicketSla, TicketSla.stopped_at < now - timedelta(days=1))
    assert long_done >= 50


def assert_sla_clocks():
    """Open tickets count down from their receipt; waiting ones are paused."""
    for ticket in db.session.scalars(sa.select(Ticket).where(Ticket.status.in_(OPEN_STATUSES))):
        sla = ticket.sla
        assert sla is not None and sla.stopped_at is None and sla.started_at == ticket.created_at
        waiting = ticket.status == Status.PENDING_CUSTOMER
        assert sla.is_paused == waiting and (sla.due_at is None) == waiting


def assert_sweep_results():
    """One sweep ran: something is in its warning time, something is late, and the heads
    and the supervisor were told."""
    warned_only = count(TicketSla, TicketSla.warned_at.is_not(None),
                        TicketSla.breached_at.is_(None))
    assert warned_only >= 1 and count(TicketSla, TicketSla.breached_at.is_not(None)) >= 1
    levels = set(db.session.scalars(sa.select(SlaEscalation.level)))
    assert {EscalationLevel.WARNING, EscalationLevel.BREACH, EscalationLevel.SUPERVISOR} <= levels
    told = set(db.session.execute(sa.select(User.username, StaffAlert.kind)
                                  .join(User, StaffAlert.user_id == User.id)))
    assert any(kind == "sla_breach" and name.startswith("dl.") for name, kind in told)
    assert ("giamsat", "sla_supervisor") in told


def test_the_demo_has_incidents_a_lifted_suspension_a_merged_pair_and_a_linked_pair(
        app, committed_db, notice_channels):     # notices need a channel
    seed(app)
    assert_incidents()
    assert_suspension()
    assert_merge_and_link()


def notice_events(ticket_id):
    return [m.meta.get("event") for m in db.session.scalars(sa.select(Message).where(
        Message.ticket_id == ticket_id, Message.direction == Direction.OUTBOUND))]


def assert_incidents():
    incidents = db.session.scalars(sa.select(Incident)).all()
    now = utcnow()
    for incident in incidents:
        reports = db.session.scalars(sa.select(Ticket).where(
            Ticket.incident_id == incident.id)).all()
        assert incident.report_count == len(reports)
        assert incident.started_at == min(r.created_at for r in reports)
        assert incident.last_report_at == max(r.created_at for r in reports)
        if incident.status == IncidentStatus.OPEN:     # nothing stale is still "going on"
            assert incident.last_report_at > now - timedelta(hours=12)
            assert all(r.is_open for r in reports)
        else:
            assert incident.started_at < incident.restored_at <= now
            assert all(r.status == Status.RESOLVED for r in reports)
    big = [i for i in incidents if i.report_count >= 3]
    ongoing = [i for i in big if i.status == IncidentStatus.OPEN]
    assert ongoing and all(i.expected_restore_at > now for i in ongoing)
    restored = [i for i in big if i.status == IncidentStatus.RESTORED]
    assert len(restored) >= 2 and any(i.restored_at < now - timedelta(days=5) for i in restored)
    # the one restored through the incident service: every reporter was told
    assert any(all("incident_restored" in notice_events(ticket_id) for ticket_id in
                   db.session.scalars(sa.select(Ticket.id).where(Ticket.incident_id == i.id)))
               for i in restored)


def assert_suspension():
    suspension = db.session.scalars(sa.select(Suspension)).one()
    now = utcnow()
    assert suspension.starts_at < suspension.lifted_at < suspension.resumed_at < now
    assert suspension.resumed_at < now - timedelta(days=5)
    deferred = db.session.scalars(sa.select(Ticket).where(
        Ticket.suspension_id == suspension.id)).all()
    assert deferred and all(t.type in suspension.types for t in deferred)
    for ticket in deferred:
        statuses = db.session.execute(
            sa.select(TicketStatusChange.status, TicketStatusChange.at)
            .where(TicketStatusChange.ticket_id == ticket.id)
            .order_by(TicketStatusChange.at, TicketStatusChange.id)).all()
        assert statuses[0] == (Status.DEFERRED, ticket.created_at)
        assert statuses[1] == (Status.NEW, suspension.resumed_at)
        assert suspension.starts_at <= ticket.created_at < suspension.lifted_at
        assert {"deferred", "resumed"} <= set(notice_events(ticket.id))


def assert_merge_and_link():
    duplicate = db.session.scalars(sa.select(Ticket).where(
        Ticket.merged_into_id.is_not(None))).one()
    kept = duplicate.merged_into
    assert duplicate.status == Status.CLOSED and kept.is_open
    assert duplicate.customer_id == kept.customer_id and duplicate.type == kept.type
    assert count(Message, Message.ticket_id == duplicate.id) == 0
    assert "merged" in notice_events(kept.id)
    links = {(link.kind, frozenset((link.ticket_id, link.other_id)))
             for link in db.session.scalars(sa.select(TicketLink))}
    assert (LinkKind.DUPLICATE, frozenset((duplicate.id, kept.id))) in links
    related = [pair for kind, pair in links if kind == LinkKind.RELATED]
    assert len(related) == 1
    pair = db.session.scalars(sa.select(Ticket).where(Ticket.id.in_(related[0]))).all()
    assert {t.type for t in pair} == {"outage", "complaint"}
    assert len({t.customer_id for t in pair}) == 1


def test_every_demo_user_logs_in_with_the_documented_password(app, committed_db):
    seed(app)
    users = db.session.execute(sa.select(User.username, User.role)).all()
    assert {u for u, _ in users} == USERNAMES
    heads = set(db.session.scalars(sa.select(User.username).where(User.is_district_head)))
    assert heads == {f"dl.{office.lower()}" for office in OFFICES}
    client = app.test_client()
    with app.app_context():
        wrong = client.post("/login", data={"username": "admin", "password": "sai-mat-khau"})
    assert wrong.status_code == 401
    for username, _role in users:
        client = app.test_client()
        with app.app_context():   # a request of its own: no user left in `g` by the last one
            response = client.post("/login", data={"username": username,
                                                    "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        with client.session_transaction() as session:
            assert session["_user_id"] == str(db.session.scalar(
                sa.select(User.id).where(User.username == username)))


def test_two_loads_on_empty_databases_give_the_same_demo(app, committed_db):
    """Everything but the timestamps (and what they imply) is the same on every load."""
    seed(app)
    first = fingerprint()
    wipe()
    seed(app)
    assert fingerprint() == first


def fingerprint() -> dict:
    """The demo by its codes and names, never by ids or times."""
    user = aliased(User)
    code_of = {i: c for i, c in db.session.execute(sa.select(Ticket.id, Ticket.code))}
    return {
        "tickets": db.session.execute(
            sa.select(Ticket.code, Ticket.type, Ticket.subtype, Ticket.status, Ticket.step,
                      Ticket.channel, Ticket.subject, Customer.code, District.code,
                      user.username, Ticket.priority)
            .join(Customer, Ticket.customer_id == Customer.id)
            .outerjoin(District, Ticket.district_id == District.id)
            .outerjoin(user, Ticket.assignee_id == user.id).order_by(Ticket.code)).all(),
        "audit": [(code_of.get(t), action, who) for t, action, who in db.session.execute(
            sa.select(AuditEvent.ticket_id, AuditEvent.action, User.username)
            .outerjoin(User, AuditEvent.actor_id == User.id).order_by(AuditEvent.id))],
        "messages": Counter((code_of.get(t), d, c, s) for t, d, c, s in db.session.execute(
            sa.select(Message.ticket_id, Message.direction, Message.channel, Message.status))),
        "contacts": [(code_of[t], o, n) for t, o, n in db.session.execute(
            sa.select(ContactAttempt.ticket_id, ContactAttempt.outcome, ContactAttempt.note)
            .order_by(ContactAttempt.id))],
        "incidents": sorted(db.session.execute(
            sa.select(Ward.code, Incident.status, Incident.report_count)
            .join(Ward, Incident.ward_id == Ward.id)).all()),
        "links": sorted((code_of[a], code_of[b], k) for a, b, k in db.session.execute(
            sa.select(TicketLink.ticket_id, TicketLink.other_id, TicketLink.kind))),
    }


def wipe() -> None:
    """Empty every table the demo fills, as a fresh database has them."""
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in REFERENCE_TABLES:
                conn.execute(table.delete())
