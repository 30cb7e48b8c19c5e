"""The link, unlink and merge routes and the "links" panel of the ticket page."""
import html
import re

import pytest
import sqlalchemy as sa

from crm.models import (AuditEvent, Direction, Message, Role, Status, Ticket, TicketLink,
                        TicketParty)
from crm.tickets import merge
from workflows.sla import clock

# Notices go on configured channels only: these tests expect them written.
pytestmark = pytest.mark.usefixtures("notice_channels")


def _ticket(make, **kw):
    ticket = make.ticket(**kw)
    clock.record_status(ticket, ticket.created_at)
    clock.apply(ticket)
    return ticket


@pytest.fixture
def world(make, db_session):
    """Two tickets of district A (a duplicate and its target), one of district B, and staff."""
    into = _ticket(make, subject="Mất điện khu phố 3")
    duplicate = _ticket(make, subject="Nhà tôi mất điện", ward=into.ward, district=into.district)
    make.message(ticket=duplicate, body="Từ 7 giờ sáng đã mất điện")
    elsewhere = _ticket(make, subject="Ticket của Điện lực khác")
    return {"into": into, "duplicate": duplicate, "elsewhere": elsewhere,
            "agent": make.user(role=Role.AGENT),
            "staff_a": make.district_staff(into.district),
            "staff_b": make.district_staff(elsewhere.district)}


def _text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def _count(session, model, **where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**where))


def _snapshot(session, *tickets):
    session.expire_all()
    rows = tuple(tuple(session.execute(sa.select(Ticket.status, Ticket.merged_into_id,
                                                 Ticket.updated_at).where(Ticket.id == t.id))
                       .one()) for t in tickets)
    counts = tuple(_count(session, model, ticket_id=t.id) for t in tickets
                   for model in (Message, AuditEvent, TicketParty))
    return rows, counts, _count(session, TicketLink)


# --- linking ----------------------------------------------------------------------------


def test_linking_by_code_goes_back_and_both_pages_list_the_other(client, login, db_session,
                                                                 world):
    one, two = world["duplicate"], world["into"]
    login(world["agent"])
    response = client.post(f"/tickets/{one.id}/link", data={"code": two.code.lower()})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/tickets/{one.id}")
    assert _count(db_session, TicketLink) == 1
    page = _text(client.get(f"/tickets/{two.id}"))
    assert "Phiếu liên quan" in page and one.code in page and "Liên quan" in page
    assert f"/tickets/{two.id}/unlink/{one.id}" in page


def test_linking_twice_keeps_one_link(client, login, db_session, world):
    one, two = world["duplicate"], world["into"]
    login(world["agent"])
    client.post(f"/tickets/{one.id}/link", data={"code": two.code})
    response = client.post(f"/tickets/{two.id}/link", data={"code": one.code})
    assert response.status_code == 303
    assert _count(db_session, TicketLink) == 1


def test_linking_a_ticket_to_itself_is_refused_with_409(client, login, db_session, world):
    one = world["duplicate"]
    login(world["agent"])
    response = client.post(f"/tickets/{one.id}/link", data={"code": one.code})
    assert response.status_code == 409
    assert "Không thể liên kết một phiếu với chính nó." in _text(response)
    assert _count(db_session, TicketLink) == 0


def test_an_empty_code_is_refused_with_400_and_the_field_error(client, login, db_session, world):
    login(world["agent"])
    response = client.post(f"/tickets/{world['duplicate'].id}/link", data={"code": "  "})
    assert response.status_code == 400
    assert "Vui lòng nhập mã phiếu." in _text(response)
    response = client.post(f"/tickets/{world['duplicate'].id}/merge",
                           data={"code": world["into"].code, "reason": ""})
    assert response.status_code == 400
    assert "Vui lòng nhập lý do gộp phiếu." in _text(response)
    assert _count(db_session, TicketLink) == 0


def test_unlinking_removes_the_link(client, login, db_session, world):
    one, two = world["duplicate"], world["into"]
    merge.link(one, two, actor=None)
    login(world["agent"])
    response = client.post(f"/tickets/{two.id}/unlink/{one.id}")
    assert response.status_code == 303
    assert _count(db_session, TicketLink) == 0
    assert "Chưa liên kết với phiếu nào." in _text(client.get(f"/tickets/{two.id}"))


# --- merging ----------------------------------------------------------------------------


