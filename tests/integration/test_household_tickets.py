"""A change_households ticket: proposals while open, applied with the contract's count in the
same transaction when done (exactly once), withdrawn when the ticket ends otherwise."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from crm.households import reports, ticket_changes
from crm.households.services import CitizenIdTaken, HouseholdData, HouseholdError, today
from crm.models import AuditEvent, Household, HouseholdStatus, Role, Status
from crm.tickets import services, steps
from crm.tickets.steps import StepError
from tests.support.households import ID_A, ID_B, ID_C, contract, household

PENDING, ACTIVE, ENDED = HouseholdStatus.PENDING, HouseholdStatus.ACTIVE, HouseholdStatus.ENDED


@pytest.fixture
def customer(make):
    return make.customer(name="Ngô Văn Bình")


@pytest.fixture
def meter(db_session, customer):
    """The customer's contract: one household (his own) in the register."""
    row = contract(db_session, customer, households=1)
    household(db_session, row, ID_A, head_name="Ngô Văn Bình", is_main=True, paper_number=None)
    return row


@pytest.fixture
def ticket(customer, meter):
    return services.create_ticket(customer=customer, type="contract_change",
                                  subtype="change_households", channel="hotline",
                                  subject="Đăng ký thêm hộ dùng chung công tơ")


@pytest.fixture
def staff(make, ticket):
    return make.district_staff(ticket.district, full_name="Lâm Thị Thu")


def _tenant(citizen_id=ID_B) -> HouseholdData:
    return HouseholdData(head_name="Trịnh Văn Tú", citizen_id=citizen_id,
                         paper_number="XN-12/2026", paper_expires_on=today() + timedelta(days=200))


def _walk(ticket, staff, households: int, done_on: date):
    steps.advance(ticket, "documents_checked", {"documents_complete": "yes"}, actor=staff)
    steps.advance(ticket, "approved", {"decision_note": "Đủ hồ sơ tạm trú",
                                       "effective_date": done_on, "households": households},
                  actor=staff)
    steps.advance(ticket, "done", {"done_date": done_on}, actor=staff)


def _events(db_session, action) -> list[AuditEvent]:
    return db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


def _rows(db_session, meter) -> list[Household]:
    return db_session.scalars(sa.select(Household).where(Household.contract_id == meter.id)
                              .order_by(Household.id)).all()


def test_a_proposed_household_counts_only_once_the_ticket_is_done_and_only_once(
        make, db_session, ticket, staff, meter):
    tenant = ticket_changes.propose_addition(ticket, _tenant(), actor=staff)
    assert tenant.status == PENDING and tenant.added_by_ticket_id == ticket.id
    assert reports.mismatches(staff) == []                # not counted while proposed
    done_on = today() - timedelta(days=1)
    _walk(ticket, staff, 2, done_on)
    assert ticket.status == Status.RESOLVED and meter.households == 2
    assert (tenant.status, tenant.since) == (ACTIVE, done_on)
    [changed] = _events(db_session, "households_changed")
    assert changed.ticket_id == ticket.id and changed.changes["households"] == [1, 2]
    assert changed.changes["added"] == [None, "****4321"]
    # reopened by a supervisor and done again: nothing is applied a second time
    supervisor = make.user(role=Role.SUPERVISOR)
    steps.reopen_step(ticket, "approved", actor=supervisor, reason="Ghi sai ngày hoàn tất")
    steps.advance(ticket, "done", {"done_date": today()}, actor=staff)
    assert ticket.status == Status.RESOLVED and meter.households == 2
    assert len(_events(db_session, "households_changed")) == 1
    assert [h.status for h in _rows(db_session, meter)] == [ACTIVE, ACTIVE]
    assert tenant.since == done_on


def test_a_household_marked_on_the_ticket_ends_on_the_done_date(db_session, ticket, staff, meter):
    meter.households = 2
    tenant = household(db_session, meter, ID_B)
    ticket_changes.propose_ending(ticket, tenant, actor=staff)
    assert tenant.is_active and tenant.ending_ticket_id == ticket.id
    done_on = today()
    _walk(ticket, staff, 1, done_on)
    assert (tenant.status, tenant.until, meter.households) == (ENDED, done_on, 1)
    [changed] = _events(db_session, "households_changed")
    assert changed.changes["ended"] == [None, "****4321"]


