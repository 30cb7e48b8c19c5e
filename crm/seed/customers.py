"""The demo customers: names, addresses, contact points, contracts, meters and readings.

Every choice comes from the one seeded generator the caller passes, in a fixed order.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

import sqlalchemy as sa

from crm.core import phones
from crm.core.text import fold
from crm.extensions import db
from crm.models import (ContactKind, ContactPoint, Contract, Customer, Meter, Reading,
                        UsagePurpose, Ward)
from crm.seed import data

CUSTOMERS_PER_DISTRICT = 125
PURPOSES = ((UsagePurpose.RESIDENTIAL, 88), (UsagePurpose.BUSINESS, 8),
            (UsagePurpose.PRODUCTION, 2), (UsagePurpose.ADMINISTRATIVE, 2))
#: Share of customers reachable on each extra channel, and of ≥30 % consumption jumps.
CONTACT_SHARE = {ContactKind.EMAIL: 0.2, ContactKind.ZALO: 0.35, ContactKind.TELEGRAM: 0.1}
JUMP_SHARE = 0.08


def add_customers(rng: random.Random, wards: list[tuple[Ward, data.WardSpec]]) -> list[Customer]:
    """125 customers per district, each with contacts, a contract and a meter; flushed."""
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
    contacts = [(ContactKind.PHONE, unused_phone(rng, used))]
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


def unused_phone(rng: random.Random, used: set[str]) -> str:
    """A valid Vietnamese mobile number in E.164 that is not in `used`; adds it there."""
    while True:
        number = phones.normalise_phone(rng.choice(data.MOBILE_PREFIXES)
                                        + f"{rng.randrange(10 ** 7):07d}")
        if number not in used:
            used.add(number)
            return number


def _other_contact(rng: random.Random, kind: ContactKind, name: str, used: set[str]) -> str:
    while True:
        value = _draw_contact(rng, kind, name)
        if value not in used:
            used.add(value)
            return value


def _draw_contact(rng: random.Random, kind: ContactKind, name: str) -> str:
    if kind == ContactKind.EMAIL:
        words = fold(name).split()
        local = rng.choice(["".join(words), words[-1] + "." + words[0], "".join(words[-2:])])
        return f"{local}{rng.randint(60, 99)}@{rng.choice(data.EMAIL_DOMAINS)}"
    if kind == ContactKind.ZALO:
        return str(rng.randrange(10 ** 17, 10 ** 19))
    return str(rng.randrange(10 ** 8, 7 * 10 ** 9))


def _contract(rng: random.Random, code: str, used: set[str]) -> Contract:
    purposes, weights = zip(*PURPOSES)
    purpose = rng.choices(purposes, weights)[0]
    households = rng.choices((1, 2, 3), (80, 15, 5))[0] if purpose == UsagePurpose.RESIDENTIAL \
        else 1
    signed = date(rng.randint(2004, 2024), rng.randint(1, 12), rng.randint(1, 28))
    three_phase = purpose != UsagePurpose.RESIDENTIAL and rng.random() < 0.6
    model, phases = rng.choice([m for m in data.METER_MODELS if (m[1] == 3) == three_phase])
    meter = Meter(serial=_serial(rng, used), model=model, phases=phases, installed_on=signed)
    return Contract(number=f"HD-{code}", usage_purpose=purpose, households=households,
                    signed_on=signed, meters=[meter])


def _serial(rng: random.Random, used: set[str]) -> str:
    serial = f"CT{rng.randrange(10 ** 9):09d}"
    while serial in used:
        serial = f"CT{rng.randrange(10 ** 9):09d}"
    used.add(serial)
    return serial


def add_readings(rng: random.Random, customers: list[Customer], today: date) -> set[int]:
    """13–25 monthly readings per customer up to last month; returns who jumped ≥ 30 %."""
    last = today.replace(day=1) - timedelta(days=1)
    rows, jumpers = [], set()
    for customer in customers:
        if _customer_readings(rng, customer, last, rows):
            jumpers.add(customer.id)
    db.session.execute(sa.insert(Reading), rows)
    return jumpers


def _customer_readings(rng: random.Random, customer: Customer, last: date,
                       rows: list[dict]) -> bool:
    """Appends the customer's readings up to the month of `last`; True if the last one jumped."""
    base = _base_kwh(rng, customer.contracts[0])
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
        rows.append({"customer_id": customer.id, "period": f"{year:04d}-{month:02d}",
                     "kwh": kwh, "read_on": date(year, month, day)})
        previous = kwh
    return jump


def _base_kwh(rng: random.Random, contract: Contract) -> float:
    if contract.usage_purpose == UsagePurpose.RESIDENTIAL:
        return rng.randint(85, 240) * (1 + 0.55 * (contract.households - 1))
    return rng.randint(220, 460)
