"""Builders shared by the planned-outage tests: a district with wards, CSV text, outages."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from crm import models as m
from crm.core.timefmt import LOCAL_TZ, local
from crm.models import utcnow

HEADER = "district,wards,feeders,start,end,reason,reference"
_REFS = itertools.count(1)


@dataclass
class World:
    district: m.District
    other: m.District
    ward: m.Ward            #: Phường Hải Châu, in `district`
    ward2: m.Ward           #: Phường Thanh Khê, in `district`
    far_ward: m.Ward        #: in `other`


def world(make) -> World:
    district = make.district(code="PC09AA", name="Điện lực Hải Châu")
    other = make.district(code="PC09BB", name="Điện lực Sơn Trà")
    return World(district, other,
                 make.ward(code="PC09AA-W01", name="Phường Hải Châu", district=district),
                 make.ward(code="PC09AA-W02", name="Phường Thanh Khê", district=district),
                 make.ward(code="PC09BB-W01", name="Phường Sơn Trà", district=other))


def day(offset: int) -> date:
    """A local day `offset` days from today."""
    return local(utcnow()).date() + timedelta(days=offset)


def at(offset: int, hour: int, minute: int = 0) -> datetime:
    """Local `hour:minute` on day(offset), as aware UTC."""
    return datetime.combine(day(offset), time(hour, minute), LOCAL_TZ).astimezone(timezone.utc)


def stamp(offset: int, hour: int, minute: int = 0) -> str:
    """The same moment as the CSV writes it: dd/mm/yyyy HH:MM."""
    return f"{day(offset):%d/%m/%Y} {hour:02d}:{minute:02d}"


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join((header, *rows)) + "\n"


def with_meter(session, customer: m.Customer, *, feeder=None, station=None) -> m.Meter:
    """Give `customer` an active contract and meter supplied from `feeder` / `station`."""
    meter = m.Meter(serial=f"SN{customer.id:08d}", feeder=feeder, station=station)
    session.add(m.Contract(customer=customer, number=f"HD{customer.id:08d}", meters=[meter]))
    session.flush()
    return meter


def outage(session, district, *, wards=(), feeders=(), start: datetime, end: datetime,
           reason="Bảo dưỡng đường dây", ref=None, **kw) -> m.PlannedOutage:
    row = m.PlannedOutage(district=district, wards=list(wards), starts_at=start, ends_at=end,
                          reason=reason, source_ref=ref or f"T-{next(_REFS)}",
                          feeders=[m.PlannedOutageFeeder(code=c) for c in feeders], **kw)
    session.add(row)
    session.flush()
    return row
