"""After a merge, an agent can answer any customer of the ticket, and only them."""
import sqlalchemy as sa

from crm.models import Message, TicketParty


def test_an_agent_answers_a_party_of_a_merged_ticket(client, login, make, db_session):
    ticket = make.ticket(channel="sms")
    party = make.customer(name="Lê Thị Hoa", phone="+84912000111")
    db_session.add(TicketParty(ticket_id=ticket.id, customer_id=party.id))
    login(make.user())
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Lê Thị Hoa" in page and 'name="recipient"' in page
    response = client.post(f"/tickets/{ticket.id}/reply", data={
        "recipient": str(party.id), "channel": "sms", "body": "Dạ, đã tiếp nhận."})
    assert response.status_code == 303
    sent = db_session.scalar(sa.select(Message).where(Message.ticket_id == ticket.id))
    assert sent.customer_id == party.id and sent.address == "+84912000111"


def test_a_recipient_outside_the_ticket_is_refused(client, login, make, db_session):
    ticket = make.ticket(channel="sms")
    party = make.customer(phone="+84912000111")
    stranger = make.customer(phone="+84912000222")
    db_session.add(TicketParty(ticket_id=ticket.id, customer_id=party.id))
    login(make.user())
    response = client.post(f"/tickets/{ticket.id}/reply", data={
        "recipient": str(stranger.id), "channel": "sms", "body": "Không được gửi"})
    assert response.status_code == 400
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0


def test_a_ticket_without_parties_has_no_recipient_choice(client, login, make):
    ticket = make.ticket(channel="sms")
    login(make.user())
    assert 'name="recipient"' not in client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
