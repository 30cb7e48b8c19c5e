"""New-connection intake by chat: five questions, each checked, then a new_connection ticket
whose code and SLA due time the customer is told."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from crm.core.timefmt import fmt_datetime
from crm.models import ContactKind, ContactPoint, Ticket
from tests.support.bot import Chat, data_of, labels_of


@pytest.fixture
def area(make):
    district = make.district(code="PC05AA", name="Điện lực Hải Châu")
    return {"district": district,
            "hai_chau": make.ward(name="Phường Hải Châu", district=district),
            "thach_thang": make.ward(name="Phường Thạch Thang", district=district),
            "elsewhere": make.ward(name="Xã Hòa Phong")}


def test_a_new_customer_asks_for_a_connection_end_to_end(db_session, area):
    chat = Chat(db_session, channel="zalo", address="zalo-user-881")
    [ask] = chat.tap("menu:connection", "Cấp điện mới")
    assert ask.body.startswith("Đăng ký cấp điện mới. Bước 1/5")
    [ask] = chat.say("Lê Thị Hoa")
    assert ask.body.startswith("Bước 2/5") and ask.meta["request_contact"]
    [again] = chat.say("0123")
    assert again.body.startswith("Số điện thoại \"0123\" không hợp lệ")
    assert again.meta["request_contact"] and chat.conversation().step == "phone"
    [ask] = chat.send("", kind="contact", meta={"phone": "+84905123456", "is_own": True})
    assert ask.body.startswith("Bước 3/5")
    [ask] = chat.say("27 Trần Phú, phường Hải Châu")
    assert ask.body.startswith("Bước 4/5")
    assert labels_of(ask)[0] == "Phường Hải Châu"           # the ward the address names first
    assert f"ward:{area['thach_thang'].id}" in data_of(ask)
    assert f"ward:{area['elsewhere'].id}" not in data_of(ask)
    [again] = chat.say("Phường Không Có")
    assert "Không tìm thấy phường/xã" in again.body and chat.conversation().step == "ward"
    [ask] = chat.say("thach thang")                          # typed, unaccented, no "phường"
    assert ask.body == "Bước 5/5: chọn cấp điện áp."
    assert data_of(ask)[:2] == ["volt:low", "volt:medium"]
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0
    [done] = chat.tap("volt:low")
    ticket = db_session.scalar(sa.select(Ticket))
    assert (ticket.type, ticket.subtype, ticket.channel) == ("new_connection", "low_voltage",
                                                             "zalo")
    assert ticket.ward_id == area["thach_thang"].id and ticket.district_id == area["district"].id
    assert ticket.details == {"applicant_name": "Lê Thị Hoa", "contact_phone": "+84905123456",
                              "address": "27 Trần Phú, phường Hải Châu"}
    assert ticket.sla.due_at is not None
    assert done.body == (f"Đã tiếp nhận yêu cầu cấp điện mới, mã {ticket.code}. Hạn giải quyết: "
                         f"{fmt_datetime(ticket.sla.due_at)}. Điện lực sẽ liên hệ qua số "
                         f"0905 123 456 để hẹn khảo sát.")
    assert done.ticket_id == ticket.id and chat.ctx.message.ticket_id == ticket.id
    customer = ticket.customer
    assert customer.name == "Lê Thị Hoa" and customer.ward_id == area["thach_thang"].id
    assert db_session.scalar(sa.select(ContactPoint.value).where(
        ContactPoint.customer_id == customer.id, ContactPoint.kind == ContactKind.PHONE)) \
        == "+84905123456"
    assert chat.conversation().flow is None


def test_a_known_customer_taps_their_own_details(db_session, make, area):
    customer = make.customer(name="Phạm Văn Dũng", address="8 Bạch Đằng",
                             ward=area["hai_chau"], phone="+84912345678")
    chat = Chat(db_session).known_as(customer)
    [ask] = chat.tap("menu:connection")
    assert labels_of(ask)[0] == "Phạm Văn Dũng"
    chat.tap("conn:known")
    [ask] = chat.say("091 234 5678")
    assert labels_of(ask)[0] == "8 Bạch Đằng"
    chat.tap("conn:known")
    chat.say("1")                                  # the first ward button, typed
    [done] = chat.say("Trung áp")
    ticket = db_session.scalar(sa.select(Ticket))
    assert ticket.subtype == "medium_voltage" and ticket.customer_id == customer.id
    assert ticket.ward_id == area["hai_chau"].id and ticket.code in done.body
    assert customer.name == "Phạm Văn Dũng"        # a known customer is not rewritten


def test_a_bad_voltage_is_asked_again(db_session, area):
    chat = Chat(db_session)
    chat.tap("menu:connection")
    for text in ("Lê Thị Hoa", "0905123456", "27 Trần Phú", "Phường Hải Châu"):
        chat.say(text)
    [again] = chat.say("ba pha")
    assert again.body == "Vui lòng chọn Hạ áp hoặc Trung áp."
    assert chat.conversation().step == "voltage"
