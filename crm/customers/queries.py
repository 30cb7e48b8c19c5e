"""Finding customers and tickets, and what the customer 360 page shows of one customer.

Search never scans text with LIKE: PostgreSQL matches a stored `tsvector` (GIN), SQLite an
FTS5 table, both over accent-folded text ("nguyen van a" finds "Nguyễn Văn A").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from crm.core.permissions import customer_visible, customers_for, message_visible, ticket_visible
from crm.core.phones import try_normalise_phone
from crm.core.text import tokens
from crm.customers import fulltext
from crm.extensions import db
from crm.models import (ConsumptionAlert, ContactKind, ContactPoint, Contract, Customer,
                        Message, Meter, Reading, Ticket)

TICKET_CODE = re.compile(r"^YC\d{4}-\d{6,}$", re.IGNORECASE)
SEARCH_LIMIT = 20
TIMELINE_SIZE = 30
READINGS_SHOWN = 13          # twelve months and the same month last year


@dataclass
class SearchResult:
    query: str
    exact_ticket: Ticket | None = None
    customers: list[Customer] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    exact: bool = False                   #: found by code, phone, e-mail or meter

    @property
    def redirect_target(self):
        """The one hit an exact look-up found, to open directly."""
        if self.exact_ticket is not None:
            return self.exact_ticket
        if len(self.customers) == 1 and not self.tickets and self.exact:
            return self.customers[0]
        return None


def exact_customers(user, q: str) -> list[Customer]:
    """Customers whose code, phone, e-mail, meter serial or contract number is exactly `q`.

    A UNION ALL of indexed look-ups: an OR of IN-subqueries would scan every customer.
    """
    text = q.strip()
    lookups = [sa.select(Customer.id).where(Customer.code == text.upper()),  # stored upper-case
               sa.select(Contract.customer_id).join(Meter).where(Meter.serial == text),
               sa.select(Contract.customer_id).where(Contract.number == text)]
    contacts = [(ContactKind.EMAIL, text.lower())]
    if phone := try_normalise_phone(text):
        contacts.append((ContactKind.PHONE, phone))
    lookups += [sa.select(ContactPoint.customer_id).where(ContactPoint.kind == kind,
                                                          ContactPoint.value == value)
                for kind, value in contacts]
    query = (sa.select(Customer).where(Customer.id.in_(sa.union_all(*lookups)),
                                       customer_visible(user))
             .options(joinedload(Customer.ward)).limit(SEARCH_LIMIT))
    return db.session.scalars(query).unique().all()


def find_ticket_by_code(user, code: str) -> Ticket | None:
    """The ticket `user` may see with this code (any case), if any."""
    return db.session.scalar(sa.select(Ticket).where(ticket_visible(user),
                                                     Ticket.code == code.strip().upper()))


def search_customers(user, words: list[str], limit: int = SEARCH_LIMIT) -> list[Customer]:
    """The newest visible customers whose name or address has every word (accent-folded)."""
    ids = fulltext.customer_ids(user, words, limit)
    if not ids:
        return []
    return db.session.scalars(sa.select(Customer).where(Customer.id.in_(ids))
                              .options(joinedload(Customer.ward))
                              .order_by(Customer.id.desc())).unique().all()


def search_tickets(user, words: list[str], limit: int = SEARCH_LIMIT) -> list[Ticket]:
    """The most recently active visible tickets whose subject or text has every word."""
    ids = fulltext.ticket_ids(ticket_visible(user), words, limit)
    if not ids:
        return []
    return db.session.scalars(
        sa.select(Ticket).where(Ticket.id.in_(ids))
        .options(joinedload(Ticket.customer), joinedload(Ticket.district))
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc())).unique().all()


def search(user, q: str) -> SearchResult:
    """What the search box finds for `q`, limited to what `user` may see."""
    result = SearchResult(query=q)
    text = (q or "").strip()
    if not text:
        return result
    if TICKET_CODE.match(text):
        result.exact_ticket = find_ticket_by_code(user, text)
        result.exact = True
        return result
    result.customers = exact_customers(user, text)
    if result.customers:
        result.exact = True
        return result
    words = tokens(text)
    if words:
        result.customers = search_customers(user, words)
        result.tickets = search_tickets(user, words)
    return result


def find_customer_by_code(user, code: str) -> Customer | None:
    """The customer `user` may see with exactly this (upper-case) code, if any."""
    return db.session.scalar(customers_for(user).where(Customer.code == code))


def find_first_phones(customers: list[Customer]) -> dict[int, str]:
    """The first phone of each listed customer by customer id, in one query."""
    if not customers:
        return {}
    rows = db.session.execute(
        sa.select(ContactPoint.customer_id, ContactPoint.value)
        .where(ContactPoint.customer_id.in_([c.id for c in customers]),
               ContactPoint.kind == ContactKind.PHONE)
        .order_by(ContactPoint.id.desc()))
    # Newest first, so the oldest phone of each customer is the one left in the dict.
    return {customer_id: value for customer_id, value in rows}


def list_contracts(customer: Customer) -> list[Contract]:
    """The customer's contracts, oldest first, with their meters loaded alongside."""
    return db.session.scalars(sa.select(Contract).where(Contract.customer_id == customer.id)
                              .options(selectinload(Contract.meters))
                              .order_by(Contract.id)).all()


def list_messages(user, customer: Customer, *, before: int | None = None,
                  size: int = TIMELINE_SIZE) -> tuple[list[Message], int | None]:
    """One keyset page of the messages `user` may see, newest first, and the next `before`."""
    query = (sa.select(Message)
             .where(Message.customer_id == customer.id, message_visible(user))
             .options(joinedload(Message.ticket))
             .order_by(Message.id.desc()).limit(size + 1))
    if before:
        query = query.where(Message.id < before)
    rows = db.session.scalars(query).all()
    older = rows[size - 1].id if len(rows) > size else None
    return rows[:size], older


def list_readings(customer: Customer, limit: int = READINGS_SHOWN) -> list[Reading]:
    """The customer's last `limit` meter readings, oldest first."""
    rows = db.session.scalars(sa.select(Reading).where(Reading.customer_id == customer.id)
                              .order_by(Reading.period.desc()).limit(limit)).all()
    return rows[::-1]


def reading_tickets(user, customer: Customer, periods: list[str]) -> dict[str, tuple[int, str]]:
    """The abnormal-consumption ticket (id, code) of each listed period that `user` may see."""
    if not periods:
        return {}
    rows = db.session.execute(
        sa.select(ConsumptionAlert.period, Ticket.id, Ticket.code)
        .join(Ticket, Ticket.id == ConsumptionAlert.ticket_id)
        .where(ConsumptionAlert.customer_id == customer.id,
               ConsumptionAlert.period.in_(periods), ticket_visible(user)))
    return {period: (ticket_id, code) for period, ticket_id, code in rows}
