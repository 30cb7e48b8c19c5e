"""`flask --app wsgi seed-demo`: the deterministic demo set that DESIGN.md "Demo data" pins.

Every choice comes from one seeded generator, so codes, names, phones and counts are the
same on every run; only timestamps follow the clock, so the tickets always look recent.
"""
from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta, timezone
from functools import partial

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.security import generate_password_hash

from channels.base import ContactRef, InboundMessage
from crm import labels
from crm import seed_data as data
from crm.core import audit, phones
from crm.core.text import fold
from crm.core.timefmt import LOCAL_TZ
from crm.extensions import db
from crm.inbox import canned
from crm.inbox.ingest import IngestContext, ingest
from crm.inbox.services import REPLY_CONTACT
from crm.models import (AreaType, AuditEvent, CannedReply, Channel, Company, ContactKind,
                        ContactPoint, Contract, Customer, DeliveryStatus, Direction, District,
                        Message, Meter, Note, Reading, Status, Ticket, UsagePurpose, User, Ward,
                        utcnow)
from crm.models.users import PASSWORD_METHOD
from crm.tickets import services as tickets

SEED = 52026
DEMO_PASSWORD = "CskhDemo@2026"
CUSTOMERS_PER_DISTRICT = 125
PURPOSES = ((UsagePurpose.RESIDENTIAL, 88), (UsagePurpose.BUSINESS, 8),
            (UsagePurpose.PRODUCTION, 2), (UsagePurpose.ADMINISTRATIVE, 2))
#: Share of customers reachable on each extra channel, and of ≥30 % consumption jumps.
CONTACT_SHARE = {ContactKind.EMAIL: 0.2, ContactKind.ZALO: 0.35, ContactKind.TELEGRAM: 0.1}
JUMP_SHARE = 0.08
PLANNED_TICKETS = 116                      # plus one per unknown sender: 120
MESSAGING = (Channel.SMS, Channel.EMAIL, Channel.ZALO, Channel.TELEGRAM)
CHANNEL_ORDER = ("hotline", "sms", "email", "zalo", "telegram", "web", "counter")
#: Wards where many outage reports pile up (an incident), see `_Stories._incident`.
INCIDENTS = ("PC05BB-W03", "PC05DD-W01")


def init_app(app: Flask) -> None:
    # A plain help string: click renders it with no request to pick a language.
    app.cli.command("seed-demo", help="Nạp dữ liệu mẫu (chạy lại không thay đổi gì) và in "
                                      "danh sách tài khoản demo.")(seed_demo)


def seed_demo() -> None:
    """Load the demo set unless company PC05 exists; commits; prints the demo logins."""
    code = data.COMPANY["code"]
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):   # no request here
        if db.session.scalar(sa.select(Company.id).where(Company.code == code)) is not None:
            click.echo(_("Dữ liệu mẫu đã có sẵn (công ty %(code)s): không thay đổi gì.",
                         code=code))
        else:
            started = time.perf_counter()
            load_demo(random.Random(SEED))
            db.session.commit()
            click.echo(_summary(time.perf_counter() - started))
        _print_logins()


def load_demo(rng: random.Random) -> None:
    """Add the whole demo set to the session (flushes, never commits)."""
    wards = _organisation()
    users = _users({w.district.code: w.district for w, _spec in wards})
    _canned_replies()
    customers = _customers(rng, wards)
    jumpers = _readings(rng, customers, utcnow().astimezone(LOCAL_TZ).date())
    _Stories(rng, users, customers, jumpers).tell()


def _organisation() -> list[tuple[Ward, data.WardSpec]]:
    company = Company(**data.COMPANY)
    wards = []
    for spec in data.DISTRICTS:
        district = District(company=company, code=spec.code, name=spec.name,
                            address=spec.address, phone=phones.normalise_phone(spec.phone))
        for n, ward in enumerate(spec.wards, 1):
            wards.append((Ward(code=f"{spec.code}-W{n:02d}", name=ward.name, district=district,
                               province=data.PROVINCE, area_type=AreaType(ward.area)), ward))
    db.session.add_all([w for w, _spec in wards])
    db.session.flush()
    return wards


