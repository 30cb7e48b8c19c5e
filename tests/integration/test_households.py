"""The register's rules and reports: one citizen ID per active household company-wide,
papers about to expire, contracts to re-price; audited with masked citizen IDs only."""
from __future__ import annotations

import json
import logging
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from crm.households import answers, reports, services
from crm.households.services import today
from crm.households.citizen_ids import digest
from crm.households.services import CitizenIdTaken, HouseholdData, HouseholdError
from crm.models import AuditEvent, HouseholdStatus, Role, UsagePurpose
from tests.support.households import ID_A, ID_B, ID_C, ID_D, contract, household

ENDED = HouseholdStatus.ENDED


@pytest.fixture
def supervisor(make):
    return make.user(role=Role.SUPERVISOR)


def _data(citizen_id=ID_A, **kw) -> HouseholdData:
    kw.setdefault("paper_number", "XN-45/2026")
    return HouseholdData(head_name=kw.pop("head_name", "Phạm Thị Hoa"), citizen_id=citizen_id,
                         **kw)


def _audit_text(db_session) -> str:
    events = db_session.scalars(sa.select(AuditEvent)).all()
    return json.dumps([e.changes for e in events], ensure_ascii=False)


# --- entering households -----------------------------------------------------------------


def test_the_digest_is_keyed_from_the_secret_key(app, db_session, monkeypatch):
    first = digest(ID_A)
    assert first == digest(ID_A) and first != digest(ID_B) and len(first) == 64
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret")
    assert digest(ID_A) != first


def test_a_citizen_id_active_on_another_contract_is_refused_anywhere_in_the_company(
        make, db_session, supervisor):
    elsewhere = contract(db_session, make.customer(), households=2)
    other = household(db_session, elsewhere, ID_A)
    here = contract(db_session, make.customer(), households=2)
    with pytest.raises(CitizenIdTaken) as refused:
        services.add_household(here, _data(ID_A), actor=supervisor)
    assert refused.value.other == other and refused.value.field == "citizen_id"
    assert services.add_household(here, _data(ID_B), actor=supervisor).is_active


def test_an_ended_household_or_a_terminated_contract_frees_the_citizen_id(
        make, db_session, supervisor):
    household(db_session, contract(db_session, make.customer()), ID_A, status=ENDED)
    household(db_session, contract(db_session, make.customer(), is_active=False), ID_B)
    here = contract(db_session, make.customer(), households=3)
    services.add_household(here, _data(ID_A), actor=supervisor)
    services.add_household(here, _data(ID_B), actor=supervisor)


@pytest.mark.parametrize("data, field", [
    (_data(paper_expires_on=today() - timedelta(days=2)), "paper_expires_on"),
    (_data(paper_number=None), "paper_number"),
    (_data(since=today() + timedelta(days=2)), "since"),
])
def test_bad_household_details_are_refused_naming_the_field(make, db_session, supervisor,
                                                            data, field):
    here = contract(db_session, make.customer())
    with pytest.raises(HouseholdError) as refused:
        services.add_household(here, data, actor=supervisor)
    assert refused.value.field == field


def test_a_contract_has_one_main_household_and_it_needs_no_paper(make, db_session, supervisor):
    here = contract(db_session, make.customer(), households=2)
    services.add_household(here, _data(ID_A, is_main=True, paper_number=None), actor=supervisor)
    with pytest.raises(HouseholdError) as refused:
        services.add_household(here, _data(ID_B, is_main=True), actor=supervisor)
    assert refused.value.field == "is_main"


