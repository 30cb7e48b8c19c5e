"""What the demo tickets are about, when they happen, to whom, and how far each one gets.

Planning draws from the seeded generator before any ticket is written, so the plan is the
same on every run; only its moments follow the clock.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from crm.core.timefmt import LOCAL_TZ
from crm.inbox.services import REPLY_CONTACT
from crm.models import Channel, Customer, Status
from crm.seed import scenarios
from crm.seed.customers import unused_phone
from crm.seed.scenarios import Scenario

PLANNED_TICKETS = 116         # plus three feature stories and one per unknown sender: 123
CHANNEL_ORDER = ("hotline", "sms", "email", "zalo", "telegram", "web", "counter")
#: Where many outage reports pile up into one incident, see `Planner._incident`: a storm
#: 12 days ago, an outage this morning (restored as the demo is loaded), one going on now.
INCIDENTS = {"storm": "PC05BB-W03", "morning": "PC05AA-W02", "ongoing": "PC05DD-W01"}
#: Ticket types whose field work stops during the demo's service suspension.
SUSPENDED_TYPES = ("new_connection", "meter_inspection")
#: Where a customer asks again for what they asked before, first that reaches them.
DUPLICATE_CHANNELS = (Channel.ZALO, Channel.EMAIL, Channel.TELEGRAM, Channel.SMS, Channel.HOTLINE)
#: Open new connections spread over these steps, the newest nearest the start.
OPEN_STEPS = ("received", "surveyed", "contract_signed", "meter_installed")


class TicketStory(NamedTuple):
    at: datetime
    scenario: Scenario
    channel: Channel
    customer: Customer
    status: Status                 #: how far the ticket gets
    incident: str | None = None    #: the INCIDENTS key of an outage report
    step: str | None = None        #: new connections: the last step reached
    same_as: "TicketStory | None" = None   #: the ticket this one duplicates (merged into it)
    about: "TicketStory | None" = None     #: the ticket this one is related to (linked)


class Moments(NamedTuple):
    """When the demo's one-off events happen, all in the past."""

    storm_over: datetime           #: power is back in the storm's ward
    suspension_start: datetime     #: field services suspended for the storm...
    suspension_lift: datetime      #: ...until this moment


class StrangerStory(NamedTuple):
    at: datetime
    channel: Channel
    address: str
    name: str | None
    text: str


