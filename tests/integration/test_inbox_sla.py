"""Lists by due time (keyset on due_at, id; no clock last) and the SLA-state filter."""
from datetime import datetime, timedelta, timezone

import pytest

from crm.inbox.queries import (SORT_DUE, Filters, decode_due_cursor, ticket_page,
                               unrouted_count)
from crm.models import Status, TicketSla

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=timezone.utc)


def _clock(session, ticket, due=None, warn=None, *, paused=False, stopped=False):
    session.add(TicketSla(ticket_id=ticket.id, started_at=NOW - timedelta(days=2),
                          due_at=due, warn_at=warn, is_paused=paused,
                          stopped_at=NOW if stopped else None))
    session.flush()
    return ticket


@pytest.mark.parametrize("narrowed", [False, True], ids=["company-wide", "one district"])
def test_due_pages_walk_every_ticket_once_soonest_first_and_clockless_last(db_session, make,
                                                                          narrowed):
    customer = make.customer()
    made = []
    for n in range(17):
        ticket = make.ticket(customer=customer)
        if n % 5 == 4:
            _clock(db_session, ticket, paused=True)          # a paused clock has no due time
        elif n % 7 != 6:                                     # ... and some have no clock
            _clock(db_session, ticket, NOW + timedelta(hours=n // 3))   # ties share a due
        made.append(ticket)
    user, seen, cursor = make.user(), [], None
    filters = Filters(sort=SORT_DUE, district_id=customer.ward.district_id if narrowed else None)
    while True:
        page = ticket_page(user, filters, cursor, size=4)
        seen += page.tickets
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    def key(t):
        due = t.sla.due_at if t.sla else None
        return (due is None, due or NOW, t.id)
    assert seen == sorted(made, key=key)
    assert len(set(t.id for t in seen)) == 17


def test_a_tampered_or_foreign_due_cursor_gives_the_first_page(db_session, make):
    first = _clock(db_session, make.ticket(), NOW)
    user = make.user()
    for cursor in ("garbage!!", "MjAyNi0xMS0yMFQwMTowMDowMCswMDowMHwx"):   # an activity cursor
        assert decode_due_cursor(cursor) is None
        assert ticket_page(user, Filters(sort=SORT_DUE), cursor).tickets == [first]


def test_district_staff_get_their_queue_by_due_time_unless_they_choose(make):
    staff, agent = make.district_staff(make.district()), make.user()
    assert Filters.from_args({}, staff).sort == "due"
    assert Filters.from_args({"sort": "activity"}, staff).sort == "activity"
    assert Filters.from_args({}, agent).sort == "activity"
    assert Filters.from_args({"sort": "nonsense"}, agent).sort == "activity"


def test_the_sla_filter_keeps_running_clocks_in_that_state(db_session, make):
    breached = _clock(db_session, make.ticket(), NOW - timedelta(minutes=1),
                      NOW - timedelta(hours=1))
    warning = _clock(db_session, make.ticket(), NOW + timedelta(hours=1), NOW - timedelta(hours=1))
    _clock(db_session, make.ticket(), NOW + timedelta(hours=9), NOW + timedelta(hours=3))
    _clock(db_session, make.ticket(), paused=True)
    _clock(db_session, make.ticket(status=Status.RESOLVED), NOW - timedelta(days=1),
           stopped=True)
    user = make.user()
    assert ticket_page(user, Filters(sla="breached", status=None), now=NOW).tickets == [breached]
    assert ticket_page(user, Filters(sla="warning"), now=NOW).tickets == [warning]
    assert Filters.from_args({"sla": "whatever"}).sla is None


def test_the_unrouted_count_is_for_centre_users_only(db_session, make):
    make.ticket(district=None, ward=None)
    make.ticket(district=None, ward=None, status=Status.CLOSED)
    routed = make.ticket()
    assert unrouted_count(make.user()) == 1
    assert unrouted_count(make.district_staff(routed.district)) is None
