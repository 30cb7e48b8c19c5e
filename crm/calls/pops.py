"""Screen pops: who is calling, shown to the agents whose phones ring.

A pop lasts while the call rings (PBX) or is being put through (Twilio); it closes when
someone answers or the call ends, except for the one who answered it, who keeps it until
the call ends. Who gets which pop is `permissions.screen_pop_visible`; what a pop shows of
the customer and their tickets is what that user may see anyway.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from crm.calls.state import RINGING_STATES
from crm.core.permissions import customers_for, screen_pop_visible, tickets_for
from crm.extensions import db
from crm.models import OPEN_STATUSES, Call, CallState, Customer, Role, Ticket, utcnow

#: A call still "ringing" after this long lost its end event: no pop.
RING_TTL = timedelta(minutes=15)
#: The answering agent's pop stays at most this long (a lost "ended" must not pin it).
TALK_TTL = timedelta(hours=4)
MAX_POPS = 5
TICKETS_SHOWN = 5
INTAKE_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


@dataclass
class Pop:
    call: Call
    customer: Customer | None             #: None: unknown, or not this user's to see
    open_tickets: list[Ticket] = field(default_factory=list)
    can_create_ticket: bool = False


def live_calls(user, now: datetime | None = None) -> list[Call]:
    """The calls whose pop `user` gets now, oldest first."""
    now = now or utcnow()
    ringing = sa.and_(Call.state.in_(RINGING_STATES), Call.offered_at >= now - RING_TTL,
                      screen_pop_visible(user))
    talking = sa.and_(Call.state == CallState.ANSWERED, Call.agent_id == user.id,
                      Call.answered_at >= now - TALK_TTL)
    return db.session.scalars(
        sa.select(Call).where(sa.or_(ringing, talking))
        .order_by(Call.offered_at, Call.id).limit(MAX_POPS)).all()


def pops_for(user, now: datetime | None = None) -> list[Pop]:
    return [_pop(user, call) for call in live_calls(user, now)]


def _pop(user, call: Call) -> Pop:
    pop = Pop(call, customer=None, can_create_ticket=user.has_role(*INTAKE_ROLES))
    if call.customer_id is not None:
        pop.customer = db.session.scalar(
            customers_for(user).where(Customer.id == call.customer_id)
            .options(joinedload(Customer.ward)))
    if pop.customer is not None:
        pop.open_tickets = db.session.scalars(
            tickets_for(user).where(Ticket.customer_id == call.customer_id,
                                    Ticket.status.in_(OPEN_STATUSES))
            .options(joinedload(Ticket.sla))
            .order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(TICKETS_SHOWN)).all()
    return pop