def _users(districts: dict[str, District]) -> dict[str, User]:
    """The demo staff; scrypt is slow by design, so the one password is hashed once."""
    password_hash = generate_password_hash(DEMO_PASSWORD, method=PASSWORD_METHOD)
    users = {}
    for username, full_name, role, district, email in data.USERS:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:   # an account made earlier with create-user keeps its password
            user = User(username=username, full_name=full_name, role=role, email=email,
                        district=districts.get(district), password_hash=password_hash)
            db.session.add(user)
        users[username] = user
    db.session.flush()
    return users


def _canned_replies() -> None:
    for shortcut, title, body in data.CANNED_REPLIES:
        canned.check(body)
        if not db.session.scalar(sa.select(CannedReply.id).where(CannedReply.shortcut == shortcut)):
            db.session.add(CannedReply(shortcut=shortcut, title=title, body=body))


def _customers(rng: random.Random, wards: list[tuple[Ward, data.WardSpec]]) -> list[Customer]:
    used: set[str] = set()
    customers = []
    for spec in data.DISTRICTS:
        own = [(w, s) for w, s in wards if w.district.code == spec.code]
        for n in range(1, CUSTOMERS_PER_DISTRICT + 1):
            ward, ward_spec = rng.choice(own)
            customers.append(_customer(rng, f"{spec.code}{n:07d}", ward, ward_spec, used))
    db.session.add_all(customers)
    db.session.flush()
    return customers


def _customer(rng: random.Random, code: str, ward: Ward, spec: data.WardSpec,
              used: set[str]) -> Customer:
    highland = ward.district.code == "PC05DD" and rng.random() < 0.3
    name = _name(rng, rng.choice("mf"), highland)
    customer = Customer(code=code, name=name, ward=ward, address=_address(rng, spec),
                        note=rng.choice(data.CUSTOMER_NOTES) if rng.random() < 0.04 else None)
    contacts = [(ContactKind.PHONE, _phone(rng, used))]
    for kind, share in CONTACT_SHARE.items():
        if rng.random() < share:
            contacts.append((kind, _other_contact(rng, kind, name, used)))
    customer.contact_points = [ContactPoint(kind=k, value=v) for k, v in contacts]
    customer.contracts = [_contract(rng, code, used)]
    return customer


def _name(rng: random.Random, gender: str, highland: bool) -> str:
    if highland:
        family = rng.choice(data.HIGHLAND_FAMILY_NAMES)
    else:
        names, weights = zip(*data.FAMILY_NAMES)
        family = rng.choices(names, weights)[0]
    middle = [rng.choice(data.MIDDLE_NAMES[gender])]
    if rng.random() < 0.12:
        middle.append(rng.choice(data.SECOND_MIDDLE[gender]))
    given = rng.choice(data.GIVEN_NAMES[gender])
    return " ".join([family, *dict.fromkeys(middle), given])


def _address(rng: random.Random, spec: data.WardSpec) -> str:
    place = rng.choice(spec.places)
    if spec.area == "rural":
        return f"Tổ {rng.randint(1, 9)}, thôn {place}"
    if place[0].isdigit():   # "12 đường 2 Tháng 9", not "12 2 Tháng 9"
        place = "đường " + place
    if rng.random() < 0.3:   # kiệt (alley) addresses, as written in Đà Nẵng
        return f"K{rng.randint(2, 480)}/{rng.randint(1, 60)} {place}"
    return f"{rng.randint(1, 520)} {place}"


def _phone(rng: random.Random, used: set[str]) -> str:
    """A valid, unused Vietnamese mobile number in E.164."""
    while True:
        number = phones.normalise_phone(rng.choice(data.MOBILE_PREFIXES)
                                        + f"{rng.randrange(10 ** 7):07d}")
        if number not in used:
            used.add(number)
            return number


