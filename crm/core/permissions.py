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
from crm.models import (Call, Contract, Customer, Message, PlannedOutage, Presence, Role, Ticket,
                        Ward)


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


def ticket_visible_to_token(token):
    """A WHERE clause on tickets for a REST API token: one with a district sees that district
    only, like a district_staff user; one without sees every ticket's public status."""
    if token.district_id is None:
        return sa.true()
    return Ticket.district_id == token.district_id


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


def planned_outage_visible(user):
    """A WHERE clause on planned outages: a district sees its own schedule, the centre all."""
    if user.is_district_scoped:
        return PlannedOutage.district_id == user.district_id
    return sa.true()


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


# --- the sub-household register (sổ hộ dùng chung): personal data, district-owned -------


def contract_visible(user):
    """A WHERE clause on contracts: district staff see those of customers in their wards."""
    if not user.is_district_scoped:
        return sa.true()
    return Contract.customer_id.in_(
        sa.select(Customer.id).join(Ward, Customer.ward_id == Ward.id)
        .where(Ward.district_id == user.district_id))


def contract_or_404(user, contract_id: int, *, for_update: bool = False) -> Contract:
    query = sa.select(Contract).where(Contract.id == contract_id, contract_visible(user))
    if for_update:
        query = query.with_for_update()
    contract = db.session.scalar(query)
    if contract is None:
        abort(404)
    return contract


def may_see_citizen_ids(user, contract: Contract) -> bool:
    """Full citizen IDs: supervisors, admins and the contract's own district; agents see
    the last four digits (enough to confirm a caller), as does any other district."""
    if user.has_role(Role.SUPERVISOR, Role.ADMIN):
        return True
    ward = contract.customer.ward
    return user.is_district_scoped and ward is not None and ward.district_id == user.district_id


def may_edit_households(user, contract: Contract) -> bool:
    """Whoever edits a household must see what they edit: the same people as above."""
    return may_see_citizen_ids(user, contract)


def may_see_household_reports(user) -> bool:
    """Duplicate, expiry and re-pricing reports: supervisors, admins, district staff (own)."""
    return user.has_role(Role.SUPERVISOR, Role.ADMIN, Role.DISTRICT_STAFF)


def may_edit_notice_preferences(user) -> bool:
    """A customer's notice channel and opt-outs, set for them when they ask (on the phone, at
    the counter): the staff who may edit a customer they see, as with adding a contact."""
    return user.has_role(Role.AGENT, Role.DISTRICT_STAFF, Role.SUPERVISOR, Role.ADMIN)


def may_see_notifications(user) -> bool:
    """The outbox's admin list (every customer's notices, retries): supervisors and admins."""
    return user.has_role(Role.SUPERVISOR, Role.ADMIN)


def may_import_readings(user) -> bool:
    """Readings files (and the tickets they open) are loaded by supervisors and admins only."""
    return user.has_role(Role.SUPERVISOR, Role.ADMIN)


#: Who answers the hotline: they get the screen pops of calls ringing at no one's desk.
HOTLINE_ROLES = (Role.AGENT, Role.SUPERVISOR)


def call_visible(user):
    """A WHERE clause on calls: district staff see those on their tickets, with no ticket,
    or that rang at their own extension."""
    if not user.is_district_scoped:
        return sa.true()
    return sa.or_(Call.ticket_id.is_(None), Call.agent_id == user.id,
                  sa.exists().where(Ticket.id == Call.ticket_id, ticket_visible(user)))


def screen_pop_visible(user):
    """A WHERE clause on calls: whose pop `user` gets. Calls ringing at their extension;
    and, for available agents and supervisors, calls ringing at no one's in particular.
    (What the pop may show of the customer is `customer_visible`'s decision.)"""
    mine = Call.agent_id == user.id
    if user.has_role(*HOTLINE_ROLES) and user.presence == Presence.AVAILABLE:
        return sa.or_(mine, Call.agent_id.is_(None))
    return mine


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


def may_see_csat(user) -> bool:
    """The CSAT report (every district's scores): supervisors and admins."""
    return user.has_role(Role.SUPERVISOR, Role.ADMIN)
