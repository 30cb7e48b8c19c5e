import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from crm.core.timefmt import iso
from crm.extensions import db
from crm.inbox import queries
from crm.models import Status, TicketSla

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)


def _at(ticket, minutes):
    ticket.updated_at = T0 + timedelta(minutes=minutes)
    return ticket


def _codes(html: str) -> list[str]:
    return re.findall(r'<td class="mono"><a href="[^"]+">([^<]+)</a>', html)


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_the_inbox_lists_open_tickets_newest_first(client, login, make, db_session):
    customer = make.customer()
    old = _at(make.ticket(customer=customer), 1)
    new = _at(make.ticket(customer=customer, status=Status.OPEN), 5)
    done = _at(make.ticket(customer=customer, status=Status.RESOLVED), 9)
    db_session.flush()
    login(make.user())
    response = client.get("/inbox")
    assert response.status_code == 200
    assert _codes(_text(response)) == [new.code, old.code]
    assert done.code not in _text(response)
    assert _codes(_text(client.get("/"))) == [new.code, old.code]


def test_a_row_shows_the_customer_phone_in_national_form_and_the_sla_countdown(
        client, login, make, db_session):
    ticket = make.ticket(customer=make.customer(name="Trần Thị Bình", phone="+84905123456"))
    db_session.add(TicketSla(ticket_id=ticket.id, started_at=T0, due_at=T0 + timedelta(hours=2)))
    db_session.flush()
    login(make.user())
    html = _text(client.get("/inbox"))
    assert "Trần Thị Bình" in html and "0905 123 456" in html
    assert 'data-due="2026-11-20T10:00:00+07:00"' in html
    assert re.search(r'data-now="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00"', html)


@pytest.mark.parametrize("query, expected", [
    ("status=pending_customer", ["pending"]),
    ("status=open", ["in_progress"]),
    ("status=all", ["pending", "in_progress", "resolved", "outage_zalo", "mine"]),
    ("type=outage", ["outage_zalo"]),
    ("channel=zalo", ["outage_zalo"]),
    ("assignee=me", ["mine", "in_progress"]),
    ("assignee=none", ["pending", "outage_zalo"]),
])
def test_the_list_filters_by_status_type_channel_and_assignee(
        client, login, make, db_session, query, expected):
    me = make.user()
    customer = make.customer()
    tickets = {
        "pending": _at(make.ticket(customer=customer, status=Status.PENDING_CUSTOMER), 1),
        "resolved": _at(make.ticket(customer=customer, status=Status.RESOLVED), 2),
        "in_progress": _at(make.ticket(customer=customer, status=Status.OPEN, assignee=me), 2),
        "outage_zalo": _at(make.ticket(customer=customer, type="outage", channel="zalo"), 3),
        "mine": _at(make.ticket(customer=customer, assignee=me), 4),
    }
    db_session.flush()
    login(me)
    codes = _codes(_text(client.get(f"/inbox?{query}")))
    assert sorted(codes) == sorted(tickets[name].code for name in expected)


def test_status_chips_count_each_open_status_and_cap_big_counts(
        client, login, make, db_session, monkeypatch):
    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    monkeypatch.setattr("crm.inbox.views.COUNT_CAP", 2)
    customer = make.customer()
    for _ in range(3):
        make.ticket(customer=customer)
    make.ticket(customer=customer, status=Status.DEFERRED)
    login(make.user())
    html = _text(client.get("/inbox"))
    assert re.search(r'status=new">Mới<span class="count">2\+</span>', html)
    assert re.search(r'status=deferred">Tạm hoãn<span class="count">1</span>', html)


