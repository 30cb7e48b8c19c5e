"""Linking related tickets and merging duplicates: the services in crm.tickets.merge."""
import pytest
import sqlalchemy as sa

from crm.core import storage
from crm.models import (Attachment, AuditEvent, ContactAttempt, ContactOutcome, Direction,
                        LinkKind, Message, Note, Role, Status, Ticket, TicketLink, TicketParty)
from crm.tickets import merge, services
from crm.tickets.merge import MergeError
from workflows.sla import clock

# Notices go on configured channels only: these tests expect them written.
pytestmark = pytest.mark.usefixtures("notice_channels")


def _ticket(make, **kw):
    """A ticket whose SLA clock runs, as the ticket services leave a new one."""
    ticket = make.ticket(**kw)
    clock.record_status(ticket, ticket.created_at)
    clock.apply(ticket)
    return ticket


@pytest.fixture
def agent(make):
    return make.user(role=Role.AGENT)


@pytest.fixture
def pair(make, db_session):
    """A duplicate and the ticket it belongs to, in the same district, of different customers."""
    into = _ticket(make, subject="Mất điện khu phố 3")
    duplicate = _ticket(make, subject="Nhà tôi mất điện", ward=into.ward,
                        district=into.district)
    db_session.flush()
    return duplicate, into


def _count(session, model, **where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**where))


def _actions(session, ticket_id):
    return [a for (a,) in session.execute(sa.select(AuditEvent.action)
                                          .where(AuditEvent.ticket_id == ticket_id)
                                          .order_by(AuditEvent.id))]


def _notices(session, ticket_id):
    rows = session.scalars(sa.select(Message).where(Message.ticket_id == ticket_id,
                                                    Message.direction == Direction.OUTBOUND))
    return [m for m in rows if m.meta.get("event") == "merged"]


# --- links ------------------------------------------------------------------------------


def test_linking_twice_either_way_stores_one_row_shown_on_both_tickets(db_session, pair, agent):
    one, two = pair
    merge.link(one, two, actor=agent)
    merge.link(two, one, actor=agent)
    row = db_session.scalar(sa.select(TicketLink))
    assert _count(db_session, TicketLink) == 1
    assert (row.ticket_id, row.other_id) == (min(one.id, two.id), max(one.id, two.id))
    assert [(x.ticket, x.kind) for x in merge.links_of(one, agent)] == [(two, LinkKind.RELATED)]
    assert [x.ticket for x in merge.links_of(two, agent)] == [one]
    assert _actions(db_session, one.id).count("linked") == 1
    assert _actions(db_session, two.id).count("linked") == 1


def test_a_ticket_cannot_be_linked_to_itself(db_session, pair, agent):
    with pytest.raises(MergeError, match="chính nó"):
        merge.link(pair[0], pair[0], actor=agent)
    assert _count(db_session, TicketLink) == 0


def test_unlinking_removes_the_link_and_a_second_unlink_is_a_no_op(db_session, pair, agent):
    one, two = pair
    merge.link(one, two, actor=agent)
    assert merge.unlink(two, one, actor=agent) is True
    assert merge.unlink(one, two, actor=agent) is False
    assert _count(db_session, TicketLink) == 0
    assert merge.links_of(one, agent) == []
    assert "unlinked" in _actions(db_session, one.id)


def test_district_staff_see_only_linked_tickets_of_their_district(db_session, make, pair, agent):
    one, two = pair
    elsewhere = _ticket(make)
    merge.link(one, two, actor=agent)
    merge.link(one, elsewhere, actor=agent)
    staff = make.district_staff(one.district)
    assert [x.ticket for x in merge.links_of(one, agent)] == [two, elsewhere]
    assert [x.ticket for x in merge.links_of(one, staff)] == [two]


def test_district_staff_cannot_link_to_another_districts_ticket(db_session, make, pair):
    staff = make.district_staff(pair[0].district)
    with pytest.raises(MergeError):
        merge.link(pair[0], _ticket(make), actor=staff)
    assert _count(db_session, TicketLink) == 0