def test_merging_moves_the_thread_and_goes_to_the_target(client, login, db_session, world):
    duplicate, into = world["duplicate"], world["into"]
    login(world["agent"])
    response = client.post(f"/tickets/{duplicate.id}/merge",
                           data={"code": into.code, "reason": "Cùng một sự cố"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/tickets/{into.id}")
    db_session.expire_all()
    assert duplicate.status == Status.CLOSED and duplicate.merged_into_id == into.id
    assert duplicate.sla.stopped_at is not None
    notices = [m for m in db_session.scalars(sa.select(Message).filter_by(
        ticket_id=into.id, direction=Direction.OUTBOUND)) if m.meta.get("event") == "merged"]
    assert [m.customer_id for m in notices] == [duplicate.customer_id]
    page = _text(client.get(f"/tickets/{into.id}"))
    assert f"Đã gộp phiếu {duplicate.code} vào phiếu này." in page
    assert "Từ 7 giờ sáng đã mất điện" in page
    assert "Khách hàng khác của phiếu" in page and "Trùng, đã gộp" in page


def test_a_merged_ticket_shows_where_it_went_and_offers_no_merge(client, login, db_session,
                                                                 world):
    duplicate, into = world["duplicate"], world["into"]
    merge.merge(duplicate, into, actor=None, reason="Trùng")
    login(world["agent"])
    page = _text(client.get(f"/tickets/{duplicate.id}"))
    assert "Phiếu này đã được gộp vào phiếu" in page
    assert f'href="/tickets/{into.id}">{into.code}</a>' in page
    assert f"/tickets/{duplicate.id}/merge" not in page


@pytest.mark.parametrize("target", ["self", "other type", "merged"])
def test_a_refused_merge_flashes_the_reason_with_409_and_changes_nothing(
        client, login, db_session, make, world, target):
    duplicate, into = world["duplicate"], world["into"]
    if target == "self":
        into = duplicate
    elif target == "other type":
        into = _ticket(make, type="complaint", ward=into.ward, district=into.district)
    else:
        merge.merge(into, _ticket(make, ward=into.ward, district=into.district), actor=None,
                    reason="Trùng")
    before = _snapshot(db_session, duplicate, into)
    login(world["agent"])
    response = client.post(f"/tickets/{duplicate.id}/merge",
                           data={"code": into.code, "reason": "Trùng"})
    assert response.status_code == 409
    assert "gộp" in _text(response) and 'class="flash flash-error"' in \
        response.get_data(as_text=True)
    assert _snapshot(db_session, duplicate, into) == before


# --- district scoping -------------------------------------------------------------------


ROUTES = {
    "link": lambda w: (f"/tickets/{w['duplicate'].id}/link", {"code": w["elsewhere"].code}),
    "merge": lambda w: (f"/tickets/{w['duplicate'].id}/merge",
                        {"code": w["elsewhere"].code, "reason": "Trùng"}),
    "unlink": lambda w: (f"/tickets/{w['duplicate'].id}/unlink/{w['elsewhere'].id}", {}),
}


@pytest.mark.parametrize("route", ROUTES)
def test_district_staff_get_404_for_another_districts_ticket_and_nothing_changes(
        client, login, db_session, world, route):
    merge.link(world["duplicate"], world["elsewhere"], actor=None)
    url, data = ROUTES[route](world)
    before = _snapshot(db_session, world["duplicate"], world["elsewhere"])
    login(world["staff_a"])
    response = client.post(url, data=data)
    assert response.status_code == 404
    if route != "unlink":
        assert f"Không tìm thấy phiếu {world['elsewhere'].code}." in _text(response)
    assert _snapshot(db_session, world["duplicate"], world["elsewhere"]) == before


@pytest.mark.parametrize("route", ROUTES)
def test_district_staff_get_404_on_routes_of_another_districts_ticket(
        client, login, db_session, world, route):
    url, data = ROUTES[route](world)
    before = _snapshot(db_session, world["duplicate"], world["into"])
    login(world["staff_b"])
    assert client.post(url, data=data).status_code == 404
    assert _snapshot(db_session, world["duplicate"], world["into"]) == before


def test_district_staff_may_merge_within_their_own_district(client, login, db_session, world):
    login(world["staff_a"])
    response = client.post(f"/tickets/{world['duplicate'].id}/merge",
                           data={"code": world["into"].code, "reason": "Trùng"})
    assert response.status_code == 303
    db_session.expire_all()
    assert world["duplicate"].merged_into_id == world["into"].id


def test_district_staff_do_not_see_links_to_another_district(client, login, db_session, world):
    merge.link(world["duplicate"], world["elsewhere"], actor=None)
    login(world["staff_a"])
    page = _text(client.get(f"/tickets/{world['duplicate'].id}"))
    panel = re.search(r'<section class="card links-panel".*?</section>', page).group(0)
    assert "Chưa liên kết với phiếu nào." in panel and world["elsewhere"].code not in panel


def test_a_party_from_another_district_is_named_but_not_linked_for_district_staff(
        client, login, db_session, world):
    party = world["elsewhere"].customer
    merge.merge(world["elsewhere"], world["into"], actor=world["agent"], reason="Trùng")
    login(world["staff_a"])
    page = client.get(f"/tickets/{world['into'].id}").get_data(as_text=True)
    panel = re.search(r'<section class="card links-panel".*?</section>', page, re.S).group(0)
    assert party.name in panel and f"/customers/{party.id}" not in panel
    assert world["elsewhere"].code not in panel          # the merged ticket stays out of sight


# --- the page and CSRF ------------------------------------------------------------------


def test_the_ticket_page_shows_the_links_panel_with_its_forms(client, login, world):
    login(world["agent"])
    response = client.get(f"/tickets/{world['into'].id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="links"' in page and 'id="link-code"' in page and 'id="merge-code"' in page
    assert "Chưa liên kết với phiếu nào." in _text(response)


def test_posts_without_a_csrf_token_are_refused(app, client, login, db_session, world):
    login(world["agent"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/tickets/{world['duplicate'].id}/merge",
                               data={"code": world["into"].code, "reason": "Trùng"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    db_session.expire_all()
    assert world["duplicate"].merged_into_id is None
    assert _count(db_session, TicketLink) == 0
