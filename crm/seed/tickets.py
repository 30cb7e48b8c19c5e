"""The demo tickets, told through the ticket and inbox services: messages, notes, statuses.

Each story runs at its planned moment: a session hook stamps the rows the services add with
that moment instead of the wall clock.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta

import sqlalchemy as sa

from channels.base import ContactRef, InboundMessage
from crm.core import audit
from crm.extensions import db
from crm.inbox import canned
from crm.inbox.ingest import IngestContext, ingest
from crm.inbox.services import REPLY_CONTACT
from crm.models import (AuditEvent, Channel, Customer, DeliveryStatus, Direction, Message, Note,
                        Status, Ticket, User, utcnow)
from crm.seed import scenarios
from crm.seed.organisation import canned_body
from crm.seed.plan import Planner, TicketStory
from crm.seed.scenarios import Scenario
from crm.tickets import services as tickets

MESSAGING = (Channel.SMS, Channel.EMAIL, Channel.ZALO, Channel.TELEGRAM)


class _Clock:
    """Stamps the rows services add with the story's moment instead of the wall clock."""

    STAMPED = {AuditEvent: ("at",), Note: ("created_at",), Ticket: ("created_at",),
               Customer: ("created_at", "updated_at")}

    def __init__(self):
        self.moment = None

    def __call__(self, _session, obj) -> None:
        for attr in self.STAMPED.get(type(obj), ()):
            setattr(obj, attr, self.moment)


