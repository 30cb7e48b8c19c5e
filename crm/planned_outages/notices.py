"""Advance, change and cancellation notices of planned outages, each told exactly once.

A customer is told about an outage at most once per revision: the notice row
(`planned_outage_notices`, unique on outage, customer and revision) is inserted first, and
only the run whose insert wins sends. Two runs at once (two schedulers, a retried job)
therefore never send twice; on PostgreSQL the loser waits for the winner's commit and
then skips. The wording is the `planned_outage` template's, always in Vietnamese.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import selectinload

from crm.core import settings
from crm.core.db import insert_ignoring_conflicts
from crm.extensions import db
from crm.models import (Contract, Customer, Meter, NoticeKind, PlannedOutage,
                        PlannedOutageFeeder, PlannedOutageNotice, PlannedOutageStatus,
                        planned_outage_wards, utcnow)
from crm.planned_outages.lookup import PlannedOutageInfo, customer_codes
from crm.tickets.notify import notify_customer_about


def affected_customers(outage: PlannedOutage) -> sa.Select:
    """SELECT of the ids of the customers the outage cuts: in its wards or on its feeders."""
    codes = sa.select(PlannedOutageFeeder.code).where(PlannedOutageFeeder.outage_id == outage.id)
    on_feeder = (sa.select(Contract.customer_id).join(Meter)
                 .where(Contract.is_active, Meter.is_active,
                        sa.or_(Meter.feeder.in_(codes), Meter.station.in_(codes))))
    in_ward = sa.select(planned_outage_wards.c.ward_id).where(
        planned_outage_wards.c.outage_id == outage.id)
    return sa.select(Customer.id).where(
        sa.or_(Customer.ward_id.in_(in_ward), Customer.id.in_(on_feeder)))


def send_due(now: datetime | None = None) -> dict:
    """One pass: finished outages marked done, advance notices due, change notices owed."""
    now = now or utcnow()
    done = mark_done(now)
    days = int(settings.get("planned_outage_notice_days"))
    advance = sum(send_advance(o, now) for o in _outages(
        PlannedOutage.status == PlannedOutageStatus.SCHEDULED, PlannedOutage.starts_at > now,
        PlannedOutage.starts_at <= now + timedelta(days=days)))
    changes = sum(announce(o) for o in _outages(
        PlannedOutage.notices_sent_at.is_not(None),
        PlannedOutage.announced_revision < PlannedOutage.revision))
    return {"advance": advance, "changes": changes, "done": done}


def mark_done(now: datetime) -> int:
    """Scheduled outages whose end has passed become done (no notices after that)."""
    return db.session.execute(
        sa.update(PlannedOutage)
        .where(PlannedOutage.status == PlannedOutageStatus.SCHEDULED, PlannedOutage.ends_at <= now)
        .values(status=PlannedOutageStatus.DONE, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount


def _outages(*where) -> list[PlannedOutage]:
    return db.session.scalars(
        sa.select(PlannedOutage).where(*where)
        .options(selectinload(PlannedOutage.wards), selectinload(PlannedOutage.feeders),
                 selectinload(PlannedOutage.district))
        .order_by(PlannedOutage.starts_at, PlannedOutage.id)).all()


def send_advance(outage: PlannedOutage, now: datetime) -> int:
    """Tell every affected customer not yet told about this outage; returns how many."""
    told = sa.select(PlannedOutageNotice.customer_id).where(
        PlannedOutageNotice.outage_id == outage.id)
    ids = db.session.scalars(affected_customers(outage).where(Customer.id.not_in(told))
                             .order_by(Customer.id)).all()
    if outage.notices_sent_at is None:
        outage.notices_sent_at = now
        outage.announced_revision = outage.revision     # first notices carry the latest
    return sum(_tell(outage, customer_id, NoticeKind.ADVANCE) for customer_id in ids)


def announce(outage: PlannedOutage) -> int:
    """Tell the customers told of an earlier revision that the outage moved or is off."""
    owed = db.session.scalars(
        sa.select(PlannedOutageNotice.customer_id)
        .where(PlannedOutageNotice.outage_id == outage.id)
        .group_by(PlannedOutageNotice.customer_id)
        .having(sa.func.max(PlannedOutageNotice.revision) < outage.revision)
        .order_by(PlannedOutageNotice.customer_id)).all()
    still = set() if outage.status == PlannedOutageStatus.CANCELLED else set(
        db.session.scalars(affected_customers(outage).where(Customer.id.in_(owed))))
    outage.announced_revision = outage.revision
    return sum(_tell(outage, customer_id,
                     NoticeKind.CHANGED if customer_id in still else NoticeKind.CANCELLED)
               for customer_id in owed)


def _tell(outage: PlannedOutage, customer_id: int, kind: NoticeKind) -> int:
    """Claim the notice, then queue it; 0 when another run claimed it first."""
    notice_id = insert_ignoring_conflicts(
        PlannedOutageNotice, {"outage_id": outage.id, "customer_id": customer_id,
                              "revision": outage.revision, "kind": kind, "created_at": utcnow()},
        conflict=["outage_id", "customer_id", "revision"])
    if notice_id is None:
        return 0
    customer = db.session.get(Customer, customer_id)
    message = notify_customer_about(
        customer, "planned_outage", notice_values(outage, kind, customer),
        key=f"planned-outage:{outage.id}:{outage.revision}:{customer_id}")
    if message is not None:
        db.session.execute(sa.update(PlannedOutageNotice)
                           .where(PlannedOutageNotice.id == notice_id)
                           .values(message_id=message.id))
    return 1


def notice_values(outage: PlannedOutage, kind: NoticeKind, customer: Customer) -> dict:
    """The `planned_outage` template's values, naming the customer's own ward when it is in
    the area (and on a cancellation, their ward: it is no longer affected)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        info = PlannedOutageInfo.of(outage, ward=customer.ward,
                                    codes=customer_codes(customer.id))
    area = customer.ward.name if kind == NoticeKind.CANCELLED and customer.ward else info.area
    return {"loai_thong_bao": str(kind), "dien_luc": info.district, "khu_vuc": area,
            "bat_dau": outage.starts_at, "ket_thuc": outage.ends_at, "ly_do": outage.reason}
