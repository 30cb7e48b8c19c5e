"""What the customer 360 page reads: the message timeline, readings, contracts and phones."""
from crm.customers import queries
from crm.models import ContactKind, ContactPoint, Contract, Meter, Reading


def test_the_timeline_is_paged_newest_first_by_message_id(db_session, make):
    ticket = make.ticket()
    messages = [make.message(ticket=ticket) for _ in range(5)]
    user = make.user()
    page, older = queries.list_messages(user, ticket.customer, size=2)
    assert page == [messages[4], messages[3]] and older == messages[3].id
    page, older = queries.list_messages(user, ticket.customer, before=older, size=2)
    assert page == [messages[2], messages[1]] and older == messages[1].id
    page, older = queries.list_messages(user, ticket.customer, before=older, size=2)
    assert page == [messages[0]] and older is None


def test_district_staff_see_messages_without_a_ticket_or_on_their_own_tickets(db_session, make):
    customer = make.customer()
    mine = make.message(ticket=make.ticket(customer=customer))
    theirs = make.message(ticket=make.ticket(customer=customer, ward=make.ward()))
    loose = make.message(ticket=None, customer_id=customer.id)
    staff = make.district_staff(customer.ward.district)
    assert queries.list_messages(staff, customer) == ([loose, mine], None)
    assert queries.list_messages(make.user(), customer) == ([loose, theirs, mine], None)


def test_readings_are_the_last_ones_oldest_first(db_session, make):
    customer = make.customer()
    for period in ("2025-03", "2025-01", "2025-02"):
        db_session.add(Reading(customer_id=customer.id, period=period, kwh=100))
    db_session.flush()
    assert [r.period for r in queries.list_readings(customer, limit=2)] == ["2025-02", "2025-03"]


def test_contracts_come_oldest_first_with_their_meters(db_session, make):
    customer = make.customer()
    for n in range(2):
        contract = Contract(customer=customer, number=f"HD-{n}")
        contract.meters.append(Meter(serial=f"CT-{n}"))
        db_session.add(contract)
    db_session.flush()
    db_session.expire_all()
    contracts = queries.list_contracts(customer)
    assert [c.number for c in contracts] == ["HD-0", "HD-1"]
    assert [[m.serial for m in c.meters] for c in contracts] == [["CT-0"], ["CT-1"]]


def test_each_customer_shows_their_first_phone(db_session, make):
    first = make.customer(phone="+84905000001")
    db_session.add(ContactPoint(customer=first, kind=ContactKind.PHONE, value="+84905000002"))
    db_session.add(ContactPoint(customer=first, kind=ContactKind.EMAIL, value="a@example.vn"))
    other = make.customer(phone=None)
    db_session.flush()
    assert queries.find_first_phones([first, other]) == {first.id: "+84905000001"}
    assert queries.find_first_phones([]) == {}


def test_a_code_finds_only_a_customer_the_user_may_see(db_session, make):
    customer = make.customer(code="PT01AA9999999")
    assert queries.find_customer_by_code(make.user(), "PT01AA9999999") == customer
    outsider = make.district_staff(make.district())
    assert queries.find_customer_by_code(outsider, "PT01AA9999999") is None
