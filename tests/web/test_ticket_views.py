import re

import pytest
import sqlalchemy as sa

from crm.core import storage
from crm.extensions import db
from crm.models import (Attachment, AuditEvent, CannedReply, ContactKind, ContactPoint,
                        DeliveryStatus, Direction, Message, Note, Role, Status)
from crm.tickets import services

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def agent(make):
    return make.user(full_name="Lê Thu Hà")


@pytest.fixture
def ticket(make):
    customer = make.customer(name="Phạm Minh Tuấn", phone="+84912345678")
    return make.ticket(customer=customer, subject="Mất điện từ 7 giờ sáng")


def _text(response) -> str:
    return response.get_data(as_text=True)


def _count(session, model, **where) -> int:
    query = sa.select(sa.func.count()).select_from(model).filter_by(**where)
    return session.scalar(query)


def test_the_ticket_page_shows_the_header_customer_and_thread_in_order(
        client, login, make, db_session, agent, ticket):
    make.message(ticket=ticket, body="Nhà tôi mất điện", address="+84912345678")
    services.add_note(ticket, "Đã gọi lại cho khách", actor=agent)
    make.message(ticket=ticket, channel="email", body="plain", address="a@example.vn",
                 body_html="<p>Thư <strong>HTML</strong></p>")
    login(agent)
    html = _text(client.get(f"/tickets/{ticket.id}"))
    assert ticket.code in html and "Mất điện từ 7 giờ sáng" in html
    assert "Phạm Minh Tuấn" in html and "0912 345 678" in html
    assert f'href="/customers/{ticket.customer_id}"' in html
    assert "Hỏi đáp, tra cứu" in html                        # type label
    first, note, html_mail = (html.index("Nhà tôi mất điện"), html.index("Đã gọi lại cho khách"),
                              html.index("<p>Thư <strong>HTML</strong></p>"))
    assert first < note < html_mail
    assert 'class="msg note"' in html
    assert "Thêm ghi chú" in html                             # the audit trail


def test_the_customer_panel_lists_their_other_open_tickets(client, login, make, agent, ticket):
    other = make.ticket(customer=ticket.customer, subject="Xin cấp điện cho kho")
    closed = make.ticket(customer=ticket.customer, status=Status.CLOSED)
    login(agent)
    html = _text(client.get(f"/tickets/{ticket.id}"))
    assert other.code in html and closed.code not in html


def test_a_reply_is_stored_outbound_and_shows_its_failed_delivery(
        client, login, db_session, agent, ticket):
    login(agent)
    response = client.post(f"/tickets/{ticket.id}/reply",
                           data={"channel": "sms", "body": "Điện lực đang xử lý ạ."})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/tickets/{ticket.id}")
    message = db_session.scalar(sa.select(Message).filter_by(ticket_id=ticket.id))
    assert message.direction == Direction.OUTBOUND and message.author_id == agent.id
    assert message.address == "+84912345678"
    db_session.refresh(message)
    assert message.status == DeliveryStatus.FAILED            # no SMS provider configured
    html = _text(client.get(f"/tickets/{ticket.id}"))
    assert "Điện lực đang xử lý ạ." in html
    assert "Gửi lỗi" in html and "channel not configured" in html
    assert "Đã gửi trả lời vào hàng đợi." in html


def test_an_empty_reply_is_refused_with_400(client, login, db_session, agent, ticket):
    login(agent)
    response = client.post(f"/tickets/{ticket.id}/reply", data={"channel": "sms", "body": " "})
    assert response.status_code == 400
    assert "Vui lòng nhập nội dung trả lời." in _text(response)
    assert _count(db_session, Message, ticket_id=ticket.id) == 0


def test_a_reply_on_a_channel_the_customer_lacks_is_refused(client, login, db_session, agent,
                                                            ticket):
    login(agent)
    response = client.post(f"/tickets/{ticket.id}/reply", data={"channel": "zalo", "body": "Chào"})
    assert response.status_code == 400
    assert _count(db_session, Message, ticket_id=ticket.id) == 0