def test_done_is_refused_while_the_register_would_not_show_the_approved_number(
        db_session, ticket, staff, meter):
    tenant = ticket_changes.propose_addition(ticket, _tenant(), actor=staff)
    with pytest.raises(StepError) as refused:
        with db_session.begin_nested():
            _walk(ticket, staff, 3, today())
    assert "có 2 hộ, khác số hộ đã phê duyệt (3)" in str(refused.value)
    assert ticket.status != Status.RESOLVED and meter.households == 1
    assert tenant.status == PENDING and _events(db_session, "households_changed") == []


def test_a_citizen_id_registered_elsewhere_meanwhile_stops_the_done_step(
        make, db_session, ticket, staff, meter):
    ticket_changes.propose_addition(ticket, _tenant(), actor=staff)
    household(db_session, contract(db_session, make.customer()), ID_B)   # e.g. an import
    with pytest.raises(StepError) as refused:
        with db_session.begin_nested():
            _walk(ticket, staff, 2, today())
    assert "****4321" in str(refused.value) and ID_B not in str(refused.value)
    assert meter.households == 1


def test_a_refused_ticket_withdraws_its_proposal_and_deletes_the_pending_data(
        db_session, ticket, staff, meter):
    meter.households = 2
    tenant = household(db_session, meter, ID_C)
    proposed = ticket_changes.propose_addition(ticket, _tenant(), actor=staff)
    proposed_id = proposed.id
    ticket_changes.propose_ending(ticket, tenant, actor=staff)
    steps.close(ticket, "rejected", "Giấy tạm trú không hợp lệ", actor=staff)
    assert db_session.get(Household, proposed_id) is None
    assert tenant.is_active and tenant.ending_ticket_id is None and meter.households == 2
    trail = json.dumps([e.changes for e in _events(db_session, "household_withdrawn")])
    assert "****4321" in trail and ID_B not in trail


def test_proposals_follow_the_register_rules_and_stop_when_the_ticket_is_closed(
        make, db_session, ticket, staff, meter):
    household(db_session, contract(db_session, make.customer()), ID_C)
    with pytest.raises(CitizenIdTaken):
        ticket_changes.propose_addition(ticket, _tenant(ID_C), actor=staff)
    ticket_changes.propose_addition(ticket, _tenant(ID_B), actor=staff)
    other = services.create_ticket(customer=ticket.customer, type="contract_change",
                                   subtype="change_households", channel="hotline",
                                   subject="Thêm hộ lần nữa")
    with pytest.raises(CitizenIdTaken):                   # proposed on the first ticket
        ticket_changes.propose_addition(other, _tenant(ID_B), actor=staff)
    steps.close(other, "cancelled", None, actor=staff)
    with pytest.raises(HouseholdError):
        ticket_changes.propose_addition(other, _tenant("001300000001"), actor=staff)


def test_a_customer_with_two_contracts_chooses_one_first(make, db_session, staff):
    customer = make.customer()
    first, second = contract(db_session, customer), contract(db_session, customer)
    ticket = services.create_ticket(customer=customer, type="contract_change",
                                    subtype="change_households", channel="web",
                                    subject="Thêm hộ")
    plan = ticket_changes.plan_for(ticket)
    assert plan.contract is None and plan.choices == [first, second]
    with pytest.raises(HouseholdError):
        ticket_changes.propose_addition(ticket, _tenant(), actor=staff)
    ticket_changes.choose_contract(ticket, second)
    ticket_changes.propose_addition(ticket, _tenant(), actor=staff)
    assert ticket_changes.plan_for(ticket).contract == second
    with pytest.raises(HouseholdError):                   # something is proposed already
        ticket_changes.choose_contract(ticket, first)


def test_a_ticket_may_replace_the_main_household(db_session, ticket, staff, meter):
    old_main = _rows(db_session, meter)[0]
    new_owner = HouseholdData(head_name="Ngô Thị Cúc", citizen_id=ID_C, is_main=True)
    with pytest.raises(HouseholdError):                   # the old one has not been marked
        ticket_changes.propose_addition(ticket, new_owner, actor=staff)
    ticket_changes.propose_ending(ticket, old_main, actor=staff)
    new_main = ticket_changes.propose_addition(ticket, new_owner, actor=staff)
    _walk(ticket, staff, 1, today())
    assert (old_main.status, new_main.status, new_main.is_main) == (ENDED, ACTIVE, True)
    assert meter.households == 1
