from datetime import datetime, timezone

import sqlalchemy as sa

from channels.base import ContactRef, InboundAttachment, InboundMessage
from crm.inbox.ingest import ingest
from crm.models import ContactPoint, Customer, Message, Ticket

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)


def sms(external_id="SM1", text="Nhà tôi mất điện", phone="+84905111222", **kw):
    return InboundMessage(channel="sms", external_id=external_id, received_at=NOW,
                          sender=ContactRef("phone", phone), text=text, **kw)


def count(session, model):
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_message_from_a_known_phone_joins_that_customer(db_session, make):
    customer = make.customer(phone="+84905111222")
    ctx = ingest(sms())
    assert ctx.customer == customer and ctx.ticket.customer == customer
    assert ctx.message.ticket_id == ctx.ticket.id and ctx.message.body == "Nhà tôi mất điện"


def test_a_redelivered_message_is_stored_once(db_session, make):
    make.customer(phone="+84905111222")
    first = ingest(sms())
    again = ingest(sms())
    assert again.duplicate and again.message.id == first.message.id
    assert count(db_session, Message) == 1 and count(db_session, Ticket) == 1


def test_an_unknown_sender_becomes_a_provisional_contact_once(db_session):
    ingest(sms("SM1", phone="0912 345 678"))
    ingest(sms("SM2", phone="+84912345678", text="Còn nữa"))
    customer = db_session.scalar(sa.select(Customer))
    assert customer.is_provisional and count(db_session, Customer) == 1
    assert db_session.scalar(sa.select(ContactPoint.value)) == "+84912345678"
    assert count(db_session, Ticket) == 1 and count(db_session, Message) == 2


def test_a_quoted_ticket_code_threads_into_that_ticket(db_session, make):
    customer = make.customer(phone="+84905111222")
    ticket = make.ticket(customer=customer, channel="email")
    ctx = ingest(sms(text=f"Phiếu {ticket.code} sao chưa xử lý?",
                     thread_hint=f"Phiếu {ticket.code} sao chưa xử lý?"))
    assert ctx.ticket == ticket


def test_another_customers_ticket_code_does_not_thread(db_session, make):
    make.customer(phone="+84905111222")
    foreign = make.ticket()
    ctx = ingest(sms(thread_hint=foreign.code))
    assert ctx.ticket != foreign


def test_an_oversize_attachment_is_refused_but_the_message_kept(app, db_session, make):
    make.customer(phone="+84905111222")
    big = InboundAttachment("anh.jpg", "image/jpeg", b"x" * (app.config["MAX_ATTACHMENT_BYTES"] + 1))
    ok = InboundAttachment("hoa don.pdf", "application/pdf", b"%PDF-1.4 test")
    ctx = ingest(sms(attachments=(big, ok)))
    assert [a.filename for a in ctx.message.attachments] == ["hoa don.pdf"]
    assert ctx.notes and "anh.jpg" in ctx.notes[0]


def test_inbound_html_is_sanitised_before_storage(db_session, make):
    make.customer(phone="+84905111222")
    ctx = ingest(sms(html='<p onclick="x()">Chào<script>alert(1)</script>'
                      '<img src="http://evil/t.gif"></p>'))
    assert ctx.message.body_html == "<p>Chào</p>"


def test_quoting_a_merged_tickets_code_threads_into_the_ticket_it_was_merged_into(db_session, make):
    customer = make.customer(phone="+84905111222")
    target = make.ticket(channel="email")
    merged = make.ticket(customer=customer, channel="email", merged_into=target)
    ctx = ingest(sms(thread_hint=f"Phiếu {merged.code} thế nào rồi?"))
    assert ctx.ticket == target


def test_a_party_of_a_merged_ticket_joins_it_when_writing_again(db_session, make):
    from crm.models import TicketParty
    customer = make.customer(phone="+84905111222")
    target = make.ticket(channel="sms")
    db_session.add(TicketParty(ticket_id=target.id, customer_id=customer.id))
    db_session.flush()
    assert ingest(sms(text="Tôi vẫn chờ")).ticket == target
