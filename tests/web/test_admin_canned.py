"""Admin pages for canned replies: who may edit them, validation and the audit trail."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from crm.admin import services
from crm.models import AuditEvent, CannedReply, Role


@pytest.fixture
def reply(db_session):
    reply = CannedReply(shortcut="chao", title="Chào hỏi",
                        body="Kính chào {ten_khach_hang}, Điện lực đã nhận phiếu {ma_phieu}.")
    db_session.add(reply)
    db_session.flush()
    return reply


def _replies(db_session) -> list[CannedReply]:
    """Every canned reply, as the views left them (the table starts empty in each test)."""
    db_session.expire_all()
    return db_session.scalars(sa.select(CannedReply).order_by(CannedReply.id)).all()


def _events(db_session, reply_id) -> list[AuditEvent]:
    return db_session.scalars(sa.select(AuditEvent).where(
        AuditEvent.entity == "canned_reply", AuditEvent.entity_id == reply_id)
        .order_by(AuditEvent.id)).all()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR])
def test_admins_and_supervisors_create_edit_and_toggle_canned_replies(
        client, login, make, db_session, role):
    editor = login(make.user(role=role))
    response = client.post("/admin/canned-replies", data={
        "shortcut": "Lich-Ghi", "title": "Lịch ghi chỉ số",
        "body": "Chào {ten_khach_hang}, lịch ghi chỉ số là ngày 20 hằng tháng."})
    assert response.status_code == 303
    [created] = _replies(db_session)
    assert created.shortcut == "lich-ghi" and created.is_active

    response = client.post(f"/admin/canned-replies/{created.id}", data={
        "shortcut": "lich-ghi", "title": "Lịch ghi chỉ số công tơ", "body": created.body})
    assert response.status_code == 303
    response = client.post(f"/admin/canned-replies/{created.id}/toggle")
    assert response.status_code == 303
    [changed] = _replies(db_session)
    assert changed.title == "Lịch ghi chỉ số công tơ" and not changed.is_active

    events = _events(db_session, created.id)
    assert [e.action for e in events] == ["created", "updated", "updated"]
    assert events[1].changes == {"title": ["Lịch ghi chỉ số", "Lịch ghi chỉ số công tơ"]}
    assert events[2].changes == {"is_active": [True, False]}
    assert {e.actor_id for e in events} == {editor.id}


def test_the_list_shows_replies_and_the_available_placeholders(client, login, make, reply):
    login(make.user(role=Role.ADMIN))
    page = client.get("/admin/canned-replies").get_data(as_text=True)
    assert "/chao" in page and "Chào hỏi" in page and "Kính chào {ten_khach_hang}" in page
    assert "{sdt_dien_luc}" in page and "Số điện thoại Điện lực" in page


def test_the_edit_page_shows_the_reply(client, login, make, reply):
    login(make.user(role=Role.SUPERVISOR))
    page = client.get(f"/admin/canned-replies/{reply.id}").get_data(as_text=True)
    assert 'value="chao"' in page and "Điện lực đã nhận phiếu {ma_phieu}" in page


@pytest.mark.parametrize("role", [Role.AGENT, Role.DISTRICT_STAFF])
def test_other_roles_get_403_and_change_nothing(client, login, make, db_session, reply, role):
    user = make.district_staff(make.district()) if role == Role.DISTRICT_STAFF \
        else make.user(role=role)
    login(user)
    assert client.get("/admin/canned-replies").status_code == 403
    assert client.post("/admin/canned-replies", data={
        "shortcut": "moi", "title": "Mới", "body": "Nội dung"}).status_code == 403
    assert client.get(f"/admin/canned-replies/{reply.id}").status_code == 403
    assert client.post(f"/admin/canned-replies/{reply.id}", data={
        "shortcut": "chao", "title": "Đổi", "body": "Đổi"}).status_code == 403
    assert client.post(f"/admin/canned-replies/{reply.id}/toggle").status_code == 403
    [unchanged] = _replies(db_session)
    assert unchanged.title == "Chào hỏi" and unchanged.is_active


def test_an_unknown_placeholder_answers_400_naming_it(client, login, make, db_session, reply):
    login(make.user(role=Role.ADMIN))
    response = client.post("/admin/canned-replies", data={
        "shortcut": "sai-bien", "title": "Sai", "body": "Chào {ten_khach}, {ma_phieu}"})
    assert response.status_code == 400
    assert "{ten_khach}" in response.get_data(as_text=True)
    response = client.post(f"/admin/canned-replies/{reply.id}", data={
        "shortcut": "chao", "title": "Chào hỏi", "body": "Chào {so_tien}"})
    assert response.status_code == 400
    assert "{so_tien}" in response.get_data(as_text=True)
    [unchanged] = _replies(db_session)
    assert "{so_tien}" not in unchanged.body
    assert _events(db_session, reply.id) == []


def test_unpaired_braces_answer_400(client, login, make, db_session):
    login(make.user(role=Role.ADMIN))
    response = client.post("/admin/canned-replies", data={
        "shortcut": "ngoac", "title": "Ngoặc", "body": "Chào {ten_khach_hang"})
    assert response.status_code == 400
    assert "không khớp" in response.get_data(as_text=True)
    assert _replies(db_session) == []


def test_a_duplicate_shortcut_answers_400_and_saves_nothing(client, login, make, db_session,
                                                            reply):
    other = CannedReply(shortcut="tam-biet", title="Tạm biệt", body="Chào anh/chị.")
    db_session.add(other)
    db_session.flush()
    login(make.user(role=Role.ADMIN))
    response = client.post("/admin/canned-replies", data={
        "shortcut": "CHAO", "title": "Chào lại", "body": "Xin chào"})
    assert response.status_code == 400
    assert "đã được dùng" in response.get_data(as_text=True)
    response = client.post(f"/admin/canned-replies/{other.id}", data={
        "shortcut": "chao", "title": "Tạm biệt", "body": "Chào anh/chị."})
    assert response.status_code == 400
    assert [r.shortcut for r in _replies(db_session)] == ["chao", "tam-biet"]


@pytest.mark.parametrize("shortcut", ["a", "có-dấu", "khoảng trắng", "x" * 33])
def test_a_malformed_shortcut_answers_400(client, login, make, db_session, shortcut):
    login(make.user(role=Role.ADMIN))
    response = client.post("/admin/canned-replies", data={
        "shortcut": shortcut, "title": "Tiêu đề", "body": "Nội dung"})
    assert response.status_code == 400
    assert _replies(db_session) == []


def test_a_missing_title_or_body_answers_400(client, login, make, db_session):
    login(make.user(role=Role.ADMIN))
    for data in ({"shortcut": "abc", "title": "", "body": "x"},
                 {"shortcut": "abc", "title": "x", "body": "  "}):
        assert client.post("/admin/canned-replies", data=data).status_code == 400
    assert _replies(db_session) == []


def test_the_service_names_the_field_it_refuses_and_writes_nothing(app, db_session, reply):
    with app.test_request_context():
        with pytest.raises(services.CannedReplyError) as taken:
            services.save_canned_reply(None, shortcut="chao", title="Chào lại", body="Xin chào")
        with pytest.raises(services.CannedReplyError) as unknown:
            services.save_canned_reply(reply, shortcut="chao", title="Chào", body="{so_tien}")
    assert taken.value.field == "shortcut" and "đã được dùng" in str(taken.value)
    assert unknown.value.field == "body" and "{so_tien}" in str(unknown.value)
    assert [(r.shortcut, r.body) for r in _replies(db_session)] == [("chao", reply.body)]
    assert _events(db_session, reply.id) == []


def test_a_shortcut_taken_by_another_editor_meanwhile_is_refused_by_the_constraint(
        app, db_session, monkeypatch, reply):
    # The other editor saved "chao" after this one's check passed.
    monkeypatch.setattr(services, "check_shortcut", lambda *args: None)
    with app.test_request_context(), pytest.raises(services.CannedReplyError) as taken:
        services.save_canned_reply(None, shortcut="chao", title="Chào lại", body="Xin chào")
    assert taken.value.field == "shortcut"
    assert [r.shortcut for r in _replies(db_session)] == ["chao"]


def test_an_unknown_reply_answers_404(client, login, make):
    login(make.user(role=Role.ADMIN))
    assert client.get("/admin/canned-replies/999999").status_code == 404
    assert client.post("/admin/canned-replies/999999/toggle").status_code == 404