# --- merging ----------------------------------------------------------------------------


def test_merge_moves_messages_notes_attachments_and_contact_attempts(db_session, make, pair,
                                                                     agent):
    duplicate, into = pair
    make.message(ticket=duplicate)
    make.message(ticket=duplicate, body="Đến giờ vẫn chưa có điện")
    note = services.add_note(duplicate, "Khách gọi lần 2", actor=agent)
    storage.store(b"%PDF-1.4 anh", "anh.pdf", "application/pdf", ticket_id=duplicate.id,
                  note_id=note.id)
    db_session.add(ContactAttempt(ticket_id=duplicate.id, outcome=ContactOutcome.NO_ANSWER))
    db_session.flush()

    moved = merge.merge(duplicate, into, actor=agent, reason="Cùng một sự cố")

    assert moved == {"messages": 2, "notes": 1, "attachments": 1, "contacts": 1}
    for model in (Message, Note, Attachment, ContactAttempt):
        assert _count(db_session, model, ticket_id=duplicate.id) == 0
    assert _count(db_session, Note, ticket_id=into.id) == 1
    assert _count(db_session, Attachment, ticket_id=into.id) == 1
    assert _count(db_session, ContactAttempt, ticket_id=into.id) == 1
    inbound = db_session.scalars(sa.select(Message).where(
        Message.ticket_id == into.id, Message.direction == Direction.INBOUND)).all()
    assert {m.customer_id for m in inbound} == {duplicate.customer_id}   # who wrote is kept


def test_merge_keeps_every_customer_as_a_party_of_the_target(db_session, pair, agent):
    duplicate, into = pair
    merge.merge(duplicate, into, actor=agent, reason="Trùng")
    parties = merge.parties_of(into)
    assert [(p.customer_id, p.from_ticket_id) for p in parties] == \
        [(duplicate.customer_id, duplicate.id)]
    assert merge.recipients_of(into) == [into.customer, duplicate.customer]


def test_merge_closes_the_duplicate_with_its_sla_stopped(db_session, pair, agent):
    duplicate, into = pair
    assert duplicate.sla is not None and duplicate.sla.stopped_at is None
    merge.merge(duplicate, into, actor=agent, reason="Trùng")
    db_session.flush()
    assert duplicate.status == Status.CLOSED and duplicate.closed_at is not None
    assert duplicate.merged_into_id == into.id
    assert into.code in duplicate.result and "Trùng" in duplicate.result
    assert duplicate.sla.stopped_at is not None
    assert into.status == Status.NEW and into.sla.stopped_at is None
    link = db_session.scalar(sa.select(TicketLink))
    assert link.kind == LinkKind.DUPLICATE


def test_merge_writes_audit_events_on_both_tickets(db_session, make, pair, agent):
    duplicate, into = pair
    make.message(ticket=duplicate)
    merge.merge(duplicate, into, actor=agent, reason="Cùng sự cố")
    db_session.flush()
    merged = db_session.scalar(sa.select(AuditEvent).filter_by(ticket_id=duplicate.id,
                                                               action="merged"))
    merged_from = db_session.scalar(sa.select(AuditEvent).filter_by(ticket_id=into.id,
                                                                    action="merged_from"))
    assert merged.actor_id == agent.id and merged.changes["merged_into"] == [None, into.code]
    assert merged_from.changes["duplicate"] == [None, duplicate.code]
    assert merged_from.changes["messages"] == [0, 1]
    assert "status_changed" in _actions(db_session, duplicate.id)


def test_merge_queues_one_notice_per_customer_of_the_duplicate(db_session, make, pair, agent):
    duplicate, into = pair
    earlier = _ticket(make, ward=duplicate.ward, district=duplicate.district)
    merge.merge(earlier, duplicate, actor=agent, reason="Trùng lần 1")
    assert {m.customer_id for m in _notices(db_session, duplicate.id)} == {earlier.customer_id}

    merge.merge(duplicate, into, actor=agent, reason="Trùng lần 2")

    # The first notice moved over with the thread; the second merge adds one per customer.
    notices = [m for m in _notices(db_session, into.id) if into.code in m.body]
    assert sorted(m.customer_id for m in notices) == sorted(
        [duplicate.customer_id, earlier.customer_id])
    assert all(duplicate.code in m.body for m in notices)
    assert {p.customer_id for p in merge.parties_of(into)} == {duplicate.customer_id,
                                                               earlier.customer_id}


