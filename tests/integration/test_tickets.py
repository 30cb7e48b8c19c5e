import re

import pytest

from crm.models import AuditEvent, Channel, Role, Status
from crm.tickets import services
from crm.tickets.services import TicketError


def test_ticket_codes_count_up_within_the_month(db_session, make):
    customer = make.customer()
    first = services.create_ticket(customer=customer, type="inquiry", channel=Channel.HOTLINE,
                                   subject="Hỏi giá điện")
    second = services.create_ticket(customer=customer, type="inquiry", channel=Channel.SMS,
                                    subject="Hỏi lịch ghi chỉ số")
    assert re.fullmatch(r"YC\d{4}-\d{6}", first.code)
    assert int(second.code[-6:]) == int(first.code[-6:]) + 1


def test_a_new_ticket_is_routed_to_the_district_of_the_customers_ward(db_session, make):
    customer = make.customer()
    ticket = services.create_ticket(customer=customer, type="new_connection",
                                    subtype="low_voltage", channel=Channel.ZALO,
                                    subject="Xin cấp điện mới")
    assert ticket.district == customer.ward.district
    assert ticket.step == "received" and ticket.status == Status.NEW
    event = db_session.query(AuditEvent).filter_by(ticket_id=ticket.id).one()
    assert event.action == "created" and event.changes["type"] == [None, "new_connection"]


def test_an_unknown_type_or_subtype_is_refused(db_session, make):
    customer = make.customer()
    with pytest.raises(TicketError):
        services.create_ticket(customer=customer, type="nonsense", channel="sms", subject="x")
    with pytest.raises(TicketError):
        services.create_ticket(customer=customer, type="new_connection", subtype="high",
                               channel="sms", subject="x")


def test_resolving_needs_a_result_and_is_audited(db_session, make):
    ticket = make.ticket()
    agent = make.user()
    with pytest.raises(TicketError):
        services.change_status(ticket, Status.RESOLVED, actor=agent)
    services.change_status(ticket, Status.RESOLVED, actor=agent, result="Đã hướng dẫn khách")
    assert ticket.resolved_at is not None
    event = db_session.query(AuditEvent).filter_by(ticket_id=ticket.id,
                                                   action="status_changed").one()
    assert event.actor_id == agent.id and event.changes["status"] == ["new", "resolved"]


def test_district_staff_can_only_be_given_their_own_districts_tickets(db_session, make):
    ticket = make.ticket()
    other = make.district()
    with pytest.raises(TicketError):
        services.assign(ticket, make.district_staff(other), actor=None)
    mine = make.district_staff(ticket.district)
    services.assign(ticket, mine, actor=None)
    assert ticket.assignee == mine


def test_transfer_moves_the_ticket_keeps_history_and_drops_a_foreign_assignee(db_session, make):
    ticket = make.ticket()
    ticket.assignee = make.district_staff(ticket.district)
    target = make.district()
    with pytest.raises(TicketError):
        services.transfer(ticket, target, actor=None, reason="  ")
    services.transfer(ticket, target, actor=None, reason="Địa chỉ thuộc Điện lực khác")
    assert ticket.district == target and ticket.assignee is None
    event = db_session.query(AuditEvent).filter_by(ticket_id=ticket.id,
                                                   action="transferred").one()
    assert event.changes["district"][1] == target.code


def test_a_supervisor_may_work_any_district(db_session, make):
    ticket = make.ticket()
    services.assign(ticket, make.user(role=Role.SUPERVISOR), actor=None)
    assert ticket.assignee.role == Role.SUPERVISOR