def _other_contact(rng: random.Random, kind: ContactKind, name: str, used: set[str]) -> str:
    while True:
        if kind == ContactKind.EMAIL:
            words = fold(name).split()
            local = rng.choice(["".join(words), words[-1] + "." + words[0], "".join(words[-2:])])
            value = f"{local}{rng.randint(60, 99)}@{rng.choice(data.EMAIL_DOMAINS)}"
        elif kind == ContactKind.ZALO:
            value = str(rng.randrange(10 ** 17, 10 ** 19))
        else:
            value = str(rng.randrange(10 ** 8, 7 * 10 ** 9))
        if value not in used:
            used.add(value)
            return value


def _contract(rng: random.Random, code: str, used: set[str]) -> Contract:
    purposes, weights = zip(*PURPOSES)
    purpose = rng.choices(purposes, weights)[0]
    households = rng.choices((1, 2, 3), (80, 15, 5))[0] if purpose == UsagePurpose.RESIDENTIAL \
        else 1
    signed = date(rng.randint(2004, 2024), rng.randint(1, 12), rng.randint(1, 28))
    three_phase = purpose != UsagePurpose.RESIDENTIAL and rng.random() < 0.6
    model, phases = rng.choice([m for m in data.METER_MODELS if (m[1] == 3) == three_phase])
    serial = f"CT{rng.randrange(10 ** 9):09d}"
    while serial in used:
        serial = f"CT{rng.randrange(10 ** 9):09d}"
    used.add(serial)
    meter = Meter(serial=serial, model=model, phases=phases, installed_on=signed)
    return Contract(number=f"HD-{code}", usage_purpose=purpose, households=households,
                    signed_on=signed, meters=[meter])


def _readings(rng: random.Random, customers: list[Customer], today: date) -> set[int]:
    """13–25 monthly readings per customer up to last month; returns who jumped ≥ 30 %."""
    last = today.replace(day=1) - timedelta(days=1)
    rows, jumpers = [], set()
    for customer in customers:
        contract = customer.contracts[0]
        base = _base_kwh(rng, contract)
        months = rng.randint(13, 25)
        day = 3 + 3 * int(customer.ward.code[-2:])          # lịch ghi chỉ số of the ward
        jump = rng.random() < JUMP_SHARE
        previous = None
        for back in range(months - 1, -1, -1):
            year, month = divmod(last.year * 12 + last.month - 1 - back, 12)
            month += 1
            kwh = min(600, max(80, round(base * data.SEASON[month] * rng.uniform(0.92, 1.08))))
            if back == 0 and jump:
                kwh = round(previous * rng.uniform(1.35, 1.6))
                jumpers.add(customer.id)
            rows.append({"customer_id": customer.id, "period": f"{year:04d}-{month:02d}",
                         "kwh": kwh, "read_on": date(year, month, day)})
            previous = kwh
    db.session.execute(sa.insert(Reading), rows)
    return jumpers


def _base_kwh(rng: random.Random, contract: Contract) -> float:
    if contract.usage_purpose == UsagePurpose.RESIDENTIAL:
        return rng.randint(85, 240) * (1 + 0.55 * (contract.households - 1))
    return rng.randint(220, 460)


class _Clock:
    """Stamps the rows services add with the story's moment instead of the wall clock."""

    STAMPED = {AuditEvent: ("at",), Note: ("created_at",), Ticket: ("created_at",),
               Customer: ("created_at", "updated_at")}

    def __init__(self):
        self.moment = None

    def __call__(self, _session, obj) -> None:
        for attr in self.STAMPED.get(type(obj), ()):
            setattr(obj, attr, self.moment)


