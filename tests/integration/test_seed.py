"""`flask --app wsgi seed-demo`: the demo set that DESIGN.md "Demo data" pins, loaded once.

The command commits, so these tests use `committed_db` (tables truncated afterwards).
"""
import re

import sqlalchemy as sa

import workflows
from crm.core.phones import normalise_phone
from crm.extensions import db
from crm.inbox import canned
from crm.models import (AreaType, CannedReply, Channel, ContactKind, ContactPoint, Contract,
                        Customer, Direction, District, Message, Meter, Reading, Status, Ticket,
                        User, Ward)
from crm.seed import DEMO_PASSWORD

OFFICES = ["PC05AA", "PC05BB", "PC05CC", "PC05DD"]
CUSTOMER_CHANNELS = ["hotline", "sms", "email", "zalo", "telegram", "web", "counter"]


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
    assert "dl.pc05aa" in output and DEMO_PASSWORD in output
    assert_offices_and_wards()
    assert_customers_with_valid_phones()
    assert_contracts_meters_and_readings()
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


def test_the_demo_tickets_cover_every_type_channel_and_status_with_real_threads(
        app, committed_db):
    seed(app)
    assert_tickets()
    assert_threads()
    assert count(Ticket, Ticket.channel == Channel.SYSTEM) >= 1


def assert_tickets():
    tickets = db.session.scalars(sa.select(Ticket).order_by(Ticket.id)).all()
    assert len(tickets) == 120   # 116 stories + 4 unknown senders: every message threaded
    seen = {(t.type, t.subtype) for t in tickets}
    for name, workflow in workflows.WORKFLOWS.items():
        assert all((name, sub) in seen for sub in workflow.subtypes or [None]), name
    assert set(CUSTOMER_CHANNELS) <= {str(t.channel) for t in tickets}
    statuses = {t.status for t in tickets}
    assert {Status.NEW, Status.OPEN, Status.PENDING_CUSTOMER, Status.RESOLVED} <= statuses
    assert all(t.result for t in tickets if t.status in (Status.RESOLVED, Status.CLOSED))
    assert [t.code for t in tickets] == sorted(t.code for t in tickets)
    assert any(t.assignee_id for t in tickets) and any(not t.assignee_id for t in tickets)


def assert_threads():
    """Inbound messages went through ingest onto their own customer's ticket."""
    inbound = db.session.execute(
        sa.select(Message.customer_id, Ticket.customer_id, Message.channel, Ticket.channel)
        .join(Ticket, Message.ticket_id == Ticket.id)
        .where(Message.direction == Direction.INBOUND)).all()
    assert inbound and all(m == t and mc == tc for m, t, mc, tc in inbound)
    per_ticket = db.session.execute(sa.select(sa.func.count()).select_from(Message)
                                    .group_by(Message.ticket_id)).scalars().all()
    assert count(Ticket) == len(per_ticket) and max(per_ticket) <= 4
    assert count(Customer, Customer.is_provisional) >= 3
    for body in db.session.scalars(sa.select(CannedReply.body)):
        canned.check(body)
    assert count(CannedReply) >= 8


def test_every_demo_user_logs_in_with_the_documented_password(app, committed_db):
    seed(app)
    users = db.session.execute(sa.select(User.username, User.role)).all()
    assert {u for u, _ in users} == {"admin", "giamsat", "tongdai1", "tongdai2", "dl.pc05aa",
                                     "dl.pc05bb", "dl.pc05cc", "dl.pc05dd"}
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
