"""The demo tickets, told through the ticket, inbox and workflow services: messages, notes,
assignments, steps, contact logs, statuses; merged, linked and deferred ones too.

Each story runs at its planned moment (`crm.seed.clock` stamps what the services add) and
the one-off events of `crm.seed.events` run between them, in order of time.
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
from crm.labels import label
from crm.models import (Channel, Customer, DeliveryStatus, Direction, LinkKind, Message, Status,
                        Ticket, TicketLink, User, utcnow)
from crm.seed import scenarios
from crm.seed.clock import StoryClock
from crm.seed.events import Events
from crm.seed.organisation import canned_body
from crm.seed.plan import Planner, StrangerStory, TicketStory
from crm.seed.progress import Progress
from crm.tickets import merge
from crm.tickets import services as tickets

MESSAGING = (Channel.SMS, Channel.EMAIL, Channel.ZALO, Channel.TELEGRAM)
#: Requests that may wait for the customer's papers before they go on.
PAPERWORK = ("new_connection", "contract_change", "meter_inspection", "complaint")


class Stories:
    """~120 tickets over the last 30 days, told through the ticket and inbox services."""

    def __init__(self, rng: random.Random, users: dict[str, User], customers: list[Customer],
                 jumpers: set[int]):
        self.rng, self.users = rng, users
        self.now = utcnow()
        self.clock = StoryClock(rng, self.now)
        self.planner = Planner(rng, self.now, customers, jumpers)
        self.progress = Progress(self)
        self.tickets: dict[TicketStory, Ticket] = {}
        self.written: list[Ticket] = []            #: every demo ticket, in order
        self.deferred: list[TicketStory] = []     #: waiting for the suspension to be lifted
        self.serial = 0

    def tell(self) -> None:
        """Plans every story, then writes stories and events in order of time; flushes, never
        commits. Runs inside `self.clock.running()`."""
        timeline = [(story.at, story) for story in self.planner.stories()]
        timeline += Events(self).timeline()
        for _at, item in sorted(timeline, key=lambda pair: pair[0]):   # stable: stories first
            if isinstance(item, TicketStory):
                self._ticket(item)
            elif isinstance(item, StrangerStory):
                self._stranger(*item)
            else:
                item()
        db.session.flush()

    # --- one ticket ----------------------------------------------------------------------

    def _ticket(self, story: TicketStory) -> None:
        agent = self._agent()
        ticket = self._open(story, agent)
        self.tickets[story] = ticket
        self.written.append(ticket)
        if story.same_as is not None:
            self._merge(ticket, story, agent)
        elif ticket.status == Status.DEFERRED:
            self.deferred.append(story)          # carried on when the suspension is lifted
        else:
            if story.about is not None:
                self._link(ticket, story, agent)
            self.carry_on(story, story.at, agent)

    def _agent(self) -> User:
        return self.users[self.rng.choice(("tongdai1", "tongdai2"))]

    def _open(self, story: TicketStory, agent: User) -> Ticket:
        """The agent (or the web form) opens the ticket; the customer's message or our SMS
        confirmation starts its thread."""
        at, scenario, channel, customer = story.at, story.scenario, story.channel, story.customer
        self.clock.at(at)
        actor = None if channel in (Channel.WEB, Channel.SYSTEM) else agent
        ticket = tickets.create_ticket(
            customer=customer, type=scenario.type, subtype=scenario.subtype, channel=channel,
            subject=scenario.subject, description=scenario.text, actor=actor,
            actor_label=None if actor else str(channel))
        if channel in MESSAGING:
            self.inbound(ticket, channel, scenario.text, at - timedelta(minutes=2))
        else:
            text = scenarios.ABNORMAL_WARNING if channel == Channel.SYSTEM \
                else scenarios.CONFIRMATION
            self.outbound(ticket, Channel.SMS, text.format(code=ticket.code,
                                                           customer=customer.code), None, at)
        return ticket

    def carry_on(self, story: TicketStory, at: datetime, agent: User | None = None) -> None:
        """Work the ticket from `at` as far as its story goes."""
        if story.status != Status.NEW:
            self._work(self.tickets[story], story, agent or self._agent(), at)

    def _work(self, ticket: Ticket, story: TicketStory, agent: User, at: datetime) -> None:
        """Answer, assign, then the district's work: as far as the ticket's fate goes."""
        scenario, channel = story.scenario, story.channel
        at = self.clock.later(at, 4, 40)
        if channel in MESSAGING:
            body = canned.render(canned_body(scenarios.FIRST_REPLY[scenario.type]), ticket, agent)
            self.outbound(ticket, channel, body, agent, at)
        assignee = self._assign(ticket, scenario, agent)
        if story.incident is not None:       # resolved with its incident (crm.seed.events)
            self.progress.report_outage(ticket, assignee, at)
            return
        if self.rng.random() < 0.5:
            at = self.clock.later(at, 20, 600)
            tickets.add_note(ticket, self.rng.choice(scenarios.NOTES[scenario.type]),
                             actor=assignee)
        at = self.progress.district_work(ticket, story, assignee, at)
        self._finish(ticket, story, assignee, at)

    def _finish(self, ticket: Ticket, story: TicketStory, assignee: User, at: datetime) -> None:
        """The end of the story: papers waited for, the customer writing again, the result,
        the close, or a visit booked for an open request."""
        scenario, channel, status = story.scenario, story.channel, story.status
        reply_on = channel if channel in MESSAGING else Channel.SMS
        if scenario.type in PAPERWORK and status != Status.PENDING_CUSTOMER \
                and self.rng.random() < 0.3:
            at = self._wait_for_papers(ticket, channel, reply_on, assignee, at)
        if status == Status.PENDING_CUSTOMER:
            at = self._ask_for_papers(ticket, reply_on, assignee, at)
        if channel in MESSAGING and self.rng.random() < 0.45:
            at = self._follow_up(ticket, scenario, channel, at)
        if status in (Status.RESOLVED, Status.CLOSED):
            at = self._resolve(ticket, story, reply_on, assignee, at)
        if status == Status.CLOSED:
            self.clock.later(at, 1440, 4320)
            tickets.change_status(ticket, Status.CLOSED, actor=self.users["giamsat"])
        if status == Status.OPEN and ticket.district is not None:
            self.progress.book_visit(ticket, assignee)

    def _assign(self, ticket: Ticket, scenario, agent: User) -> User:
        """A ticket its pool's rule gave nobody is assigned by hand: an inquiry to the agent on
        the line, the rest by the district head to one of the office's staff. It opens."""
        if ticket.assignee is None:
            if scenario.type == "inquiry" or ticket.district is None:
                tickets.assign(ticket, agent, actor=agent)
            else:
                code = ticket.district.code.lower()
                head, staff = self.users["dl." + code], self.users["nv1." + code]
                tickets.assign(ticket, self.rng.choice((head, staff)), actor=head)
        tickets.change_status(ticket, Status.OPEN, actor=ticket.assignee)
        return ticket.assignee

    def _ask_for_papers(self, ticket: Ticket, reply_on: Channel, assignee: User,
                        at: datetime) -> datetime:
        """The district asks for the missing papers; the clock stops meanwhile."""
        at = self.clock.later(at, 30, 300)
        self.outbound(ticket, reply_on, canned.render(canned_body("/bosung"), ticket, assignee),
                      assignee, at)
        tickets.change_status(ticket, Status.PENDING_CUSTOMER, actor=assignee)
        return at

    def _wait_for_papers(self, ticket: Ticket, channel: Channel, reply_on: Channel,
                         assignee: User, at: datetime) -> datetime:
        """Asked for papers, the customer sends them a day or two later; work goes on."""
        at = self._ask_for_papers(ticket, reply_on, assignee, at)
        at = self.clock.later(at, 600, 2880)
        if channel in MESSAGING:
            text = self.rng.choice(scenarios.PAPERS_SENT).format(code=ticket.code)
            self.inbound(ticket, channel, text, at, hint=ticket.code)
        else:
            tickets.add_note(ticket, scenarios.PAPERS_AT_COUNTER, actor=assignee)
        tickets.change_status(ticket, Status.OPEN, actor=assignee)
        return at

    def _follow_up(self, ticket: Ticket, scenario, channel: Channel, at: datetime) -> datetime:
        """The customer writes again on the ticket's thread."""
        at = self.clock.later(at, 30, 900)
        texts = scenarios.FOLLOW_UPS.get(scenario.type, scenarios.FOLLOW_UPS["default"])
        self.inbound(ticket, channel, self.rng.choice(texts).format(code=ticket.code), at,
                     hint=ticket.code)
        return at

    def _resolve(self, ticket: Ticket, story: TicketStory, reply_on: Channel, assignee: User,
                 at: datetime) -> datetime:
        """New connections are energised and outages restored through their last step (which
        tells the customer); the rest are resolved with their result and an SMS."""
        if story.scenario.type in ("outage", "inquiry"):     # crews and the centre: 24/7
            span = (40, 240) if story.scenario.type == "outage" else (5, 60)
            at = self.clock.later(at, *span)
        else:
            at = self.clock.later_at_work(at, 240, 5760)
        if self.progress.resolve_by_steps(ticket, story, assignee, at):
            return at
        tickets.change_status(ticket, Status.RESOLVED, actor=assignee,
                              result=story.scenario.result)
        text = scenarios.RESOLVED.format(code=ticket.code, result=story.scenario.result)
        self.outbound(ticket, reply_on, text, assignee, at)
        return at

    # --- duplicates and related tickets ------------------------------------------------------

    def _merge(self, ticket: Ticket, story: TicketStory, agent: User) -> None:
        """The duplicate is spotted and merged into the ticket already being worked."""
        original = self.tickets[story.same_as]
        at = self.clock.later(story.at, 20, 120)
        actor = original.assignee or self.users["giamsat"]
        merge.merge(ticket, original, actor=actor, reason=scenarios.MERGE_REASON.format(
            channel=label("channel", story.channel)))
        db.session.scalars(sa.select(TicketLink).where(       # stored once, lower id first
            TicketLink.ticket_id == min(ticket.id, original.id),
            TicketLink.other_id == max(ticket.id, original.id))).one().created_at = at

    def _link(self, ticket: Ticket, story: TicketStory, agent: User) -> None:
        """The agent links the complaint to the outage report it is about."""
        at = self.clock.later(story.at, 3, 15)
        link = merge.link(ticket, self.tickets[story.about], kind=LinkKind.RELATED, actor=agent)
        link.created_at = at
        tickets.add_note(ticket, scenarios.LINK_NOTE, actor=agent)

    # --- unknown senders -------------------------------------------------------------------

    def _stranger(self, at: datetime, channel: Channel, address: str, name: str | None,
                  text: str) -> None:
        """An unknown sender: ingest makes a provisional contact and an inquiry ticket."""
        self.clock.at(at)
        kind = REPLY_CONTACT[channel]
        ctx = self._ingest(channel, ContactRef(str(kind), address, name), text, at)
        agent = self.users["tongdai1"]
        at = self.clock.later(at, 3, 30)
        self.outbound(ctx.ticket, channel, scenarios.ASK_CUSTOMER_CODE, agent, at,
                      address=ctx.message.address)
        tickets.add_note(ctx.ticket, scenarios.STRANGER_NOTE, actor=agent)
        tickets.change_status(ctx.ticket, Status.PENDING_CUSTOMER, actor=agent)
        self.written.append(ctx.ticket)

    # --- messages ----------------------------------------------------------------------------

    def inbound(self, ticket: Ticket, channel: Channel, text: str, at: datetime,
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

    def outbound(self, ticket: Ticket, channel: Channel, body: str, author: User | None,
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