class _Stories:
    """~120 tickets over the last 30 days, told through the ticket and inbox services."""

    def __init__(self, rng: random.Random, users: dict[str, User], customers: list[Customer],
                 jumpers: set[int]):
        self.rng, self.users, self.customers, self.jumpers = rng, users, customers, jumpers
        self.now = utcnow()
        self.clock = _Clock()
        self.used: set[int] = set()
        self.serial = 0

    def tell(self) -> None:
        session = db.session()
        sa.event.listen(session, "transient_to_pending", self.clock)
        try:
            for _at, story in sorted(self._plan(), key=lambda entry: entry[0]):
                story()
            session.flush()
        finally:
            sa.event.remove(session, "transient_to_pending", self.clock)

    def _picks(self) -> list[tuple[data.Scenario, str]]:
        """Every channel and every type/subtype at least once, then drawn by weight."""
        rng, scenarios = self.rng, data.SCENARIOS
        picks = [(rng.choice([s for s in scenarios if ch in _channels(s)]), ch)
                 for ch in CHANNEL_ORDER]
        first = {}
        for scenario in scenarios:
            first.setdefault((scenario.type, scenario.subtype), scenario)
        picks += [(s, rng.choice(_channels(s))) for s in first.values()]
        weights = [data.TYPE_WEIGHTS[s.type] / sum(t.type == s.type for t in scenarios)
                   for s in scenarios]
        while len(picks) < PLANNED_TICKETS:
            scenario = rng.choices(scenarios, weights)[0]
            picks.append((scenario, rng.choice(_channels(scenario))))
        return picks

    def _plan(self) -> list[tuple[datetime, partial]]:
        """When each story happens, to whom, and how far it gets; unknown senders too."""
        rng, entries, outages = self.rng, [], 0
        for scenario, channel in self._picks():
            (at, age), ward = self._when(channel), None
            if scenario.type == "outage" and (outages := outages + 1) % 3:
                ward = INCIDENTS[outages % 3 - 1]
                at, age = self._incident(outages % 3, rng.randint(0, 150))
            customer = self._customer_for(scenario, channel, ward)
            entries.append((at, partial(self._ticket, scenario, Channel(channel), customer, at,
                                        self._fate(scenario.type, age))))
        phones_used = {c.value for cu in self.customers for c in cu.contact_points}
        for channel, address, name, text in data.UNKNOWN_SENDERS:
            address = address or _phone(rng, phones_used)
            at, _age = self._when(channel)
            entries.append((at, partial(self._stranger, Channel(channel), address, name, text, at)))
        return entries

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

    def _customer_for(self, scenario: data.Scenario, channel: str, ward: str | None) -> Customer:
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

    def _later(self, at: datetime, low: int, high: int) -> datetime:
        """`low`–`high` minutes after `at`, but always before now; sets the clock."""
        step = timedelta(minutes=self.rng.randint(low, high))
        self.clock.moment = min(at + step, at + (self.now - at) / 2)
        return self.clock.moment

    def _ticket(self, scenario: data.Scenario, channel: Channel, customer: Customer,
                at: datetime, status: Status) -> None:
        rng = self.rng
        agent = self.users[rng.choice(("tongdai1", "tongdai2"))]
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
            text = data.ABNORMAL_WARNING if channel == Channel.SYSTEM else data.CONFIRMATION
            self._outbound(ticket, Channel.SMS, text.format(code=ticket.code,
                                                            customer=customer.code), None, at)
        if status != Status.NEW:
            at = self._work(ticket, scenario, channel, reply_on, agent, status, at)
        ticket.updated_at = at

    def _work(self, ticket: Ticket, scenario: data.Scenario, channel: Channel, reply_on: Channel,
              agent: User, status: Status, at: datetime) -> datetime:
        """Answer, assign, note, ask for papers, resolve: as far as the ticket's fate goes."""
        rng = self.rng
        at = self._later(at, 4, 40)
        if channel in MESSAGING:
            body = canned.render(_canned(data.FIRST_REPLY[scenario.type]), ticket, agent)
            self._outbound(ticket, channel, body, agent, at)
        assignee = agent if scenario.type == "inquiry" else \
            self.users["dl." + ticket.district.code.lower()]
        tickets.assign(ticket, assignee, actor=self.users["giamsat"] if rng.random() < 0.5
                       else agent)
        tickets.change_status(ticket, Status.OPEN, actor=assignee)
        if rng.random() < 0.5:
            at = self._later(at, 20, 600)
            tickets.add_note(ticket, rng.choice(data.NOTES[scenario.type]), actor=assignee)
        if status == Status.PENDING_CUSTOMER:
            at = self._later(at, 30, 300)
            self._outbound(ticket, reply_on, canned.render(_canned("/bosung"), ticket, assignee),
                           assignee, at)
            tickets.change_status(ticket, status, actor=assignee)
        if channel in MESSAGING and rng.random() < 0.45:
            at = self._later(at, 30, 900)
            texts = data.FOLLOW_UPS.get(scenario.type, data.FOLLOW_UPS["default"])
            self._inbound(ticket, channel, rng.choice(texts).format(code=ticket.code), at,
                          hint=ticket.code)
        if status in (Status.RESOLVED, Status.CLOSED):
            at = self._resolve(ticket, scenario, reply_on, assignee, at)
        if status == Status.CLOSED:
            at = self._later(at, 1440, 4320)
            tickets.change_status(ticket, Status.CLOSED, actor=self.users["giamsat"])
            ticket.closed_at = at
        return at

    def _resolve(self, ticket: Ticket, scenario: data.Scenario, reply_on: Channel,
                 assignee: User, at: datetime) -> datetime:
        span = {"outage": (40, 240), "inquiry": (5, 60)}.get(scenario.type, (240, 5760))
        at = self._later(at, *span)
        tickets.change_status(ticket, Status.RESOLVED, actor=assignee, result=scenario.result)
        ticket.resolved_at = at
        text = data.RESOLVED.format(code=ticket.code, result=scenario.result)
        self._outbound(ticket, reply_on, text, assignee, at)
        return at

    def _stranger(self, channel: Channel, address: str, name: str | None, text: str,
                  at: datetime) -> None:
        """An unknown sender: ingest makes a provisional contact and an inquiry ticket."""
        self.clock.moment = at
        kind = REPLY_CONTACT[channel]
        ctx = self._ingest(channel, ContactRef(str(kind), address, name), text, at)
        agent = self.users["tongdai1"]
        at = self._later(at, 3, 30)
        self._outbound(ctx.ticket, channel, data.ASK_CUSTOMER_CODE, agent, at,
                       address=ctx.message.address)
        tickets.add_note(ctx.ticket, data.STRANGER_NOTE, actor=agent)
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


