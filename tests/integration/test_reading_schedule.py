"""Lịch ghi chỉ số: month-end by default, a ward's day, a customer's own day, the answer."""
from datetime import date

import pytest
import sqlalchemy as sa

from crm.consumption import schedule
from crm.models import ReadingDay


def test_month_end_is_the_default(db_session, make):
    customer = make.customer()
    assert schedule.rule_for(customer) == schedule.ReadingRule(31, "default")
    assert schedule.next_reading_date(customer, date(2026, 11, 5)) == date(2026, 11, 30)
    assert schedule.answer(customer, date(2026, 11, 5)) == \
        "Ngày ghi chỉ số công tơ kỳ tới: 30/11/2026"


def test_a_wards_day_applies_to_its_customers_and_a_customers_own_day_wins(db_session, make):
    ward = make.ward()
    neighbour, customer, elsewhere = (make.customer(ward=ward), make.customer(ward=ward),
                                      make.customer())
    schedule.set_reading_day(15, ward=ward)
    schedule.set_reading_day(31, customer=customer)
    assert schedule.rule_for(neighbour) == schedule.ReadingRule(15, "ward")
    assert schedule.rule_for(customer) == schedule.ReadingRule(31, "customer")
    assert schedule.rule_for(elsewhere).source == "default"
    assert schedule.next_reading_date(neighbour, date(2026, 11, 16)) == date(2026, 12, 15)
    assert schedule.answer(neighbour, date(2026, 11, 15)) == \
        "Ngày ghi chỉ số công tơ kỳ tới: 15/11/2026"
    schedule.set_reading_day(None, customer=customer)
    assert schedule.rule_for(customer) == schedule.ReadingRule(15, "ward")


def test_changing_a_day_keeps_one_row_per_scope(db_session, make):
    ward = make.ward()
    schedule.set_reading_day(10, ward=ward)
    schedule.set_reading_day(20, ward=ward)
    assert db_session.scalars(sa.select(ReadingDay.day)).all() == [20]
    with pytest.raises(ValueError):
        schedule.set_reading_day(32, ward=ward)
    with pytest.raises(ValueError):
        schedule.set_reading_day(5)


@pytest.fixture
def runner(app, db_session):
    return app.test_cli_runner()


def test_the_commands_set_a_day_and_answer_the_next_date(runner, db_session, make):
    customer = make.customer()
    result = runner.invoke(args=["readings", "reading-day", "--ward", customer.ward.code, "20"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["readings", "next-date", customer.code.lower(),
                                 "--today", "2026-11-21"])
    assert result.output.strip() == "Ngày ghi chỉ số công tơ kỳ tới: 20/12/2026"
    runner.invoke(args=["readings", "reading-day", "--customer", customer.code, "month-end"])
    result = runner.invoke(args=["readings", "next-date", customer.code, "--today",
                                 "2027-02-03"])
    assert result.output.strip() == "Ngày ghi chỉ số công tơ kỳ tới: 28/02/2027"
    assert runner.invoke(args=["readings", "reading-day", "--customer", customer.code,
                               "40"]).exit_code == 2
    assert runner.invoke(args=["readings", "next-date", "KHONGCO"]).exit_code == 1
