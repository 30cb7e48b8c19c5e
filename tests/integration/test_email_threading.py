"""Each mail of the test set lands on the thread it belongs to; machines never open tickets."""
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from crm.inbox import mail
from crm.models import (Channel, ContactKind, ContactPoint, DeliveryStatus, Direction, Message,
                        Suspension, Ticket, utcnow)
from tests.support.email_cases import AN, CASES, builder, raw

# Notices go on configured channels only: these tests expect them written.
pytestmark = pytest.mark.usefixtures("notice_channels")


def count(session, model, *where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def world(db_session, make):
    """An, with an open e-mail ticket (our notice, An's first mail, a reply that bounced)
    and a hotline ticket; the ids are those the .eml files quote."""
    an = make.customer(name="Nguyễn Văn An")
    an.contact_points.append(ContactPoint(kind=ContactKind.EMAIL, value=AN))
    t1 = make.ticket(customer=an, code="YC2512-000001", channel=Channel.EMAIL)
    t2 = make.ticket(customer=an, code="YC2512-000002", channel=Channel.HOTLINE)

    def email(provider_id, direction, status):
        return make.message(ticket=t1, channel=Channel.EMAIL, direction=direction, address=AN,
                            provider_message_id=provider_id, status=status)
    email(builder.OUR_ID, Direction.OUTBOUND, DeliveryStatus.SENT)
    email(builder.AN_EARLIER_ID, Direction.INBOUND, DeliveryStatus.RECEIVED)
    bounced = email(builder.BOUNCED_ID, Direction.OUTBOUND, DeliveryStatus.SENT)
    return SimpleNamespace(an=an, t1=t1, t2=t2, bounced=bounced)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.file)
def test_each_mail_lands_on_its_thread(db_session, world, case):
    tickets_before = count(db_session, Ticket)
    outbound_before = count(db_session, Message, Message.direction == Direction.OUTBOUND)
    ctx = mail.receive(raw(case.file))
    db_session.flush()
    assert not ctx.duplicate and ctx.message.channel == Channel.EMAIL
    expected = {"T1": world.t1, "T2": world.t2, None: None}
    if case.thread == "new":
        assert ctx.ticket not in (world.t1, world.t2, None)
        assert ctx.ticket.customer == ctx.customer and ctx.ticket.channel == Channel.EMAIL
        assert count(db_session, Ticket) == tickets_before + 1
    else:
        assert ctx.ticket == expected[case.thread]
        assert count(db_session, Ticket) == tickets_before
    assert ctx.message.ticket_id == (ctx.ticket.id if ctx.ticket else None)
    if case.automatic:
        assert ctx.skipped.startswith(case.automatic)
        assert count(db_session, Message, Message.direction == Direction.OUTBOUND) == outbound_before
        assert ctx.message.meta["automatic"] == case.automatic


def test_a_permanent_bounce_marks_our_mail_failed_with_the_reason(db_session, world):
    ctx = mail.receive(raw("bounce_dsn"))
    db_session.flush()
    assert world.bounced.status == DeliveryStatus.FAILED
    assert "5.1.1" in world.bounced.error and "User unknown" in world.bounced.error
    assert ctx.message.address == AN and ctx.customer == world.an
    assert ctx.message.meta["bounced_message"] == world.bounced.id
    assert ctx.message.meta["from"] == "mailer-daemon@mx.example.vn"


def test_a_plain_text_bounce_from_mailer_daemon_also_marks_it_failed(db_session, world):
    mail.receive(raw("bounce_plain_mailer_daemon"))
    db_session.flush()
    assert world.bounced.status == DeliveryStatus.FAILED and "no mailbox" in world.bounced.error


def test_a_delay_notice_leaves_our_mail_as_sent(db_session, world):
    mail.receive(raw("bounce_delayed"))
    db_session.flush()
    assert world.bounced.status == DeliveryStatus.SENT and world.bounced.error is None


def test_the_same_mail_twice_is_stored_once(db_session, world):
    first = mail.receive(raw("gmail_reply_vi"))
    again = mail.receive(raw("gmail_reply_vi"))
    assert again.duplicate and again.message.id == first.message.id
    assert count(db_session, Message, Message.provider_message_id ==
                 "gmail_reply_vi@fixtures.example.vn") == 1


def test_an_auto_reply_gets_no_notice_where_a_person_gets_one(db_session, world):
    """With inquiries suspended, a person's mail opens a deferred ticket and is told so;
    an out-of-office reply from a stranger is stored and answered by nothing."""
    db_session.add(Suspension(types=["inquiry"], starts_at=utcnow() - timedelta(hours=1),
                              notice="Tạm ngừng tiếp nhận."))
    db_session.flush()
    person = mail.receive(raw("b_subject"))
    machine = mail.receive(raw("ooo_outlook"))
    db_session.flush()
    told = db_session.scalars(sa.select(Message).where(
        Message.direction == Direction.OUTBOUND, Message.ticket_id == person.ticket.id)).all()
    assert [m.meta.get("event") for m in told] == ["deferred"]
    assert machine.ticket is None
    assert count(db_session, Message, Message.direction == Direction.OUTBOUND,
                 Message.customer_id == machine.customer.id) == 0


def test_quoted_history_is_kept_whole_and_marked_for_folding(db_session, world):
    ctx = mail.receive(raw("outlook_reply"))
    db_session.flush()
    message = ctx.message
    at, html_at = message.meta["quote_at"], message.meta["html_quote_at"]
    assert message.body[:at].strip() == "Cảm ơn, điện đã có lại."
    assert "Sent: Monday" in message.body[at:]
    assert "Cảm ơn, điện đã có lại." in message.body_html[:html_at]
    assert "From:" not in message.body_html[:html_at] and "From:" in message.body_html[html_at:]


def test_an_apple_reply_folds_its_blockquote(db_session, world):
    message = mail.receive(raw("apple_reply_references")).message
    new, old = (message.body_html[:message.meta["html_quote_at"]],
                message.body_html[message.meta["html_quote_at"]:])
    assert "Còn cột điện nghiêng nữa." in new and "wrote:" not in new
    assert "<blockquote>" in old and "Mất điện." in old


def test_a_reply_to_a_merged_ticket_lands_where_it_was_merged(db_session, world, make):
    target = make.ticket(customer=world.an, channel=Channel.EMAIL)
    world.t1.merged_into = target
    db_session.flush()
    assert mail.receive(raw("gmail_reply_vi")).ticket == target


def test_attachments_are_stored_with_their_vietnamese_names(db_session, world):
    message = mail.receive(raw("attachments_rfc2231")).message
    assert [a.filename for a in message.attachments] == ["Hợp đồng mua bán điện.pdf",
                                                         "Căn cước công dân.png"]


def test_hostile_html_is_stored_sanitised(db_session, world):
    message = mail.receive(raw("hostile_html")).message
    stored = message.body_html.lower()
    for bad in ("<script", "onerror", "onclick", "javascript:", "<img", "<iframe", "<form",
                "<style", "tracker.example.com"):
        assert bad not in stored
    assert message.meta["remote_images"] == 2


def test_a_ten_megabyte_mail_is_stored_with_its_attachment(db_session, world):
    ctx = mail.receive(builder.huge_mail())
    db_session.flush()
    (pdf,) = ctx.message.attachments
    assert pdf.filename == "ho-so.pdf" and pdf.size > 7_000_000 and ctx.ticket is not None