def test_a_second_main_household_slipping_past_the_check_is_a_form_error_not_a_log_line(
        make, db_session, supervisor, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    here = contract(db_session, make.customer(), households=2)
    household(db_session, here, ID_A, is_main=True)
    monkeypatch.setattr(services, "_main_taken", lambda contract, ignore: False)   # a race
    with pytest.raises(HouseholdError) as refused:
        services.add_household(here, _data(ID_B, is_main=True), actor=supervisor)
    assert refused.value.field == "is_main" and refused.value.__suppress_context__
    assert ID_B not in caplog.text
    assert services.add_household(here, _data(ID_B), actor=supervisor).is_active


def test_a_paper_already_expired_may_stay_when_other_details_are_corrected(
        make, db_session, supervisor):
    old = household(db_session, contract(db_session, make.customer()), ID_A,
                    paper_expires_on=date(2025, 12, 31))
    changes = services.update_household(old, _data(ID_A, head_name="Phạm Thị Hòa",
                                                    paper_expires_on=date(2025, 12, 31)),
                                        actor=supervisor)
    assert changes["head_name"] == ["Lê Văn Tám", "Phạm Thị Hòa"]
    with pytest.raises(HouseholdError):
        services.update_household(old, _data(ID_A, paper_expires_on=date(2026, 1, 1)),
                                  actor=supervisor)


def test_the_audit_trail_and_the_logs_never_hold_a_citizen_id_in_clear(
        make, db_session, supervisor, caplog):
    caplog.set_level(logging.DEBUG)
    here = contract(db_session, make.customer(), households=2)
    added = services.add_household(here, _data(ID_A), actor=supervisor)
    services.update_household(added, _data(ID_C), actor=supervisor)
    services.end_household(added, today(), "Đã chuyển đi", actor=supervisor)
    reports.duplicates(supervisor), reports.papers(supervisor), reports.mismatches(supervisor)
    text = _audit_text(db_session)
    assert "****2345" in text and "****6677" in text
    assert ID_A not in text and ID_C not in text
    assert ID_A not in caplog.text and ID_C not in caplog.text
    assert ID_A not in repr(added) and ID_C not in repr(added)


# --- reports -----------------------------------------------------------------------------


def test_the_duplicate_report_groups_one_citizen_id_on_two_contracts_ignoring_ended_ones(
        make, db_session, supervisor):
    first = household(db_session, contract(db_session, make.customer()), ID_A)
    second = household(db_session, contract(db_session, make.customer()), ID_A)
    household(db_session, contract(db_session, make.customer()), ID_A, status=ENDED)
    household(db_session, contract(db_session, make.customer()), ID_B)
    household(db_session, contract(db_session, make.customer()), ID_C, status=ENDED)
    household(db_session, contract(db_session, make.customer()), ID_C)
    rows = reports.duplicates(supervisor)
    assert [(r.group, r.household) for r in rows] == [(1, first), (1, second)]
    assert all(r.full_id and r.in_scope for r in rows)


def test_district_staff_see_a_duplicate_group_touching_their_district_without_the_other_name(
        make, db_session):
    ours = make.customer()
    mine = household(db_session, contract(db_session, ours), ID_A)
    theirs = household(db_session, contract(db_session, make.customer()), ID_A)
    staff = make.district_staff(ours.ward.district)
    rows = {r.household: r for r in reports.duplicates(staff)}
    assert set(rows) == {mine, theirs}
    assert rows[mine].in_scope and rows[mine].full_id
    assert not rows[theirs].in_scope and not rows[theirs].full_id
    assert reports.duplicates(make.district_staff(make.district())) == []


def test_papers_expiring_within_thirty_days_and_expired_ones_are_listed(
        make, db_session, supervisor):
    today = services.today()
    here = contract(db_session, make.customer(), households=6)
    by_days = {days: household(db_session, here, citizen_id=f"0010990000{i:02d}",
                               paper_expires_on=today + timedelta(days=days))
               for i, days in enumerate((-1, 0, 29, 30, 31))}
    household(db_session, here, ID_B, paper_expires_on=None)
    household(db_session, here, ID_C, paper_expires_on=today, status=ENDED,
              until=today - timedelta(days=1), since=today - timedelta(days=9))
    rows = reports.papers(supervisor, today)
    assert [r.household for r in rows] == [by_days[d] for d in (-1, 0, 29, 30)]
    assert [r.days_left(today) for r in rows] == [-1, 0, 29, 30]


def test_contracts_whose_count_differs_from_the_register_are_listed_for_re_pricing(
        make, db_session, supervisor):
    customer = make.customer()
    agree = contract(db_session, customer, households=2)
    household(db_session, agree, ID_A), household(db_session, agree, ID_B)
    fewer = contract(db_session, customer, households=3)
    household(db_session, fewer, ID_C)
    contract(db_session, customer, households=1)                     # empty: one household
    unregistered = contract(db_session, customer, households=2)
    more = contract(db_session, customer, households=1)
    household(db_session, more, ID_D), household(db_session, more, "048201000001")
    household(db_session, more, "048201000002", status=ENDED)
    terminated = contract(db_session, customer, households=4, is_active=False)
    household(db_session, terminated, "048201000003")
    found = {m.contract: (m.counted, m.difference) for m in reports.mismatches(supervisor)}
    assert found == {fewer: (1, -2), unregistered: (1, -1), more: (2, 1)}
    assert reports.mismatches(make.district_staff(make.district())) == []
    assert [m.contract for m in reports.mismatches(
        make.district_staff(customer.ward.district))] == sorted(found, key=lambda c: c.number)


# --- answers and the rehash command --------------------------------------------------------


def test_the_answer_gives_the_count_and_the_quota_effect_without_personal_data(
        make, db_session):
    customer = make.customer(name="Đỗ Thị Lan")
    shared = contract(db_session, customer, households=3, number="HD-PC05AA0000007")
    household(db_session, shared, ID_A, head_name="Đỗ Thị Lan")
    text = answers.lookup("hd-pc05aa0000007")[0].sentence()
    assert "3 hộ" in text and "150 kWh" in text
    assert ID_A not in text and "2345" not in text and "Lan" not in text
    assert answers.for_contract(shared).staff_note() == \
        "Sổ hộ dùng chung ghi nhận 1 hộ, khác số hộ trên hợp đồng (3)."
    shop = contract(db_session, customer, usage_purpose=UsagePurpose.BUSINESS)
    assert "không ảnh hưởng" in answers.for_contract(shop).sentence()
    assert [a.contract_number for a in answers.lookup(customer.code)] == [shared.number,
                                                                          shop.number]
    assert answers.lookup("KHONG-CO") == []


def test_rehash_rewrites_the_digests_after_the_secret_key_changes(app, make, db_session,
                                                                   monkeypatch):
    row = household(db_session, contract(db_session, make.customer()), ID_A)
    monkeypatch.setitem(app.config, "SECRET_KEY", "rotated-secret")
    result = app.test_cli_runner().invoke(args=["households", "rehash"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"changed": 1}
    db_session.refresh(row)
    assert row.citizen_id_digest == digest(ID_A)
