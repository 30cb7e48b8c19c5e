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

PLANNED_TICKETS = 116                      # plus one per unknown sender: 120
CHANNEL_ORDER = ("hotline", "sms", "email", "zalo", "telegram", "web", "counter")
#: Wards where many outage reports pile up (an incident), see `Planner._incident`.
INCIDENTS = ("PC05BB-W03", "PC05DD-W01")


class TicketStory(NamedTuple):
    at: datetime
    scenario: Scenario
    channel: Channel
    customer: Customer
    status: Status                 #: how far the ticket gets


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

    def stories(self) -> list[TicketStory | StrangerStory]:
        """Every planned ticket, then one per unknown sender, sorted by moment."""
        return sorted(self._tickets() + self._strangers(), key=lambda story: story.at)

    def _tickets(self) -> list[TicketStory]:
        rng, stories, outages = self.rng, [], 0
        for scenario, channel in self._picks():
            (at, age), ward = self._when(channel), None
            if scenario.type == "outage" and (outages := outages + 1) % 3:
                ward = INCIDENTS[outages % 3 - 1]
                at, age = self._incident(outages % 3, rng.randint(0, 150))
            customer = self._customer_for(scenario, channel, ward)
            stories.append(TicketStory(at, scenario, Channel(channel), customer,
                                       self._fate(scenario.type, age)))
        return stories

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

    def _incident(self, number: int, minutes: int) -> tuple[datetime, float]:
        """Two outages with many reports each: a storm 12 days ago, one going on now."""
        if number == 1:
            return self._local_day(12) + timedelta(hours=15, minutes=minutes), 12 * 24.0
        return self.now - timedelta(minutes=180 - minutes), (180 - minutes) / 60

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
        return (Status.OPEN, Status.OPEN, Status.PENDING_CUSTOMER, Status.CLOSED, Status.CLOSED,
                *[Status.RESOLVED] * 13)[int(pick * 18)]


def channels(scenario: Scenario) -> tuple[str, ...]:
    """The channels a scenario plausibly arrives on."""
    return scenario.channels or scenarios.TYPE_CHANNELS[scenario.type]
