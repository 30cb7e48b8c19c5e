"""The answers the IVR, SMS keywords and bots share."""
from __future__ import annotations

from crm.bot import answers
from crm.core.text import plain


def test_plain_drops_diacritics_and_keeps_case():
    assert plain("Mất điện – Phường Đông Hà") == "Mat dien – Phuong Dong Ha"
    assert plain("") == ""


def test_find_code_in_free_text():
    assert answers.find_code("cho hoi yc2611-000123 ?") == "YC2611-000123"
    assert answers.find_code("khong co ma") is None


def test_ticket_status_tells_no_personal_data(make):
    ticket = make.ticket(subject="Lắp công tơ")
    status = answers.ticket_status(ticket.code.lower())
    assert status.code == ticket.code
    sentence = status.sentence()
    assert ticket.code in sentence
    assert ticket.customer.name not in sentence
    assert answers.ticket_status("YC0000-000000") is None


def test_report_outage_creates_once_then_reuses(make):
    customer = make.customer()
    first = answers.report_outage(customer, channel="sms", text="mat dien ca xom")
    again = answers.report_outage(customer, channel="sms", text="van mat")
    assert first.created and not again.created
    assert again.ticket.id == first.ticket.id and first.ticket.type == "outage"
    assert "van mat" in again.ticket.description
    assert first.ticket.code in first.sentence()
