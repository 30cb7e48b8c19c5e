"""The alerts bell and list: bounded unread count, visible alerts only, mark one or all read."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm.alerts import services
from crm.extensions import db
from crm.models import StaffAlert, utcnow


@pytest.fixture
def alert(db_session, make):
    def _alert(user, *, ticket=None, kind="sla_breach", minutes_ago=5, read=False, held=False):
        now = utcnow()
        row = StaffAlert(user_id=user.id, ticket_id=ticket.id if ticket else None, kind=kind,
                         text="Phiếu cũ", created_at=now - timedelta(minutes=minutes_ago),
                         visible_from=now + timedelta(hours=8) if held else
                         now - timedelta(minutes=minutes_ago),
                         read_at=now if read else None)
        db_session.add(row)
        db_session.flush()
        return row
    return _alert


def _bell(html: str) -> str | None:
    import re
    found = re.search(r'id="alerts-bell".*?</a>', html, re.S)
    assert found, "the bell is in the top bar"
    count = re.search(r'<span class="badge priority-urgent">([^<]+)</span>', found.group(0))
    return count.group(1) if count else None


def test_the_bell_counts_unread_visible_alerts_only(client, login, make, alert):
    user = login(make.user())
    ticket = make.ticket()
    alert(user, ticket=ticket)
    alert(user, ticket=ticket, kind="sla_warning")
    alert(user, read=True)
    alert(user, held=True)                       # waiting for office hours
    alert(make.user())                           # someone else's
    assert _bell(client.get("/inbox").get_data(as_text=True)) == "2"


def test_the_bell_stops_counting_at_99(client, login, make, alert, db_session):
    user = login(make.user())
    for _ in range(services.BELL_CAP + 5):
        alert(user)
    assert _bell(client.get("/inbox").get_data(as_text=True)) == "99+"
    assert services.unread_count(user) == services.BELL_CAP + 1


def test_the_list_shows_visible_alerts_newest_first_with_their_ticket(client, login, make,
                                                                       alert):
    user = login(make.user())
    ticket = make.ticket()
    old = alert(user, ticket=ticket, kind="sla_warning", minutes_ago=30)
    new = alert(user, ticket=ticket, minutes_ago=1)
    alert(user, held=True)
    html = client.get("/alerts").get_data(as_text=True)
    assert html.index(f'data-id="{new.id}"') < html.index(f'data-id="{old.id}"')
    assert f"Phiếu {ticket.code} đã quá hạn xử lý" in html
    assert f"Phiếu {ticket.code} sắp đến hạn xử lý" in html
    assert html.count('class="alert-row') == 2


def test_alert_pages_walk_every_alert_once(make, alert, db_session):
    user = make.user()
    made = [alert(user, minutes_ago=n) for n in range(7)]
    seen, before = [], None
    while True:
        page = services.alert_page(user, before, size=3)
        seen += page.alerts
        if page.next_before is None:
            break
        before = page.next_before
    assert [a.id for a in seen] == sorted((a.id for a in made), reverse=True)


def test_marking_one_alert_read_clears_it_from_the_bell(client, login, make, alert, db_session):
    user = login(make.user())
    first, second = alert(user), alert(user)
    response = client.post(f"/alerts/{first.id}/read")
    assert response.status_code == 303 and response.headers["Location"].endswith("/alerts")
    assert first.read_at is not None and second.read_at is None
    assert _bell(client.get("/alerts").get_data(as_text=True)) == "1"


def test_someone_elses_alert_is_404_and_stays_unread(client, login, make, alert):
    login(make.user())
    theirs = alert(make.user())
    assert client.post(f"/alerts/{theirs.id}/read").status_code == 404
    assert theirs.read_at is None


def test_marking_all_read_leaves_held_alerts_for_later(client, login, make, alert, db_session):
    user = login(make.user())
    alert(user), alert(user)
    held = alert(user, held=True)
    assert client.post("/alerts/read-all").status_code == 303
    unread = db_session.scalars(sa.select(StaffAlert.id).where(
        StaffAlert.user_id == user.id, StaffAlert.read_at.is_(None))).all()
    assert unread == [held.id]
    assert _bell(client.get("/inbox").get_data(as_text=True)) is None


def test_marking_read_needs_the_csrf_token(app, client, login, make, alert):
    user = login(make.user())
    mine = alert(user)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/alerts/{mine.id}/read").status_code == 400
        assert client.post("/alerts/read-all").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert mine.read_at is None


def test_the_alert_list_costs_the_same_queries_for_3_or_30_alerts(client, login, make, alert):
    def queries_for_page():
        statements = []

        def count(*_args):
            statements.append(1)
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/alerts").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    user = login(make.user())
    for _ in range(3):
        alert(user, ticket=make.ticket())
    queries_for_page()
    few = queries_for_page()
    for _ in range(27):
        alert(user, ticket=make.ticket())
    assert queries_for_page() == few