def test_merging_a_ticket_of_the_same_customer_adds_no_party_but_still_notifies(
        db_session, make, agent):
    into = _ticket(make)
    duplicate = _ticket(make, customer=into.customer)
    merge.merge(duplicate, into, actor=agent, reason="Khách gọi hai lần")
    assert merge.parties_of(into) == []
    assert [m.customer_id for m in _notices(db_session, into.id)] == [into.customer_id]


def test_a_related_link_becomes_the_duplicate_link_and_cannot_be_removed(db_session, pair,
                                                                         agent):
    duplicate, into = pair
    merge.link(duplicate, into, actor=agent)
    merge.merge(duplicate, into, actor=agent, reason="Trùng")
    merge.link(into, duplicate, actor=agent)             # never downgrades the merge's link
    assert [x.kind for x in merge.links_of(into, agent)] == [LinkKind.DUPLICATE]
    with pytest.raises(MergeError):
        merge.unlink(into, duplicate, actor=agent)
    assert _count(db_session, TicketLink) == 1


# --- refusals change nothing ------------------------------------------------------------


def _snapshot(session, *tickets):
    session.flush()
    rows = tuple(session.execute(sa.select(Ticket.status, Ticket.merged_into_id, Ticket.result)
                                 .where(Ticket.id == t.id)).one() for t in tickets)
    counts = tuple(_count(session, model, ticket_id=t.id) for t in tickets
                   for model in (Message, Note, AuditEvent, TicketParty))
    return rows, counts, _count(session, TicketLink)


def _closed_target(make, duplicate, into, agent):
    services.change_status(into, Status.CLOSED, actor=agent, result="Đã xử lý xong")
    return duplicate, into


def _other_type(make, duplicate, into, agent):
    return duplicate, _ticket(make, type="complaint", ward=into.ward, district=into.district)


def _already_merged(make, duplicate, into, agent):
    third = _ticket(make, ward=into.ward, district=into.district)
    merge.merge(duplicate, third, actor=agent, reason="Trùng")
    return duplicate, into


REFUSALS = {
    "itself": (lambda make, d, i, a: (d, d), "chính nó"),
    "closed target": (_closed_target, "đã đóng"),
    "different type": (_other_type, "khác loại"),
    "already merged": (_already_merged, "đã được gộp"),
    "closed duplicate": (lambda make, d, i, a: _closed_target(make, i, d, a)[::-1], "đã đóng"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_refused_merge_says_why_and_changes_nothing(db_session, make, pair, agent, case):
    build, reason = REFUSALS[case]
    duplicate, into = build(make, *pair, agent)
    make.message(ticket=duplicate)
    before = _snapshot(db_session, duplicate, into)
    with pytest.raises(MergeError, match=reason):
        merge.merge(duplicate, into, actor=agent, reason="Trùng")
    assert _snapshot(db_session, duplicate, into) == before


def test_a_merge_without_a_reason_is_refused(db_session, pair, agent):
    before = _snapshot(db_session, *pair)
    with pytest.raises(MergeError, match="lý do"):
        merge.merge(*pair, actor=agent, reason="  ")
    assert _snapshot(db_session, *pair) == before


def test_district_staff_cannot_merge_with_another_districts_ticket(db_session, make, pair):
    duplicate, _into = pair
    elsewhere = _ticket(make)
    staff = make.district_staff(duplicate.district)
    before = _snapshot(db_session, duplicate, elsewhere)
    with pytest.raises(MergeError, match="Điện lực mình"):
        merge.merge(duplicate, elsewhere, actor=staff, reason="Trùng")
    assert _snapshot(db_session, duplicate, elsewhere) == before