def _channels(scenario: data.Scenario) -> tuple[str, ...]:
    return scenario.channels or data.TYPE_CHANNELS[scenario.type]


def _canned(shortcut: str) -> str:
    return next(body for key, _title, body in data.CANNED_REPLIES if key == shortcut)


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _summary(seconds: float) -> str:
    return _("Đã nạp dữ liệu mẫu: %(districts)d điện lực, %(wards)d phường/xã, "
             "%(customers)d khách hàng, %(provisional)d liên hệ chưa xác định, "
             "%(readings)d chỉ số, %(tickets)d phiếu, %(messages)d tin nhắn, %(notes)d ghi chú, "
             "%(canned)d câu trả lời mẫu, %(users)d tài khoản (%(seconds).1f giây).",
             districts=_count(District), wards=_count(Ward),
             customers=_count(Customer, ~Customer.is_provisional),
             provisional=_count(Customer, Customer.is_provisional),
             readings=_count(Reading), tickets=_count(Ticket), messages=_count(Message),
             notes=_count(Note), canned=_count(CannedReply), users=_count(User),
             seconds=seconds)


def _print_logins() -> None:
    rows = [(_("Tên đăng nhập"), _("Vai trò"), _("Điện lực"), _("Mật khẩu"))]
    for username, _name_, role, district, _email in data.USERS:
        rows.append((username, labels.label("role", role), district or "—", DEMO_PASSWORD))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    click.echo(_("Tài khoản demo:"))
    for row in rows:
        click.echo("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
