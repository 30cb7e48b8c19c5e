"""Route × role matrix: district staff never reach another district's ticket, by any route."""
import io

import pytest
import sqlalchemy as sa

from crm.core import storage
from crm.models import Attachment, AuditEvent, Message, Note, Role, Ticket


@pytest.fixture
def world(make, db_session):
    """A ticket of district A with a file, the staff of A and B, an agent, and a third district."""
    ticket = make.ticket(customer=make.customer(phone="+84905111222"))
    attachment = storage.store(b"PK\x03\x04 report", "bao-cao.zip", "application/zip",
                               ticket_id=ticket.id)
    db_session.flush()
    return {
        "ticket": ticket, "attachment": attachment, "elsewhere": make.district(),
        "district_staff_a": make.district_staff(ticket.district),
        "district_staff_b": make.district_staff(make.district()),
        "agent": make.user(role=Role.AGENT),
    }


def _get(path):
    return lambda w: ("get", path.format(id=w["ticket"].id, att=w["attachment"].id), None)


def _post(path, data):
    return lambda w: ("post", path.format(id=w["ticket"].id), data(w))


ROUTES = {
    "detail": _get("/tickets/{id}"),
    "thread": _get("/tickets/{id}/thread?after_message=0&after_note=0"),
    "canned": _get("/tickets/{id}/canned"),
    "attachment": _get("/attachments/{att}"),
    "reply": _post("/tickets/{id}/reply", lambda w: {"channel": "sms", "body": "Xin chào"}),
    "note": _post("/tickets/{id}/note", lambda w: {"body": "Ghi chú",
                                                   "file": (io.BytesIO(b"abc"), "a.txt")}),
    "status": _post("/tickets/{id}/status", lambda w: {"status": "open", "result": ""}),
    "assign": _post("/tickets/{id}/assign", lambda w: {"take": "1"}),
    "transfer": _post("/tickets/{id}/transfer",
                      lambda w: {"district": str(w["elsewhere"].id), "reason": "Sai địa bàn"}),
}


def _snapshot(session, ticket_id: int) -> tuple:
    def count(model, column):
        return session.scalar(sa.select(sa.func.count()).select_from(model)
                              .where(column == ticket_id))
    row = session.execute(sa.select(Ticket.status, Ticket.district_id, Ticket.assignee_id,
                                    Ticket.updated_at).where(Ticket.id == ticket_id)).one()
    return (tuple(row), count(Message, Message.ticket_id), count(Note, Note.ticket_id),
            count(AuditEvent, AuditEvent.ticket_id), count(Attachment, Attachment.ticket_id))


def _call(client, method, url, data):
    if method == "get":
        return client.get(url, headers={"Accept": "text/html"})
    return client.post(url, data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("route", ROUTES)
def test_district_staff_of_another_district_get_404_and_change_nothing(
        client, login, db_session, world, route):
    method, url, data = ROUTES[route](world)
    login(world["district_staff_b"])
    before = _snapshot(db_session, world["ticket"].id)
    response = _call(client, method, url, data)
    assert response.status_code == 404
    db_session.expire_all()
    assert _snapshot(db_session, world["ticket"].id) == before


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("who", ["district_staff_a", "agent"])
def test_the_owning_district_and_the_centre_may_use_every_route(
        client, login, db_session, world, route, who):
    method, url, data = ROUTES[route](world)
    login(world[who])
    before = _snapshot(db_session, world["ticket"].id)
    response = _call(client, method, url, data)
    assert response.status_code == (200 if method == "get" else 303)
    if method == "post":
        db_session.expire_all()
        assert _snapshot(db_session, world["ticket"].id) != before


@pytest.mark.parametrize("route", ["detail", "thread", "canned", "attachment"])
def test_an_unknown_ticket_or_file_is_404_for_everyone(client, login, world, route):
    method, url, data = ROUTES[route]({**world, "ticket": _Missing(), "attachment": _Missing()})
    login(world["agent"])
    assert _call(client, method, url, data).status_code == 404


class _Missing:
    id = 987654
