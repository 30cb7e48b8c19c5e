"""Finding, creating and linking customers and their contact points."""
from __future__ import annotations

import sqlalchemy as sa

from crm.core import audit
from crm.core.db import insert_ignoring_conflicts
from crm.core.phones import national, normalise_phone
from crm.extensions import db
from crm.models import Call, ContactKind, ContactPoint, Customer, Message, Ticket, utcnow


def normalise_contact(kind: ContactKind | str, value: str) -> str:
    """The stored form of a contact value; raises InvalidPhone for a bad phone number."""
    kind = ContactKind(kind)
    value = (value or "").strip()
    if kind == ContactKind.PHONE:
        return normalise_phone(value)
    if kind == ContactKind.EMAIL:
        return value.lower()
    return value


def find_contact(kind: ContactKind | str, value: str) -> ContactPoint | None:
    """The contact point with this (already normalised) value, if any."""
    return db.session.scalar(sa.select(ContactPoint).where(
        ContactPoint.kind == ContactKind(kind), ContactPoint.value == value))


def find_by_phone(text: str) -> Customer | None:
    """The customer owning a phone number typed in any Vietnamese form; raises InvalidPhone."""
    contact = find_contact(ContactKind.PHONE, normalise_phone(text))
    return contact.customer if contact else None


def add_contact(customer: Customer, kind: ContactKind | str, value: str,
                display_name: str | None = None) -> ContactPoint:
    """Attach a contact point; idempotent for the same customer, ValueError if another owns it."""
    value = normalise_contact(kind, value)
    existing = find_contact(kind, value)
    if existing is not None:
        if existing.customer_id != customer.id:
            raise ValueError(f"{kind}:{value} belongs to customer {existing.customer_id}")
        return existing
    contact = ContactPoint(customer=customer, kind=ContactKind(kind), value=value,
                           display_name=display_name)
    db.session.add(contact)
    db.session.flush()
    audit.record("customer", customer.id, "contact_added", {"contact": [None, f"{kind}:{value}"]})
    return contact


def identify(kind: ContactKind | str, value: str, display_name: str | None = None) -> Customer:
    """The customer behind a sender; an unknown sender becomes a provisional contact.

    Safe against two workers identifying the same new sender at once: the unique
    (kind, value) constraint decides, inside a savepoint.
    """
    value = normalise_contact(kind, value)
    if (contact := find_contact(kind, value)) is not None:
        return contact.customer
    with db.session.begin_nested() as savepoint:
        shown = national(value) if ContactKind(kind) == ContactKind.PHONE else value
        customer = Customer(name=(display_name or shown)[:200], is_provisional=True)
        db.session.add(customer)
        db.session.flush()
        contact_id = insert_ignoring_conflicts(
            ContactPoint, {"customer_id": customer.id, "kind": ContactKind(kind), "value": value,
                           "display_name": display_name, "created_at": utcnow(),
                           "updated_at": utcnow()},
            conflict=["kind", "value"])
        if contact_id is None:
            savepoint.rollback()
    if contact_id is None:
        return find_contact(kind, value).customer
    audit.record("customer", customer.id, "provisional_created",
                 {"contact": [None, f"{kind}:{value}"]}, actor_label=str(kind))
    return customer


def link(provisional: Customer, customer: Customer) -> Customer:
    """Merge a provisional contact into a real customer: contacts, tickets and messages move."""
    if not provisional.is_provisional or provisional.id == customer.id:
        raise ValueError("only a provisional contact can be linked to another customer")
    for model in (ContactPoint, Ticket, Message, Call):
        db.session.execute(sa.update(model).where(model.customer_id == provisional.id)
                           .values(customer_id=customer.id))
    audit.record("customer", customer.id, "linked",
                 {"provisional": [provisional.id, None], "name": [provisional.name, None]})
    db.session.expire(provisional)      # its collections moved away with the bulk updates
    db.session.delete(provisional)
    db.session.flush()
    db.session.expire(customer)
    return customer