def test_a_note_with_a_file_stores_both(client, login, db_session, agent, ticket):
    login(agent)
    response = client.post(f"/tickets/{ticket.id}/note", content_type="multipart/form-data",
                           data={"body": "Ảnh hiện trường", "file": (_io(PNG), "hien-truong.png")})
    assert response.status_code == 303
    note = db_session.scalar(sa.select(Note).filter_by(ticket_id=ticket.id))
    attachment = db_session.scalar(sa.select(Attachment).filter_by(note_id=note.id))
    assert attachment.ticket_id == ticket.id and attachment.content_type == "image/png"


def test_a_note_with_an_oversize_file_saves_nothing(app, client, login, db_session, agent, ticket,
                                                    monkeypatch):
    monkeypatch.setitem(app.config, "MAX_ATTACHMENT_BYTES", 1024 * 1024)
    login(agent)
    big = b"x" * (1024 * 1024 + 1)
    response = client.post(f"/tickets/{ticket.id}/note", content_type="multipart/form-data",
                           data={"body": "Biên bản", "file": (_io(big), "bien-ban.pdf")})
    assert response.status_code == 400
    assert "Tệp lớn hơn 1 MB" in _text(response)
    assert _count(db_session, Note, ticket_id=ticket.id) == 0
    assert _count(db_session, Attachment, ticket_id=ticket.id) == 0


def test_a_note_with_a_refused_file_type_saves_nothing(client, login, db_session, agent, ticket):
    login(agent)
    response = client.post(f"/tickets/{ticket.id}/note", content_type="multipart/form-data",
                           data={"body": "Xem tệp", "file": (_io(b"MZ..."), "virus.exe")})
    assert response.status_code == 400
    assert _count(db_session, Note, ticket_id=ticket.id) == 0


def test_resolving_without_a_result_is_refused_and_changes_nothing(
        client, login, db_session, agent, ticket):
    login(agent)
    response = client.post(f"/tickets/{ticket.id}/status", data={"status": "resolved",
                                                                 "result": ""})
    assert response.status_code == 400
    assert "Cần nhập kết quả" in _text(response)
    db_session.refresh(ticket)
    assert ticket.status == Status.NEW


def test_resolving_with_a_result_changes_the_status_and_audits_it(
        client, login, db_session, agent, ticket):
    login(agent)
    response = client.post(f"/tickets/{ticket.id}/status",
                           data={"status": "resolved", "result": "Đã đóng lại aptomat"})
    assert response.status_code == 303
    db_session.refresh(ticket)
    assert ticket.status == Status.RESOLVED and ticket.result == "Đã đóng lại aptomat"
    html = _text(client.get(f"/tickets/{ticket.id}"))
    assert "Trạng thái: Mới → Đã giải quyết" in html


def test_assigning_district_staff_of_another_district_is_refused(
        client, login, make, db_session, agent, ticket):
    outsider = make.district_staff(make.district())
    login(agent)
    response = client.post(f"/tickets/{ticket.id}/assign", data={"assignee": str(outsider.id)})
    assert 400 <= response.status_code < 500
    db_session.refresh(ticket)
    assert ticket.assignee_id is None


def test_the_assignee_list_holds_the_districts_staff_and_centre_agents(
        client, login, make, agent, ticket):
    colleague = make.district_staff(ticket.district, full_name="Võ Văn Kiệt")
    outsider = make.district_staff(make.district(), full_name="Người Ngoài")
    supervisor = make.user(role=Role.SUPERVISOR, full_name="Giám Sát Viên")
    login(colleague)
    html = _text(client.get(f"/tickets/{ticket.id}"))
    assert "Võ Văn Kiệt" in html and "Giám Sát Viên" not in html    # staff pick colleagues only
    client.post("/logout")
    login(agent)
    html = _text(client.get(f"/tickets/{ticket.id}"))
    assert "Võ Văn Kiệt" in html and "Giám Sát Viên" in html and "Người Ngoài" not in html
    assert supervisor and outsider


def test_taking_a_ticket_assigns_it_to_oneself(client, login, db_session, agent, ticket):
    login(agent)
    response = client.post(f"/tickets/{ticket.id}/assign", data={"take": "1"})
    assert response.status_code == 303
    db_session.refresh(ticket)
    assert ticket.assignee_id == agent.id


