"""The periodic expiry of unanswered surveys (a non-answer is not a score)."""
from __future__ import annotations

import sqlalchemy as sa

from crm.core import schedule
from crm.extensions import db
from crm.models import CsatScore, CsatStatus, utcnow


def expire_surveys() -> int:
    """Mark surveys past their reply time as expired; commits; returns how many."""
    count = db.session.execute(
        sa.update(CsatScore)
        .where(CsatScore.status == CsatStatus.ASKED, CsatScore.expires_at <= utcnow())
        .values(status=CsatStatus.EXPIRED, updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return count


schedule.register("csat_expire", "crm.csat.jobs.expire_surveys", every=900)
