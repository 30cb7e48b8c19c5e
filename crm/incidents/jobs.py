"""Background jobs of incidents and suspensions."""
from __future__ import annotations

import sqlalchemy as sa

from crm.core import schedule
from crm.extensions import db
from crm.incidents import suspensions
from crm.models import Suspension, utcnow

schedule.register("resume-ended-suspensions",
                  "crm.incidents.jobs.resume_ended_suspensions", every=60)


def resume_ended_suspensions() -> int:
    """Resume the deferred tickets of every suspension that ended or was lifted; idempotent."""
    now = utcnow()
    ids = db.session.scalars(
        sa.select(Suspension.id).where(
            Suspension.resumed_at.is_(None),
            sa.or_(Suspension.ends_at <= now, Suspension.lifted_at <= now))
        .order_by(Suspension.id)).all()
    return sum(suspensions.resume_if_over(suspension_id) for suspension_id in ids)


def resume_suspension(suspension_id: int) -> int:
    """Resume one lifted suspension's deferred tickets now (enqueued by `lift`); idempotent."""
    return suspensions.resume_if_over(suspension_id)
