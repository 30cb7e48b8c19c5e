"""Accent-insensitive search and exact look-ups, on whichever database runs the suite."""
from crm.customers.queries import search
from crm.models import Contract, Meter, Role


def test_an_unaccented_name_finds_the_accented_customer(db_session, make):
    an = make.customer(name="Nguyễn Văn An", address="12 Lê Lợi")
    make.customer(name="Trần Thị Bình", address="5 Hùng Vương")
    result = search(make.user(), "nguyen van a")
    assert result.customers == [an]


def test_d_matches_d_with_stroke(db_session, make):
    duc = make.customer(name="Đỗ Minh Đức", address="Đường Điện Biên Phủ")
    assert search(make.user(), "do minh duc").customers == [duc]
    assert search(make.user(), "duong dien bien").customers == [duc]


def test_a_renamed_customer_is_found_by_the_new_name_only(db_session, make):
    customer = make.customer(name="Lê Văn Tám")
    customer.name = "Phạm Thị Hoa"
    db_session.flush()
    user = make.user()
    assert search(user, "pham thi hoa").customers == [customer]
    assert search(user, "le van tam").customers == []


def test_tickets_are_found_by_words_of_their_subject(db_session, make):
    ticket = make.ticket(subject="Mất điện cả khu phố từ 5 giờ sáng")
    make.ticket(subject="Hỏi giá điện bậc thang")
    assert search(make.user(), "mat dien khu pho").tickets == [ticket]


def test_any_phone_format_finds_the_customer_exactly(db_session, make):
    customer = make.customer(phone="+84905123456")
    for written in ("0905123456", "84905123456", "+84 905 123 456"):
        result = search(make.user(), written)
        assert result.customers == [customer] and result.redirect_target == customer


def test_customer_code_and_meter_serial_are_exact_look_ups(db_session, make):
    customer = make.customer(code="PC05AA0000042")
    contract = Contract(customer=customer, number="HD-0042")
    contract.meters.append(Meter(serial="CT19087654"))
    db_session.add(contract)
    db_session.flush()
    user = make.user()
    assert search(user, "pc05aa0000042").redirect_target == customer
    assert search(user, "CT19087654").redirect_target == customer


def test_a_ticket_code_opens_the_ticket(db_session, make):
    ticket = make.ticket()
    assert search(make.user(), ticket.code.lower()).redirect_target == ticket


def test_district_staff_never_find_another_districts_customers_or_tickets(db_session, make):
    ticket = make.ticket(subject="Mất điện đường Lê Duẩn")
    ticket.customer.name = "Võ Thị Sáu"
    db_session.flush()
    outsider = make.district_staff(make.district())
    insider = make.district_staff(ticket.district)
    assert search(outsider, "vo thi sau").customers == []
    assert search(outsider, "mat dien le duan").tickets == []
    assert search(outsider, ticket.code).redirect_target is None
    assert search(insider, "vo thi sau").customers == [ticket.customer]
    assert search(insider, "mat dien le duan").tickets == [ticket]
    assert make.user(role=Role.SUPERVISOR)


def test_beyond_the_recent_window_every_match_is_still_found(db_session, make, monkeypatch):
    """The first pass only tests the newest rows; rarer words fall back to the full index."""
    from crm.customers import fulltext
    monkeypatch.setattr(fulltext, "WINDOW", 2)
    old = make.customer(name="Hà Văn Cẩn")
    old_ticket = make.ticket(customer=old, subject="Xin kiểm định công tơ")
    for i in range(4):
        make.customer(name=f"Trần Thị Mai {i}")
        make.ticket(subject=f"Mất điện lần {i}")
    user = make.user()
    assert search(user, "ha van can").customers == [old]
    assert search(user, "kiem dinh cong to").tickets == [old_ticket]
    assert len(search(user, "tran thi mai").customers) == 4
    staff = make.district_staff(old.ward.district)
    assert search(staff, "ha van can").customers == [old]
    assert search(staff, "kiem dinh").tickets == [old_ticket]
