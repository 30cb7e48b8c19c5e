"""The one place where what a user may see is decided.

Views never query tickets or customers directly: they start from `tickets_for(user)` or
`customers_for(user)`. A district_staff user sees their own district only; anything else
is a 404, so ids of other districts leak nothing.
"""
from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from crm.extensions import db
from crm.models import Customer, Message, Role, Ticket, Ward


def tickets_for(user) -> sa.Select:
    """SELECT of the tickets `user` may see."""
    query = sa.select(Ticket)
    if user.is_district_scoped:
        query = query.where(Ticket.district_id == user.district_id)
    return query


def ticket_visible(user):
    """A WHERE clause limiting any ticket query to what `user` may see."""
    if user.is_district_scoped:
        return Ticket.district_id == user.district_id
    return sa.true()


def customer_visible(user):
    """A WHERE clause on customers: a district sees those in its wards or with its tickets."""
    if not user.is_district_scoped:
        return sa.true()
    in_wards = Customer.ward_id.in_(sa.select(Ward.id).where(Ward.district_id == user.district_id))
    has_ticket = sa.exists().where(Ticket.customer_id == Customer.id,
                                   Ticket.district_id == user.district_id)
    return sa.or_(in_wards, has_ticket)


def message_visible(user):
    """A WHERE clause on messages: district staff see those with no ticket or on their tickets."""
    if not user.is_district_scoped:
        return sa.true()
    return sa.or_(Message.ticket_id.is_(None),
                  sa.exists().where(Ticket.id == Message.ticket_id, ticket_visible(user)))


def customers_for(user) -> sa.Select:
    return sa.select(Customer).where(customer_visible(user))


def ticket_or_404(user, ticket_id: int, *, for_update: bool = False) -> Ticket:
    query = tickets_for(user).where(Ticket.id == ticket_id)
    if for_update:
        query = query.with_for_update()
    ticket = db.session.scalar(query)
    if ticket is None:
        abort(404)
    return ticket


def customer_or_404(user, customer_id: int) -> Customer:
    customer = db.session.scalar(customers_for(user).where(Customer.id == customer_id))
    if customer is None:
        abort(404)
    return customer


def roles_required(*roles: Role):
    """View decorator: 403 unless the logged-in user has one of `roles`."""
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorator
