"""The CSAT report: answered scores averaged by district, channel and month, against target.

Months are Vietnamese calendar months (Asia/Ho_Chi_Minh, UTC+7 all year: no daylight
saving), computed in SQL so the report groups millions of scores without loading them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from crm.core.db import dialect
from crm.extensions import db
from crm.models import CsatScore, CsatStatus, District

GROUPS = ("district", "channel", "month")


@dataclass(frozen=True)
class Line:
    label: str
    average: float
    answers: int


def month_of(column):
    """YYYY-MM of a UTC timestamp column, in Vietnamese local time."""
    if dialect() == "postgresql":
        return sa.func.to_char(sa.func.timezone("Asia/Ho_Chi_Minh", column), "YYYY-MM")
    return sa.func.strftime("%Y-%m", column, "+7 hours")


def lines(group: str, since: datetime) -> list[Line]:
    """One line per district / channel / month of the scores answered since `since`."""
    answered = sa.and_(CsatScore.status == CsatStatus.ANSWERED, CsatScore.score.is_not(None),
                       CsatScore.answered_at >= since)
    if group == "district":
        key = sa.func.coalesce(District.code, "—")
        source = sa.select(key).select_from(CsatScore).outerjoin(
            District, District.id == CsatScore.district_id)
    elif group == "channel":
        key = CsatScore.channel
        source = sa.select(key)
    else:
        key = month_of(CsatScore.answered_at)
        source = sa.select(key)
    query = (source.add_columns(sa.func.avg(CsatScore.score), sa.func.count())
             .where(answered).group_by(key).order_by(key))
    return [Line(label or "—", round(float(avg), 2), n)
            for label, avg, n in db.session.execute(query)]


def totals(since: datetime) -> dict:
    """The overall average and how the surveys ended (answered, expired, still waiting)."""
    rows = dict(db.session.execute(
        sa.select(CsatScore.status, sa.func.count())
        .where(sa.func.coalesce(CsatScore.answered_at, CsatScore.asked_at) >= since)
        .group_by(CsatScore.status)).all())
    average = db.session.scalar(sa.select(sa.func.avg(CsatScore.score)).where(
        CsatScore.status == CsatStatus.ANSWERED, CsatScore.answered_at >= since))
    return {"average": round(float(average), 2) if average is not None else None,
            "answered": rows.get(CsatStatus.ANSWERED, 0),
            "expired": rows.get(CsatStatus.EXPIRED, 0),
            "waiting": rows.get(CsatStatus.ASKED, 0)}


def since_months(now: datetime, months: int) -> datetime:
    return now - timedelta(days=31 * months)
