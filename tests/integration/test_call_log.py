"""The call log's promise: any order, any repeats, the same call; never a step backwards."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import permutations

import pytest
import sqlalchemy as sa

from channels import calls as kinds
from channels.calls import CallEvent
from crm.calls import services
from crm.calls.state import STAGE
from crm.customers import services as customers
from crm.models import Call, CallState, ContactKind, Customer

T0 = datetime(2026, 3, 2, 2, 15, tzinfo=timezone.utc)


def pbx(kind, seconds, call_id="c-1", **fields):
    return CallEvent(provider="pbx", call_id=call_id, kind=kind, at=T0 + timedelta(seconds=seconds),
                     key=f"{kind}-{seconds}", caller="0905 777 888", **fields)


ANSWERED_CALL = [pbx(kinds.RINGING, 0, extension="101"), pbx(kinds.ANSWERED, 8, extension="101"),
                 pbx(kinds.ENDED, 100, duration=100)]
MISSED_CALL = [pbx(kinds.RINGING, 0), pbx(kinds.ENDED, 30, duration=30)]


@pytest.mark.parametrize("order", list(permutations(range(3))))
def test_an_answered_call_ends_the_same_whatever_the_order(db_session, make, order):
    agent = make.user(phone_extension="101")
    stages = []
    for index in order:
        call, _repeat = services.record_event(ANSWERED_CALL[index])
        stages.append(STAGE[call.state])
    assert stages == sorted(stages)                        # never a step backwards
    assert call.state == CallState.ENDED and call.agent_id == agent.id
    assert call.duration == 100 and call.started_at == T0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Call)) == 1


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_a_call_nobody_answered_is_missed_in_either_order(db_session, order):
    for index in order:
        call, _repeat = services.record_event(MISSED_CALL[index])
    assert call.state == CallState.MISSED


def test_every_event_twice_changes_nothing_the_second_time(db_session):
    for event in ANSWERED_CALL + ANSWERED_CALL:
        call, repeat = services.record_event(event)
    assert repeat and call.state == CallState.ENDED
    assert len(call.ivr_choices) == 0 and call.duration == 100


def test_a_withheld_number_is_logged_without_a_customer(db_session):
    event = CallEvent(provider="pbx", call_id="anon", kind=kinds.RINGING, at=T0, key="k",
                      caller="anonymous")
    call, _repeat = services.record_event(event)
    assert call.customer_id is None and call.from_number is None and call.message_id is None


def test_linking_a_provisional_caller_moves_their_calls(db_session, make):
    call, _repeat = services.record_event(pbx(kinds.RINGING, 0))
    provisional = call.customer
    assert provisional.is_provisional
    real = make.customer(phone=None)
    customers.link(provisional, real)
    db_session.expire_all()
    call = db_session.get(Call, call.id)
    assert call.customer_id == real.id
    assert db_session.get(Customer, real.id).contact(ContactKind.PHONE) == "+84905777888"