def test_a_transfer_moves_the_ticket_audits_it_and_hides_it_from_the_old_district(
        client, login, make, db_session, agent, ticket):
    old_staff = make.district_staff(ticket.district)
    target = make.district(name="Điện lực Hòa Vang")
    login(agent)
    response = client.post(f"/tickets/{ticket.id}/transfer",
                           data={"district": str(target.id), "reason": "Địa chỉ thuộc Hòa Vang"})
    assert response.status_code == 303
    db_session.refresh(ticket)
    assert ticket.district_id == target.id
    event = db_session.scalar(sa.select(AuditEvent).filter_by(ticket_id=ticket.id,
                                                              action="transferred"))
    assert event.changes["reason"] == [None, "Địa chỉ thuộc Hòa Vang"]
    client.post("/logout")
    login(old_staff)
    assert client.get(f"/tickets/{ticket.id}").status_code == 404


def test_district_staff_who_transfer_a_ticket_away_land_on_the_inbox(
        client, login, make, db_session, ticket):
    login(make.district_staff(ticket.district))
    response = client.post(f"/tickets/{ticket.id}/transfer",
                           data={"district": str(make.district().id), "reason": "Sai địa bàn"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/inbox")


def test_a_transfer_without_a_reason_is_refused(client, login, make, db_session, agent, ticket):
    login(agent)
    old = ticket.district_id
    response = client.post(f"/tickets/{ticket.id}/transfer",
                           data={"district": str(make.district().id), "reason": ""})
    assert response.status_code == 400
    db_session.refresh(ticket)
    assert ticket.district_id == old


def test_canned_replies_come_filled_with_the_ticket_values(client, login, db_session, agent,
                                                          ticket):
    db_session.add(CannedReply(shortcut="chao", title="Lời chào",
                               body="Kính chào {ten_khach_hang}, phiếu {ma_phieu} đã tiếp nhận."))
    db_session.add(CannedReply(shortcut="cu", title="Cũ", body="x", is_active=False))
    db_session.flush()
    login(agent)
    response = client.get(f"/tickets/{ticket.id}/canned", headers={"Accept": "application/json"})
    assert response.get_json() == [{
        "shortcut": "chao", "title": "Lời chào",
        "text": f"Kính chào Phạm Minh Tuấn, phiếu {ticket.code} đã tiếp nhận."}]


def test_the_live_thread_returns_only_newer_messages_and_notes(client, login, make, db_session,
                                                              agent, ticket):
    seen = make.message(ticket=ticket, body="Tin cũ")
    login(agent)
    fresh = make.message(ticket=ticket, body="Khách nhắn thêm")
    note = services.add_note(ticket, "Ghi chú mới", actor=agent)
    data = client.get(f"/tickets/{ticket.id}/thread",
                      query_string={"after_message": seen.id, "after_note": 0}).get_json()
    assert [(i["kind"], i["id"]) for i in data["items"]] == [("message", fresh.id),
                                                              ("note", note.id)]
    assert "Khách nhắn thêm" in data["items"][0]["html"]
    assert data["status"] == "new" and data["status_label"] == "Mới"
    again = client.get(f"/tickets/{ticket.id}/thread",
                       query_string={"after_message": fresh.id, "after_note": note.id}).get_json()
    assert again["items"] == []


def test_the_live_thread_rerenders_messages_still_shown_as_queued(client, login, make, agent,
                                                                  ticket):
    sent = make.message(ticket=ticket, direction=Direction.OUTBOUND, status=DeliveryStatus.SENT)
    login(agent)
    data = client.get(f"/tickets/{ticket.id}/thread",
                      query_string={"after_message": sent.id, "pending": str(sent.id)}).get_json()
    assert [(u["id"], u["status"]) for u in data["updated"]] == [(sent.id, "sent")]


def _attachment(db_session, ticket, data: bytes, filename: str, kind: str) -> Attachment:
    item = storage.store(data, filename, kind, ticket_id=ticket.id)
    db_session.flush()
    return item


@pytest.mark.parametrize("filename, kind, disposition", [
    ("so-lieu.zip", "application/zip", "attachment"),
    ("anh.png", "image/png", "inline"),
])
def test_an_attachment_downloads_with_the_right_disposition(
        client, login, db_session, agent, ticket, filename, kind, disposition):
    data = PNG if kind == "image/png" else b"PK\x03\x04 zip bytes"
    item = _attachment(db_session, ticket, data, filename, kind)
    login(agent)
    response = client.get(f"/attachments/{item.id}")
    assert response.status_code == 200 and response.data == data
    assert response.headers["Content-Disposition"].startswith(disposition)
    assert filename in response.headers["Content-Disposition"]
    assert response.headers["Content-Type"].startswith(kind)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_attachment_whose_file_is_gone_is_404(client, login, db_session, agent, ticket):
    item = _attachment(db_session, ticket, b"PK gone", "mat.zip", "application/zip")
    storage.path_for(item.sha256).unlink()
    login(agent)
    assert client.get(f"/attachments/{item.id}").status_code == 404


def test_an_attachment_without_a_ticket_is_404(client, login, db_session, agent):
    item = storage.store(b"PK none", "le.zip", "application/zip")
    db_session.flush()
    login(agent)
    assert client.get(f"/attachments/{item.id}").status_code == 404


@pytest.mark.parametrize("path", ["/tickets/{id}/thread", "/tickets/{id}/canned"])
def test_json_endpoints_answer_401_json_when_logged_out(client, ticket, path):
    response = client.get(path.format(id=ticket.id), headers={"Accept": "application/json"})
    assert response.status_code == 401 and response.get_json()["error"]


def test_the_page_renders_every_contact_point(client, login, db_session, agent, ticket):
    db_session.add(ContactPoint(customer_id=ticket.customer_id, kind=ContactKind.EMAIL,
                                value="tuan@example.vn"))
    db_session.flush()
    login(agent)
    html = _text(client.get(f"/tickets/{ticket.id}"))
    assert "tuan@example.vn" in html
    assert re.search(r'<option value="email">Email</option>', html)   # a reply channel now


def _io(data: bytes):
    import io
    return io.BytesIO(data)


def test_the_ticket_page_costs_the_same_queries_for_a_short_or_long_thread(
        client, login, make, db_session, agent, ticket):
    url = f"/tickets/{ticket.id}"

    def queries_for_page():
        statements = []

        def count(_conn, _cursor, statement, *_args):
            statements.append(statement.split("\n")[0][:90])
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    def add_activity(n):
        for i in range(n):
            message = make.message(ticket=ticket, body=f"Tin {i}")
            storage.store(PNG + bytes([i]), f"anh-{i}.png", "image/png", ticket_id=ticket.id,
                          message_id=message.id)
            services.add_note(ticket, f"Ghi chú {i}", actor=make.user())
            services.assign(ticket, make.user(), actor=make.user())
            make.ticket(customer=ticket.customer, assignee=make.user())
        db_session.flush()

    login(agent)
    add_activity(2)
    queries_for_page()
    few = queries_for_page()
    add_activity(8)
    assert queries_for_page() == few


def test_an_action_without_its_csrf_token_is_refused(app, client, login, db_session, agent,
                                                     ticket, monkeypatch):
    login(agent)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    html = _text(client.get(f"/tickets/{ticket.id}"))
    for action in ("reply", "note", "status", "assign", "transfer"):
        assert re.search(rf'action="/tickets/{ticket.id}/{action}"[^>]*>\s*<input id="csrf_token"',
                         html), action
    response = client.post(f"/tickets/{ticket.id}/assign", data={"take": "1"})
    assert response.status_code == 400
    db_session.refresh(ticket)
    assert ticket.assignee_id is None


def test_the_page_renders_in_english_too(client, login, agent, ticket):
    login(agent)
    client.post("/lang/en", data={"next": "/inbox"})
    assert client.get(f"/tickets/{ticket.id}").status_code == 200
    assert client.get("/inbox").status_code == 200
