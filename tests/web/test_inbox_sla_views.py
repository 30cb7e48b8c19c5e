"""SLA in the lists: coloured state badges, the district queue by due time, the SLA filter,
and the "needs routing" chip."""
import re
from datetime import timedelta

import sqlalchemy as sa

from crm.core.timefmt import fmt_datetime
from crm.extensions import db
from crm.models import Status, TicketSla, utcnow


def _codes(html: str) -> list[str]:
    return re.findall(r'<td class="mono"><a href="[^"]+">([^<]+)</a>', html)


def _clock(session, ticket, due=None, warn=None, *, paused=False):
    session.add(TicketSla(ticket_id=ticket.id, started_at=utcnow() - timedelta(days=1),
                          due_at=due, warn_at=warn, is_paused=paused))
    session.flush()
    return ticket


def test_rows_show_the_sla_state_as_a_class_with_the_due_time_in_the_tooltip(
        client, login, make, db_session):
    now = utcnow()
    breached = _clock(db_session, make.ticket(), now - timedelta(minutes=5),
                      now - timedelta(hours=1))
    warning = _clock(db_session, make.ticket(), now + timedelta(hours=2), now - timedelta(hours=1))
    fine = _clock(db_session, make.ticket(), now + timedelta(days=2), now + timedelta(days=1))
    _clock(db_session, make.ticket(), paused=True)
    login(make.user())
    html = client.get("/inbox").get_data(as_text=True)
    for ticket, state in ((breached, "breached"), (warning, "warning"), (fine, "ok")):
        row = re.search(rf'<tr[^>]*data-id="{ticket.id}".*?</tr>', html, re.S).group(0)
        assert f"badge sla sla-{state}" in row
        assert f'title="Hạn xử lý: {fmt_datetime(ticket.sla.due_at)}"' in row   # dd/mm/yyyy HH:MM
    assert "badge sla sla-paused" in html and "tạm dừng" in html


def test_district_staff_see_their_queue_soonest_due_first(client, login, make, db_session):
    district, now = make.district(), utcnow()
    ward = make.ward(district=district)
    late = _clock(db_session, make.ticket(ward=ward), now + timedelta(days=3))
    soon = _clock(db_session, make.ticket(ward=ward), now + timedelta(hours=1))
    no_clock = make.ticket(ward=ward)
    soon.updated_at = now - timedelta(days=1)            # by activity it would come last
    db_session.flush()
    login(make.district_staff(district))
    html = client.get("/inbox").get_data(as_text=True)
    assert _codes(html) == [soon.code, late.code, no_clock.code]
    assert '<option selected value="due">' in html
    by_activity = client.get("/inbox?sort=activity").get_data(as_text=True)
    assert _codes(by_activity)[-1] == soon.code


def test_due_pages_link_to_each_other_keeping_the_sort(client, login, make, db_session):
    now = utcnow()
    made = [_clock(db_session, make.ticket(), now + timedelta(minutes=n)) for n in range(55)]
    login(make.user())
    first = client.get("/inbox?sort=due").get_data(as_text=True)
    assert _codes(first) == [t.code for t in made[:50]]
    link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "sort=due" in link
    assert _codes(client.get(link).get_data(as_text=True)) == [t.code for t in made[50:]]


def test_the_sla_filter_narrows_the_list(client, login, make, db_session):
    now = utcnow()
    late = _clock(db_session, make.ticket(), now - timedelta(hours=1), now - timedelta(hours=3))
    _clock(db_session, make.ticket(), now + timedelta(hours=5), now + timedelta(hours=1))
    login(make.user())
    assert _codes(client.get("/inbox?sla=breached").get_data(as_text=True)) == [late.code]


def test_centre_users_see_the_needs_routing_chip_with_its_count(client, login, make, db_session):
    lost = make.ticket(district=None, ward=None)
    routed = make.ticket()
    login(make.user())
    html = client.get("/inbox").get_data(as_text=True)
    chip = re.search(r'<a class="chip chip-unrouted[^"]*" href="([^"]+)"[^>]*>(.*?)</a>', html)
    assert "Chưa định tuyến" in chip.group(2) and '<span class="count">1</span>' in chip.group(2)
    listed = client.get(chip.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert _codes(listed) == [lost.code]
    client.post("/logout")
    login(make.district_staff(routed.district))
    assert "chip-unrouted" not in client.get("/inbox").get_data(as_text=True)


def test_the_due_list_costs_the_same_queries_for_3_or_30_rows(client, login, make, db_session):
    def queries_for_page():
        statements = []

        def count(*_args):
            statements.append(1)
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/inbox?sort=due").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    login(make.user())
    now = utcnow()
    for n in range(3):
        _clock(db_session, make.ticket(assignee=make.user()), now + timedelta(hours=n))
    queries_for_page()
    few = queries_for_page()
    for n in range(27):
        _clock(db_session, make.ticket(assignee=make.user()), now + timedelta(hours=n))
    assert queries_for_page() == few


def test_a_resolved_ticket_shows_a_stopped_clock(client, login, make, db_session):
    ticket = make.ticket(status=Status.RESOLVED)
    db_session.add(TicketSla(ticket_id=ticket.id, started_at=utcnow() - timedelta(days=1),
                             due_at=utcnow(), stopped_at=utcnow()))
    db_session.flush()
    login(make.user())
    assert "badge sla sla-stopped" in client.get("/inbox?status=resolved").get_data(as_text=True)
