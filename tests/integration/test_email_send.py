"""Replies go out through smtplib to a real SMTP server on loopback, with the headers that
make the customer's answer come back to the same ticket."""
import re

import pytest
import sqlalchemy as sa

from crm.inbox import jobs, mail, services
from crm.models import Channel, ContactKind, ContactPoint, DeliveryStatus, Direction, Message
from tests.support.smtp_server import SmtpServer, free_port

MAIL_FROM = "CSKH PC05 <cskh@pc05.vn>"


@pytest.fixture
def smtp(app, monkeypatch):
    with SmtpServer() as server:
        monkeypatch.setitem(app.config, "CHANNELS", {"SMTP_URL": server.url, "MAIL_FROM": MAIL_FROM})
        yield server


@pytest.fixture
def thread(db_session, make):
    """An's e-mail ticket with An's last mail on it (which quoted an older one)."""
    an = make.customer(name="Nguyễn Văn An")
    an.contact_points.append(ContactPoint(kind=ContactKind.EMAIL, value="an@example.vn"))
    ticket = make.ticket(customer=an, code="YC2512-000042", channel=Channel.EMAIL,
                         subject="Mất điện ở Hải Châu")
    make.message(ticket=ticket, channel=Channel.EMAIL, direction=Direction.INBOUND,
                 address="an@example.vn", provider_message_id="first@mail.example.vn")
    make.message(ticket=ticket, channel=Channel.EMAIL, direction=Direction.INBOUND,
                 address="an@example.vn", provider_message_id="an-2@mail.example.vn",
                 meta={"references": ["first@mail.example.vn"]})
    return ticket


def test_a_reply_is_sent_with_our_message_id_and_the_customers_thread(db_session, make, smtp,
                                                                       thread):
    agent = make.user()
    message = services.reply(thread, "Chào anh An,\n\nĐiện lực đã cử người đến kiểm tra.\n"
                             "Trân trọng.", actor=agent)
    jobs.send_message(message.id)

    (received,) = smtp.recorder.received
    assert received.mail_from == "cskh@pc05.vn" and received.rcpt_tos == ["an@example.vn"]
    sent = received.message
    assert sent["From"] == MAIL_FROM and sent["To"] == "an@example.vn"
    assert sent["Subject"] == "[YC2512-000042] Mất điện ở Hải Châu"
    assert re.fullmatch(rf"<YC2512-000042\.m{message.id}\.[0-9a-f]{{12}}@pc05\.vn>",
                        sent["Message-ID"])
    assert sent["In-Reply-To"] == "<an-2@mail.example.vn>"
    assert sent["References"] == "<first@mail.example.vn> <an-2@mail.example.vn>"
    assert "Auto-Submitted" not in sent
    text = sent.get_body(("plain",))
    assert text.get_content_charset() == "utf-8"
    assert text.get_content().replace("\r\n", "\n") == "Chào anh An,\n\nĐiện lực đã cử người đến kiểm tra.\nTrân trọng.\n"
    html = sent.get_body(("html",)).get_content()
    assert "<p>Chào anh An,</p>" in html and "<script" not in html
    assert message.status == DeliveryStatus.SENT
    assert message.provider_message_id == sent["Message-ID"].strip("<>")


def test_the_customers_answer_to_our_mail_comes_back_to_the_ticket(db_session, make, smtp, thread):
    message = services.reply(thread, "Đã xử lý.", actor=make.user())
    jobs.send_message(message.id)
    our_id = smtp.recorder.received[0].message["Message-ID"]
    answer = (f"From: an@example.vn\nSubject: =?utf-8?B?VGjDqm0gY8OidSBo4buPaQ==?=\n"
              f"Message-ID: <an-3@mail.example.vn>\nIn-Reply-To: {our_id}\n\nCảm ơn.\n").encode()
    assert mail.receive(answer).ticket == thread


def test_a_notice_says_it_was_sent_automatically(db_session, smtp, thread):
    message = services.send_to_customer(thread, "Phiếu đã được tiếp nhận.", event="received")
    jobs.send_message(message.id)
    sent = smtp.recorder.received[0].message
    assert sent["Auto-Submitted"] == "auto-generated"
    assert sent["Message-ID"].startswith("<YC2512-000042.m")


def test_a_permanent_refusal_fails_the_message_for_good(db_session, make, smtp, thread):
    smtp.recorder.refuse_rcpt = "550 5.1.1 <an@example.vn>: User unknown"
    message = services.reply(thread, "Chào anh.", actor=make.user())
    jobs.send_message(message.id)
    assert message.status == DeliveryStatus.FAILED and message.error.startswith("SMTP 550")
    assert smtp.recorder.received == []


def test_a_temporary_refusal_is_retried(db_session, make, smtp, thread):
    smtp.recorder.refuse_rcpt = "451 4.3.0 Try again later"
    message = services.reply(thread, "Chào anh.", actor=make.user())
    with pytest.raises(jobs.RetryableSendError, match="451"):
        jobs.send_message(message.id)
    assert db_session.get(Message, message.id).status == DeliveryStatus.QUEUED


def test_a_server_that_does_not_answer_is_retried(app, db_session, make, monkeypatch, thread):
    monkeypatch.setitem(app.config, "CHANNELS", {"SMTP_URL": f"smtp://127.0.0.1:{free_port()}",
                                                 "MAIL_FROM": MAIL_FROM})
    message = services.reply(thread, "Chào anh.", actor=make.user())
    with pytest.raises(jobs.RetryableSendError):
        jobs.send_message(message.id)


def test_credentials_in_the_url_are_used_to_log_in(app, db_session, make, monkeypatch, smtp,
                                                   thread):
    url = smtp.url.replace("smtp://", "smtp://cskh%40pc05.vn:p%40ss%3Aw%2Frd%25@")
    monkeypatch.setitem(app.config, "CHANNELS", {"SMTP_URL": url, "MAIL_FROM": MAIL_FROM})
    message = services.reply(thread, "Chào anh.", actor=make.user())
    jobs.send_message(message.id)
    assert message.error is None, message.error
    assert smtp.recorder.logins == [("cskh@pc05.vn", "p@ss:w/rd%")]
    assert message.status == DeliveryStatus.SENT


def test_a_mail_without_a_ticket_is_sent_without_a_code(db_session, make, smtp):
    customer = make.customer()
    customer.contact_points.append(ContactPoint(kind=ContactKind.EMAIL, value="b@example.vn"))
    db_session.flush()
    message = services.queue_outbound(customer, "Lịch cắt điện ngày 30/11.\nChi tiết…",
                                      channel=Channel.EMAIL, meta={"event": "planned_outage"})
    jobs.send_message(message.id)
    sent = smtp.recorder.received[0].message
    assert sent["Subject"] == "Lịch cắt điện ngày 30/11."
    assert re.fullmatch(rf"<m{message.id}\.[0-9a-f]{{12}}@pc05\.vn>", sent["Message-ID"])
    assert "In-Reply-To" not in sent
    assert db_session.scalar(sa.select(Message.status).where(Message.id == message.id)) == "sent"
