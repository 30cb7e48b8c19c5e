from datetime import datetime, timedelta, timezone

from crm.inbox.queries import COUNT_CAP, Filters, changed_since, status_counts, ticket_page
from crm.models import Status

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)


def _tickets(make, n, **kw):
    made = []
    for i in range(n):
        ticket = make.ticket(**kw)
        ticket.updated_at = T0 + timedelta(minutes=i // 2)   # pairs share a timestamp
        made.append(ticket)
    return made


def test_keyset_pages_walk_every_ticket_once_newest_first(db_session, make):
    customer = make.customer()
    made = _tickets(make, 23, customer=customer)
    db_session.flush()
    user, seen, cursor = make.user(), [], None
    while True:
        page = ticket_page(user, Filters(), cursor, size=5)
        seen += page.tickets
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    expected = sorted(made, key=lambda t: (t.updated_at, t.id), reverse=True)
    assert seen == expected


def test_a_tampered_cursor_gives_the_first_page(db_session, make):
    _tickets(make, 3)
    assert len(ticket_page(make.user(), Filters(), "not-a-cursor!!").tickets) == 3


def test_filters_combine(db_session, make):
    zalo_outage = make.ticket(type="outage", channel="zalo")
    make.ticket(type="outage", channel="sms")
    make.ticket(type="inquiry", channel="zalo")
    done = make.ticket(type="outage", channel="zalo", status=Status.RESOLVED)
    user = make.user()
    assert ticket_page(user, Filters(type="outage", channel="zalo")).tickets == [zalo_outage]
    assert ticket_page(user, Filters(status="resolved")).tickets == [done]


def test_district_staff_lists_hold_only_their_district(db_session, make):
    mine = make.ticket()
    make.ticket()
    staff = make.district_staff(mine.district)
    page = ticket_page(staff, Filters(district_id=None))
    assert page.tickets == [mine]


def test_counts_are_per_open_status(db_session, make):
    make.ticket(status=Status.NEW)
    make.ticket(status=Status.NEW)
    make.ticket(status=Status.PENDING_CUSTOMER)
    counts = status_counts(make.user(), Filters())
    assert counts["new"] == 2 and counts["pending_customer"] == 1 and counts["open"] == 0
    assert COUNT_CAP >= 1000


def test_changed_since_returns_only_newer_activity(db_session, make):
    old, new = _tickets(make, 2)
    new.updated_at = T0 + timedelta(minutes=5)
    db_session.flush()
    assert changed_since(make.user(), Filters(), T0 + timedelta(minutes=1)) == [new]
    assert old not in changed_since(make.user(), Filters(), T0 + timedelta(minutes=1))