def test_the_cursor_link_walks_to_the_next_page_keeping_the_filters(
        client, login, make, db_session):
    customer = make.customer()
    made = [_at(make.ticket(customer=customer, channel="zalo"), i)
            for i in range(queries.PAGE_SIZE + 3)]
    make.ticket(customer=customer, channel="sms")
    db_session.flush()
    login(make.user())
    first = _text(client.get("/inbox?channel=zalo"))
    newest_first = [t.code for t in reversed(made)]
    assert _codes(first) == newest_first[:queries.PAGE_SIZE]
    older = re.search(r'<a href="([^"]+)" rel="next">Cũ hơn →</a>', first).group(1)
    assert "channel=zalo" in older and "cursor=" in older
    second = _text(client.get(older.replace("&amp;", "&")))
    assert _codes(second) == newest_first[queries.PAGE_SIZE:]
    assert 'rel="next"' not in second
    assert re.search(r'<a href="/inbox\?channel=zalo" rel="first">', second)


def test_an_empty_list_says_so(client, login, make):
    login(make.user())
    assert "Không có phiếu nào khớp bộ lọc này." in _text(client.get("/inbox?type=outage"))


def test_changes_returns_the_tickets_updated_after_since_as_rendered_rows(
        client, login, make, db_session):
    customer = make.customer()
    _at(make.ticket(customer=customer), 0)
    fresh = _at(make.ticket(customer=customer, subject="Mất điện cả khu phố"), 10)
    db_session.flush()
    login(make.user())
    since = iso(T0 + timedelta(minutes=5))
    response = client.get("/inbox/changes", query_string={"since": since},
                          headers={"Accept": "application/json"})
    assert response.status_code == 200
    data = response.get_json()
    assert [row["id"] for row in data["rows"]] == [fresh.id]
    assert "Mất điện cả khu phố" in data["rows"][0]["html"]
    assert data["rows"][0]["html"].lstrip().startswith("<tr")
    assert datetime.fromisoformat(data["now"]) > T0


def test_changes_keeps_the_list_filters(client, login, make, db_session):
    customer = make.customer()
    _at(make.ticket(customer=customer, channel="sms"), 10)
    zalo = _at(make.ticket(customer=customer, channel="zalo"), 10)
    db_session.flush()
    login(make.user())
    data = client.get("/inbox/changes", query_string={"since": iso(T0), "channel": "zalo"}).get_json()
    assert [row["id"] for row in data["rows"]] == [zalo.id]


@pytest.mark.parametrize("since", [None, "", "yesterday", "2026-13-45T99:00:00"])
def test_changes_answers_400_json_for_a_missing_or_bad_since(client, login, make, since):
    login(make.user())
    query = {} if since is None else {"since": since}
    response = client.get("/inbox/changes", query_string=query)
    assert response.status_code == 400
    assert "since" in response.get_json()["error"]


def test_an_offset_written_with_a_space_is_still_read(client, login, make):
    login(make.user())
    response = client.get("/inbox/changes?since=2026-11-20T08:00:00 07:00")
    assert response.status_code == 200


def test_district_staff_see_only_their_district_in_the_list_and_in_changes(
        client, login, make, db_session):
    mine = _at(make.ticket(), 10)
    theirs = _at(make.ticket(), 10)
    db_session.flush()
    login(make.district_staff(mine.district))
    html = _text(client.get(f"/inbox?district={theirs.district_id}"))
    assert _codes(html) == [mine.code]
    assert 'name="district"' not in html           # no district filter for a scoped list
    data = client.get("/inbox/changes", query_string={"since": iso(T0)}).get_json()
    assert [row["id"] for row in data["rows"]] == [mine.id]


def test_the_changes_endpoint_answers_401_json_when_logged_out(client):
    response = client.get("/inbox/changes?since=2026-11-20T08:00:00%2B07:00",
                          headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.is_json and response.get_json()["error"]


def test_the_inbox_redirects_to_login_when_logged_out(client):
    response = client.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_list_costs_the_same_queries_for_3_or_30_rows(client, login, make, db_session):
    def queries_for_page():
        statements = []

        def count(*_args):
            statements.append(1)
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/inbox").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    login(make.user())
    for _ in range(3):
        make.ticket(assignee=make.user())
    queries_for_page()      # the first request also loads what the session caches
    few = queries_for_page()
    for _ in range(27):
        make.ticket(assignee=make.user())
    assert queries_for_page() == few