class Planner:
    """~120 stories over the last 30 days, in the order they happen."""

    def __init__(self, rng: random.Random, now: datetime, customers: list[Customer],
                 jumpers: set[int]):
        self.rng, self.now, self.customers, self.jumpers = rng, now, customers, jumpers
        self.used: set[int] = set()
        self.opened: set[str] = set()          #: incidents whose first report is planned
        storm_day = self._local_day(12)
        self.moments = Moments(storm_over=storm_day + timedelta(hours=21),
                               suspension_start=storm_day + timedelta(hours=12),
                               suspension_lift=self._local_day(10) + timedelta(hours=8))

    def stories(self) -> list[TicketStory | StrangerStory]:
        """Every planned ticket, the feature stories, then one per unknown sender, by moment."""
        tickets = self._tickets()
        tickets = _with_steps(tickets + self._features(tickets))
        return sorted(tickets + self._strangers(), key=lambda story: story.at)

    def _tickets(self) -> list[TicketStory]:
        rng, stories, outages = self.rng, [], 0
        for scenario, channel in self._picks():
            (at, age), incident = self._when(channel), None
            if scenario.type == "outage" and (outages := outages + 1) % 4:
                incident = list(INCIDENTS)[outages % 4 - 1]
                # An incident's reports are resolved by its restoration (crm.seed.events).
                at, age = self._incident(incident, rng.randint(0, 150)), 0
            customer = self._customer_for(scenario, channel, INCIDENTS.get(incident))
            stories.append(TicketStory(at, scenario, Channel(channel), customer,
                                       self._fate(scenario.type, age), incident))
        return stories

    def _features(self, stories: list[TicketStory]) -> list[TicketStory]:
        """A duplicate merged into its original, a complaint linked to the outage it is about,
        and a new connection asked for while field services are suspended."""
        return [self._duplicate(stories), self._complaint(stories), self._deferred()]

    def _duplicate(self, stories: list[TicketStory]) -> TicketStory:
        """The same request again a day later on another channel, merged into the first."""
        window = (self.moments.suspension_start - timedelta(days=2), self.moments.suspension_lift)
        original = min((s for s in stories if s.scenario.type in ("meter_inspection",
                                                                  "contract_change")
                        and s.status == Status.OPEN and not window[0] <= s.at < window[1]
                        and timedelta(days=3) <= self.now - s.at <= timedelta(days=20)),
                       key=lambda s: s.at)
        channel = next(ch for ch in DUPLICATE_CHANNELS if ch != original.channel and (
            ch not in REPLY_CONTACT or original.customer.contact(REPLY_CONTACT[ch])))
        at = original.at + timedelta(days=1, minutes=self.rng.randint(0, 300))
        return TicketStory(at, original.scenario, channel, original.customer, Status.CLOSED,
                           same_as=original)

    def _complaint(self, stories: list[TicketStory]) -> TicketStory:
        """The storm's first reporter complains the next morning that it took too long."""
        about = min((s for s in stories if s.incident == "storm"), key=lambda s: s.at)
        scenario = next(s for s in scenarios.SCENARIOS if s.subject == scenarios.LINKED_COMPLAINT)
        at = self._local_day(11) + timedelta(hours=8, minutes=self.rng.randint(0, 120))
        return TicketStory(at, scenario, Channel.HOTLINE, about.customer,
                           self._fate("complaint", 11 * 24.0), about=about)

    def _deferred(self) -> TicketStory:
        """A web request for a new connection the morning after field services stopped."""
        scenario = self.rng.choice([s for s in scenarios.SCENARIOS
                                    if s.subtype == "low_voltage"])
        at = self.moments.suspension_start + timedelta(hours=21,
                                                       minutes=self.rng.randint(0, 90))
        return TicketStory(at, scenario, Channel.WEB,
                           self._customer_for(scenario, "web", None), Status.OPEN)

    def _strangers(self) -> list[StrangerStory]:
        """Senders who are no customer yet; a missing address becomes an unused phone."""
        phones_used = {c.value for cu in self.customers for c in cu.contact_points}
        stories = []
        for channel, address, name, text in scenarios.UNKNOWN_SENDERS:
            address = address or unused_phone(self.rng, phones_used)
            at, _age = self._when(channel)
            stories.append(StrangerStory(at, Channel(channel), address, name, text))
        return stories

    def _picks(self) -> list[tuple[Scenario, str]]:
        """Every channel and every type/subtype at least once, then drawn by weight."""
        rng, all_ = self.rng, scenarios.SCENARIOS
        picks = [(rng.choice([s for s in all_ if ch in channels(s)]), ch) for ch in CHANNEL_ORDER]
        first = {}
        for scenario in all_:
            first.setdefault((scenario.type, scenario.subtype), scenario)
        picks += [(s, rng.choice(channels(s))) for s in first.values()]
        weights = [scenarios.TYPE_WEIGHTS[s.type] / sum(t.type == s.type for t in all_)
                   for s in all_]
        while len(picks) < PLANNED_TICKETS:
            scenario = rng.choices(all_, weights)[0]
            picks.append((scenario, rng.choice(channels(scenario))))
        return picks

    def _when(self, channel: str) -> tuple[datetime, float]:
        """A moment of the last 30 days in the hours people use this channel, and its age in
        hours, counted in whole days so the tickets' fates do not depend on the hour of seeding."""
        day = int(30 * self.rng.random() ** 1.6)      # more of them lately, as in a real queue
        hours = (7, 16) if channel == "counter" else (6, 21)
        hour, minute = self.rng.randint(*hours), self.rng.randint(0, 59)
        if day == 0:
            minutes = self.rng.randint(20, 400)
            return self.now - timedelta(minutes=minutes), minutes / 60
        return self._local_day(day) + timedelta(hours=hour, minutes=minute), day * 24.0

    def _local_day(self, days_ago: int) -> datetime:
        today = self.now.astimezone(LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
        return (today - timedelta(days=days_ago)).astimezone(timezone.utc)

    def _incident(self, key: str, minutes: int) -> datetime:
        """When a report of the incident `key` comes in (see INCIDENTS)."""
        first = key not in self.opened
        self.opened.add(key)
        if key == "storm":
            return self._local_day(12) + timedelta(hours=15, minutes=minutes)
        if key == "morning":
            return self.now - timedelta(minutes=60 + minutes)
        # The first report 3 h 20 min ago: the rural 4-hour clock is past its warning.
        return self.now - timedelta(minutes=200 if first else 20 + minutes)

    def _customer_for(self, scenario: Scenario, channel: str, ward: str | None) -> Customer:
        """Someone reachable on the channel, in the incident's ward, not picked before if
        possible; abnormal consumption goes to a customer whose readings jumped."""
        kind = REPLY_CONTACT.get(Channel(channel))
        pool = [c for c in self.customers if kind is None or c.contact(kind)]
        pool = [c for c in pool if ward is None or c.ward.code == ward] or pool
        if scenario.subtype == "abnormal_consumption":
            pool = [c for c in pool if c.id in self.jumpers] or pool
        customer = self.rng.choice([c for c in pool if c.id not in self.used] or pool)
        self.used.add(customer.id)
        return customer

    def _fate(self, type_: str, hours: float) -> Status:
        """Older tickets are mostly done; outages are fixed within hours, inquiries at once."""
        pick = self.rng.random()
        if type_ == "outage":
            return Status.RESOLVED if hours > 6 else (Status.NEW, Status.OPEN)[pick < 0.4]
        if type_ == "inquiry" and hours > 1 and pick < 0.7:
            return Status.RESOLVED
        if hours < 24:
            return (Status.NEW, Status.OPEN, Status.PENDING_CUSTOMER)[int(pick * 2.6)]
        if hours < 120:
            return (Status.NEW, Status.OPEN, Status.OPEN, Status.PENDING_CUSTOMER,
                    Status.RESOLVED)[int(pick * 5)]
        return (Status.OPEN, Status.OPEN, Status.OPEN, Status.PENDING_CUSTOMER, Status.CLOSED,
                Status.CLOSED, *[Status.RESOLVED] * 12)[int(pick * 18)]


def _with_steps(stories: list[TicketStory]) -> list[TicketStory]:
    """New connections get the step they reach: the done ones "energised", the open ones
    spread over OPEN_STEPS with the newest nearest the start, the new ones "received"."""
    open_ = sorted((s for s in stories if s.scenario.type == "new_connection"
                    and s.status in (Status.OPEN, Status.PENDING_CUSTOMER)),
                   key=lambda s: s.at, reverse=True)
    steps = {id(s): OPEN_STEPS[n % len(OPEN_STEPS)] for n, s in enumerate(open_)}
    done = (Status.RESOLVED, Status.CLOSED)
    return [s._replace(step=steps.get(id(s), "energised" if s.status in done else "received"))
            if s.scenario.type == "new_connection" else s for s in stories]


def channels(scenario: Scenario) -> tuple[str, ...]:
    """The channels a scenario plausibly arrives on."""
    return scenario.channels or scenarios.TYPE_CHANNELS[scenario.type]
