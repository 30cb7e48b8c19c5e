"""Screen pops: who sees a ringing call, what the pop shows, and when it closes."""
from __future__ import annotations

import pytest

from crm.models import Presence, Role
from tests.support.voice import (ACCOUNT_SID, AGENT_DIAL, SETTINGS, call_form, pbx_post,
                                 twilio_post)

PHONE = "+84905666777"


@pytest.fixture
def configured(app, monkeypatch):
    monkeypatch.setitem(app.config, "CHANNELS", dict(SETTINGS))


def available(make, **kw):
    return make.user(presence=Presence.AVAILABLE, **kw)


def pops(client):
    response = client.get("/calls/pops")
    assert response.status_code == 200
    return response.get_json()["pops"]


def as_user(client, login, user):
    client.post("/logout")
    login(user)
    return pops(client)


def ring_pbx(client, call_id="pbx-1", **fields):
    response = pbx_post(client, {"event": "ringing", "call_id": call_id, "caller": PHONE,
                                 **fields})
    assert response.status_code == 200


def twilio_caller_presses_zero(client, sid="CA" + "5" * 32):
    twilio_post(client, "/channels/twilio/voice", call_form(sid, PHONE, CallStatus="ringing"))
    twilio_post(client, "/channels/twilio/voice/gather?menu=main&attempt=0",
                call_form(sid, PHONE, Digits="0"))
    return sid


def test_a_caller_asking_for_an_agent_pops_up_with_their_360(client, db_session, make, login,
                                                             configured):
    customer = make.customer(phone=PHONE, name="Trần Thị Bình", address="45 Hùng Vương")
    ticket = make.ticket(customer=customer, code="YC2611-000321", subject="Kiểm tra công tơ")
    twilio_caller_presses_zero(client)
    login(available(make))
    [pop] = pops(client)
    html = pop["html"]
    assert pop["state"] == "queued"
    assert "0905 666 777" in html
    assert "Trần Thị Bình" in html and customer.code in html and "45 Hùng Vương" in html
    assert "YC2611-000321" in html and f"/tickets/{ticket.id}" in html
    assert f"/customers/{customer.id}" in html
    assert "/tickets/new?phone=%2B84905666777" in html


def test_the_pop_closes_when_the_call_is_answered_and_stays_closed_when_it_ends(
        client, db_session, make, login, configured):
    make.customer(phone=PHONE)
    sid = twilio_caller_presses_zero(client)
    login(available(make))
    assert len(pops(client)) == 1
    twilio_post(client, "/channels/twilio/voice/status", {
        "CallSid": "CA" + "6" * 32, "ParentCallSid": sid, "CallStatus": "in-progress",
        "AccountSid": ACCOUNT_SID, "To": AGENT_DIAL})
    assert pops(client) == []
    twilio_post(client, "/channels/twilio/voice/status",
                call_form(sid, PHONE, CallStatus="completed", CallDuration="61"))
    assert pops(client) == []


def test_a_caller_who_hangs_up_while_waiting_closes_the_pop(client, db_session, make, login,
                                                           configured):
    sid = twilio_caller_presses_zero(client)
    login(available(make))
    assert len(pops(client)) == 1
    twilio_post(client, "/channels/twilio/voice/status",
                call_form(sid, PHONE, CallStatus="completed", CallDuration="20"))
    assert pops(client) == []


def test_only_available_agents_and_supervisors_get_a_pop_ringing_at_no_one(
        client, db_session, make, login, configured):
    make.customer(phone=PHONE)
    ring_pbx(client)
    district = make.district()
    assert len(as_user(client, login, available(make))) == 1
    assert len(as_user(client, login, available(make, role=Role.SUPERVISOR))) == 1
    assert as_user(client, login, make.user(presence=Presence.LUNCH)) == []
    assert as_user(client, login, available(make, role=Role.ADMIN)) == []
    assert as_user(client, login, make.district_staff(district, presence=Presence.AVAILABLE)) == []


def test_a_call_ringing_at_an_extension_pops_for_its_owner_only_and_stays_while_they_talk(
        client, db_session, make, login, configured):
    make.customer(phone=PHONE)
    owner = available(make, phone_extension="101")
    other = available(make)
    ring_pbx(client, extension="101")
    assert len(as_user(client, login, owner)) == 1
    assert as_user(client, login, other) == []
    pbx_post(client, {"event": "answered", "call_id": "pbx-1", "extension": "101"})
    [pop] = as_user(client, login, owner)
    assert pop["state"] == "answered"
    pbx_post(client, {"event": "ended", "call_id": "pbx-1", "duration": 90})
    assert as_user(client, login, owner) == []


def test_answered_at_another_extension_closes_the_first_ones_pop(client, db_session, make,
                                                                  login, configured):
    first, second = available(make, phone_extension="101"), available(make, phone_extension="102")
    ring_pbx(client, extension="101")
    pbx_post(client, {"event": "answered", "call_id": "pbx-1", "extension": "102"})
    assert as_user(client, login, first) == []
    assert len(as_user(client, login, second)) == 1


def test_district_staff_never_see_another_districts_customer_in_a_pop(client, db_session, make,
                                                                      login, configured):
    customer = make.customer(phone=PHONE, name="Lê Văn Cường")
    make.ticket(customer=customer, code="YC2611-000555")
    elsewhere = make.district()
    staff = make.district_staff(elsewhere, phone_extension="201")
    ring_pbx(client, extension="201")
    [pop] = as_user(client, login, staff)
    assert "0905 666 777" in pop["html"]
    assert "Lê Văn Cường" not in pop["html"] and customer.code not in pop["html"]
    assert "YC2611-000555" not in pop["html"] and "/tickets/new" not in pop["html"]

    own = make.district_staff(customer.ward.district, phone_extension="202")
    ring_pbx(client, call_id="pbx-2", extension="202")
    [pop] = as_user(client, login, own)
    assert "Lê Văn Cường" in pop["html"] and "YC2611-000555" in pop["html"]


def test_the_inbox_carries_the_pop_container_and_its_script(client, db_session, make, login):
    login(make.user())
    page = client.get("/").get_data(as_text=True)
    assert 'id="screen-pops"' in page and 'data-url="/calls/pops"' in page
    assert "js/screenpop.js" in page


def test_the_feed_needs_a_login(client, db_session):
    response = client.get("/calls/pops", headers={"Accept": "application/json"})
    assert response.status_code in (401, 302)
