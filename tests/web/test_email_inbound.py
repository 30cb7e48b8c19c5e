"""`POST /channels/email/inbound`: bearer token, stored once, clear 4xx for bad input; and
how e-mail shows on the ticket page."""
import pytest
import sqlalchemy as sa

from crm.models import ChannelState, ContactKind, ContactPoint, Message, Ticket
from tests.support.email_cases import raw

TOKEN = "relay-secret-2026"
URL = "/channels/email/inbound"


@pytest.fixture
def relay(app, monkeypatch):
    monkeypatch.setitem(app.config, "CHANNELS", {"INBOUND_EMAIL_TOKEN": TOKEN})


def post(client, body: bytes, token: str | None = TOKEN, **headers):
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(URL, data=body, headers=headers, content_type="message/rfc822")


def count(session, model):
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_without_a_configured_token_the_endpoint_does_not_exist(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "CHANNELS", {})
    assert post(client, raw("b_subject")).status_code == 404


def test_a_request_without_a_token_is_401_and_a_wrong_one_403(client, db_session, relay):
    missing = post(client, raw("b_subject"), token=None)
    assert missing.status_code == 401 and "Bearer" in missing.headers["WWW-Authenticate"]
    assert post(client, raw("b_subject"), token="wrong").status_code == 403
    basic = client.post(URL, data=raw("b_subject"), headers={"Authorization": "Basic eDp5"})
    assert basic.status_code == 401
    assert count(db_session, Message) == 0


def test_a_mail_is_stored_and_answered_202_with_its_ticket_code(client, db_session, relay):
    response = post(client, raw("b_subject"))
    assert response.status_code == 202
    ticket = db_session.scalar(sa.select(Ticket))
    assert response.json["ticket"] == ticket.code and response.json["duplicate"] is False
    message = db_session.scalar(sa.select(Message))
    assert message.subject == "Mất điện từ sáng ở phường Hải Châu"
    assert message.display_name == "Trần Thị Bình" and message.address == "binh@example.vn"
    assert db_session.get(ChannelState, "email").last_inbound_at is not None


def test_the_same_mail_posted_twice_is_stored_once(client, db_session, relay):
    first = post(client, raw("gmail_reply_vi")).json
    again = post(client, raw("gmail_reply_vi"))
    assert again.status_code == 202 and again.json["duplicate"] is True
    assert again.json["ticket"] == first["ticket"] and again.json["message"] == first["message"]
    assert count(db_session, Message) == 1 and count(db_session, Ticket) == 1


def test_an_auto_reply_is_stored_without_a_ticket(client, db_session, relay):
    response = post(client, raw("ooo_outlook"))
    assert response.status_code == 202
    assert response.json["ticket"] is None and response.json["automatic"] == "auto_reply"
    assert count(db_session, Message) == 1 and count(db_session, Ticket) == 0


def test_an_oversize_mail_is_413_with_a_clear_message(client, app, db_session, relay,
                                                      monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    response = post(client, raw("b_subject") + b"x" * 4096)
    assert response.status_code == 413 and "MB" in response.json["error"]
    assert count(db_session, Message) == 0


@pytest.mark.parametrize("body", [b"", b"\x00\xff\xfe garbage \x00", b"Subject: hi\n\nno sender",
                                  raw("no_sender")])
def test_garbage_is_400_with_the_reason_and_stores_nothing(client, db_session, relay, body):
    response = post(client, body)
    assert response.status_code == 400 and "error" in response.json
    assert count(db_session, Message) == 0


def test_broken_mime_is_stored_as_far_as_readable(client, db_session, relay):
    response = post(client, raw("broken_mime"))
    assert response.status_code == 202
    message = db_session.scalar(sa.select(Message))
    assert message.body == "Phần đọc được của thư hỏng."
    assert [a.filename for a in message.attachments] == ["hop-dong.pdf"]


# --- on the ticket page ---------------------------------------------------------------


@pytest.fixture
def agent(make, login):
    return login(make.user(full_name="Lê Thu Hà"))


def page(client, ticket_id) -> str:
    return client.get(f"/tickets/{ticket_id}").get_data(as_text=True)


def test_hostile_html_shows_sanitised_with_a_note_on_blocked_images(client, db_session, relay,
                                                                    agent):
    code = post(client, raw("hostile_html")).json["ticket"]
    ticket = db_session.scalar(sa.select(Ticket).where(Ticket.code == code))
    html = page(client, ticket.id)
    assert "Xem ảnh" in html and "Đã chặn ảnh tải từ bên ngoài (2 ảnh)" in html
    for bad in ("alert(", "onerror", "tracker.example.com", "javascript:", "<iframe"):
        assert bad not in html


def test_quoted_history_is_folded_behind_a_toggle(client, db_session, make, relay, agent):
    an = make.customer(name="Nguyễn Văn An")
    an.contact_points.append(ContactPoint(kind=ContactKind.EMAIL, value="an@example.vn"))
    db_session.flush()
    code = post(client, raw("outlook_reply")).json["ticket"]
    ticket = db_session.scalar(sa.select(Ticket).where(Ticket.code == code))
    html = page(client, ticket.id)
    new, folded = html.split('<details class="quoted-history">', 1)
    assert "Cảm ơn, điện đã có lại." in new[new.index(f'id="message-'):]
    assert "Hiện nội dung thư cũ được trích dẫn" in folded
    assert "Sent:" in folded.split("</details>")[0]


def test_an_auto_reply_on_a_thread_carries_a_badge(client, db_session, make, relay, agent):
    an = make.customer(name="Nguyễn Văn An")
    an.contact_points.append(ContactPoint(kind=ContactKind.EMAIL, value="an@example.vn"))
    ticket = make.ticket(customer=an, code="YC2512-000001", channel="email")
    assert post(client, raw("vacation_gmail")).json["ticket"] == ticket.code
    html = page(client, ticket.id)
    assert "auto-badge" in html and "Trả lời tự động" in html
    assert 'title="Auto-Submitted: auto-replied"' in html


def test_attachments_with_vietnamese_names_are_listed(client, db_session, relay, agent):
    code = post(client, raw("attachments_rfc2231")).json["ticket"]
    ticket = db_session.scalar(sa.select(Ticket).where(Ticket.code == code))
    html = page(client, ticket.id)
    assert "Hợp đồng mua bán điện.pdf" in html and "Căn cước công dân.png" in html


def test_a_ten_megabyte_mail_is_accepted_and_stored(client, db_session, relay):
    from tests.support.email_cases import builder

    response = post(client, builder.huge_mail())
    assert response.status_code == 202 and response.json["notes"] == []
    (attachment,) = db_session.scalar(sa.select(Message)).attachments
    assert attachment.filename == "ho-so.pdf" and attachment.size > 7_000_000
