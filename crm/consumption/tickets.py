"""Phase 2 of an import: the abnormal-consumption ticket and the customer's warning notice.

Each alert without a ticket gets exactly one: alerts are taken in small chunks, locked
(PostgreSQL skips those another import holds), given their ticket and committed. Stored
texts are Vietnamese whatever the language of the user who started the import.
"""
from __future__ import annotations

import time

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy.orm import joinedload

from crm.consumption.formats import kwh_text, month, percent_text
from crm.extensions import db
from crm.models import Channel, ConsumptionAlert, User
from crm.tickets.notify import notify_customer
from crm.tickets.services import create_ticket

CHUNK = 100
EVENT = "abnormal_consumption"
PENDING = ConsumptionAlert.ticket_id.is_(None)


def open_pending(*, actor: User | None = None, progress=None,
                 seconds: float | None = None) -> int:
    """Open the ticket of every alert that has none; commits per chunk. Returns how many.

    With `seconds`, stops after the chunk that passes that budget (a job must end before
    its queue's timeout); the periodic job opens the rest.
    """
    stop_at = time.monotonic() + seconds if seconds else None
    total, done = pending_count(), 0
    while stop_at is None or time.monotonic() < stop_at:
        ids = db.session.scalars(sa.select(ConsumptionAlert.id).where(PENDING)
                                 .order_by(ConsumptionAlert.id).limit(CHUNK)
                                 .with_for_update(skip_locked=True)).all()
        if not ids:
            break
        for alert in db.session.scalars(
                sa.select(ConsumptionAlert).where(ConsumptionAlert.id.in_(ids))
                .options(joinedload(ConsumptionAlert.customer)).order_by(ConsumptionAlert.id)):
            open_ticket(alert, actor=actor)
        db.session.commit()
        done += len(ids)
        if progress:
            progress("tickets", done, max(total, done))
    return done


def pending_count() -> int:
    """Alerts still waiting for their ticket."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(ConsumptionAlert)
                             .where(PENDING)) or 0


def open_ticket(alert: ConsumptionAlert, *, actor: User | None = None) -> None:
    """The alert's meter_inspection/abnormal_consumption ticket and warning (flushes)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        ticket = create_ticket(
            customer=alert.customer, type="meter_inspection", subtype="abnormal_consumption",
            channel=Channel.SYSTEM, subject=subject(alert), description=description(alert),
            details={"consumption": {
                "period": alert.period, "kwh": alert.kwh, "previous_period":
                alert.previous_period, "previous_kwh": alert.previous_kwh,
                "change_percent": float(alert.change_percent)
                if alert.change_percent is not None else None}},
            actor=actor)
        alert.ticket_id = ticket.id
        notify_customer(ticket, EVENT, {
            "ky": month(alert.period), "kwh": alert.kwh, "kwh_ky_truoc": alert.previous_kwh,
            "muc_thay_doi": alert.change_percent})


def subject(alert: ConsumptionAlert) -> str:
    return _("Sản lượng bất thường kỳ %(period)s: %(kwh)s kWh (%(change)s)",
             period=month(alert.period), kwh=kwh_text(alert.kwh), change=change_text(alert))


def description(alert: ConsumptionAlert) -> str:
    return _("Kiểm tra tự động khi nhập chỉ số: kỳ %(period)s %(kwh)s kWh, kỳ trước "
             "(%(previous_period)s) %(previous_kwh)s kWh, thay đổi %(change)s. Cần phúc tra "
             "chỉ số công tơ và liên hệ khách hàng.",
             period=month(alert.period), kwh=kwh_text(alert.kwh),
             previous_period=month(alert.previous_period),
             previous_kwh=kwh_text(alert.previous_kwh), change=change_text(alert))


def change_text(alert: ConsumptionAlert) -> str:
    if alert.change_percent is None:
        return _("từ 0 kWh")
    sign = "+" if alert.change_percent > 0 else "−"
    return f"{sign}{percent_text(alert.change_percent)}%"