class Stories:
    """~120 tickets over the last 30 days, told through the ticket and inbox services."""

    def __init__(self, rng: random.Random, users: dict[str, User], customers: list[Customer],
                 jumpers: set[int]):
        self.rng, self.users = rng, users
        self.now = utcnow()
        self.planner = Planner(rng, self.now, customers, jumpers)
        self.clock = _Clock()
        self.serial = 0

    def tell(self) -> None:
        """Plans every story, then writes them in order of time; flushes, never commits."""
        session = db.session()
        sa.event.listen(session, "transient_to_pending", self.clock)
        try:
            for story in self.planner.stories():
                if isinstance(story, TicketStory):
                    self._ticket(*story)
                else:
                    self._stranger(*story)
            session.flush()
        finally:
            sa.event.remove(session, "transient_to_pending", self.clock)

    def _later(self, at: datetime, low: int, high: int) -> datetime:
        """`low`–`high` minutes after `at`, but always before now; sets the clock."""
        step = timedelta(minutes=self.rng.randint(low, high))
        self.clock.moment = min(at + step, at + (self.now - at) / 2)
        return self.clock.moment

    def _ticket(self, at: datetime, scenario: Scenario, channel: Channel, customer: Customer,
                status: Status) -> None:
        agent = self.users[self.rng.choice(("tongdai1", "tongdai2"))]
        self.clock.moment = at
        actor = None if channel in (Channel.WEB, Channel.SYSTEM) else agent
        ticket = tickets.create_ticket(
            customer=customer, type=scenario.type, subtype=scenario.subtype, channel=channel,
            subject=scenario.subject, description=scenario.text, actor=actor,
            actor_label=None if actor else str(channel))
        reply_on = channel if channel in MESSAGING else Channel.SMS
        if channel in MESSAGING:
            self._inbound(ticket, channel, scenario.text, at - timedelta(minutes=2))
        else:
            text = scenarios.ABNORMAL_WARNING if channel == Channel.SYSTEM \
                else scenarios.CONFIRMATION
            self._outbound(ticket, Channel.SMS, text.format(code=ticket.code,
                                                            customer=customer.code), None, at)
        if status != Status.NEW:
            at = self._work(ticket, scenario, channel, reply_on, agent, status, at)
        ticket.updated_at = at

    def _work(self, ticket: Ticket, scenario: Scenario, channel: Channel, reply_on: Channel,
              agent: User, status: Status, at: datetime) -> datetime:
        """Answer, assign, note, ask for papers, resolve: as far as the ticket's fate goes."""
        at = self._later(at, 4, 40)
        if channel in MESSAGING:
            body = canned.render(canned_body(scenarios.FIRST_REPLY[scenario.type]), ticket, agent)
            self._outbound(ticket, channel, body, agent, at)
        assignee = self._assign(ticket, scenario, agent)
        if self.rng.random() < 0.5:
            at = self._later(at, 20, 600)
            tickets.add_note(ticket, self.rng.choice(scenarios.NOTES[scenario.type]),
                             actor=assignee)
        if status == Status.PENDING_CUSTOMER:
            at = self._later(at, 30, 300)
            self._outbound(ticket, reply_on, canned.render(canned_body("/bosung"), ticket,
                                                           assignee), assignee, at)
            tickets.change_status(ticket, status, actor=assignee)
        if channel in MESSAGING and self.rng.random() < 0.45:
            at = self._follow_up(ticket, scenario, channel, at)
        if status in (Status.RESOLVED, Status.CLOSED):
            at = self._resolve(ticket, scenario, reply_on, assignee, at)
        if status == Status.CLOSED:
            at = self._later(at, 1440, 4320)
            tickets.change_status(ticket, Status.CLOSED, actor=self.users["giamsat"])
            ticket.closed_at = at
        return at

    def _assign(self, ticket: Ticket, scenario: Scenario, agent: User) -> User:
        """Inquiries stay with the agent, the rest go to the district; the ticket opens."""
        assignee = agent if scenario.type == "inquiry" else \
            self.users["dl." + ticket.district.code.lower()]
        tickets.assign(ticket, assignee, actor=self.users["giamsat"] if self.rng.random() < 0.5
                       else agent)
        tickets.change_status(ticket, Status.OPEN, actor=assignee)
        return assignee

    def _follow_up(self, ticket: Ticket, scenario: Scenario, channel: Channel,
                   at: datetime) -> datetime:
        """The customer writes again on the ticket's thread."""
        at = self._later(at, 30, 900)
        texts = scenarios.FOLLOW_UPS.get(scenario.type, scenarios.FOLLOW_UPS["default"])
        self._inbound(ticket, channel, self.rng.choice(texts).format(code=ticket.code), at,
                      hint=ticket.code)
        return at

    def _resolve(self, ticket: Ticket, scenario: Scenario, reply_on: Channel,
                 assignee: User, at: datetime) -> datetime:
        span = {"outage": (40, 240), "inquiry": (5, 60)}.get(scenario.type, (240, 5760))
        at = self._later(at, *span)
        tickets.change_status(ticket, Status.RESOLVED, actor=assignee, result=scenario.result)
        ticket.resolved_at = at
        text = scenarios.RESOLVED.format(code=ticket.code, result=scenario.result)
        self._outbound(ticket, reply_on, text, assignee, at)
        return at

    def _stranger(self, at: datetime, channel: Channel, address: str, name: str | None,
                  text: str) -> None:
        """An unknown sender: ingest makes a provisional contact and an inquiry ticket."""
        self.clock.moment = at
        kind = REPLY_CONTACT[channel]
        ctx = self._ingest(channel, ContactRef(str(kind), address, name), text, at)
        agent = self.users["tongdai1"]
        at = self._later(at, 3, 30)
        self._outbound(ctx.ticket, channel, scenarios.ASK_CUSTOMER_CODE, agent, at,
                       address=ctx.message.address)
        tickets.add_note(ctx.ticket, scenarios.STRANGER_NOTE, actor=agent)
        tickets.change_status(ctx.ticket, Status.PENDING_CUSTOMER, actor=agent)
        ctx.ticket.updated_at = at

    def _inbound(self, ticket: Ticket, channel: Channel, text: str, at: datetime,
                 hint: str | None = None) -> None:
        customer = ticket.customer
        kind = REPLY_CONTACT[channel]
        sender = ContactRef(str(kind), customer.contact(kind), customer.name)
        subject = None
        if channel == Channel.EMAIL:
            subject = f"Re: [{hint}] {ticket.subject}" if hint else ticket.subject
        self._ingest(channel, sender, text, at, subject=subject, hint=hint)

    def _ingest(self, channel: Channel, sender: ContactRef, text: str, at: datetime,
                **kw) -> IngestContext:
        self.serial += 1
        external_id = f"<demo-{self.serial:04d}@mail.example.com>" \
            if channel == Channel.EMAIL else f"demo-{channel}-{self.serial:04d}"
        return ingest(InboundMessage(channel=str(channel), external_id=external_id,
                                     sender=sender, received_at=at, text=text,
                                     subject=kw.get("subject"), thread_hint=kw.get("hint")))

    def _outbound(self, ticket: Ticket, channel: Channel, body: str, author: User | None,
                  at: datetime, address: str | None = None) -> None:
        """A reply already delivered: stored as sent, never queued (the demo sends nothing)."""
        address = address or ticket.customer.contact(REPLY_CONTACT[channel])
        message = Message(ticket_id=ticket.id, customer_id=ticket.customer_id, channel=channel,
                          direction=Direction.OUTBOUND, address=address, body=body,
                          author=author, status=DeliveryStatus.SENT, created_at=at,
                          sent_at=at + timedelta(seconds=4),
                          subject=f"[{ticket.code}] {ticket.subject}"
                          if channel == Channel.EMAIL else None)
        db.session.add(message)
        if author is not None:
            db.session.flush()
            ticket.first_response_at = ticket.first_response_at or at
            audit.record("ticket", ticket.id, "replied", {"message": [None, message.id],
                                                          "channel": [None, str(channel)]},
                         ticket_id=ticket.id, actor=author)
