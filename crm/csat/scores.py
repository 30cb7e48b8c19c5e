"""The one store of CSAT scores (`csat_scores`): the survey and the chat bot both write here."""
from __future__ import annotations

import re

import sqlalchemy as sa

from crm.core import audit
from crm.core.text import fold
from crm.extensions import db
from crm.models import CsatScore, CsatStatus, Ticket, utcnow

SCORES = range(1, 11)
#: "9", "9 diem", "9đ", "9/10", "diem 9", "chấm 10 điểm" (folded: no accents, lower case)
_WORDS = r"(?:toi\s+)?(?:cham|cho|danh\s+gia)?\s*(?:diem)?\s*"
_REPLY = re.compile(rf"^{_WORDS}(\d{{1,2}})\s*(?:/\s*10|d|diem|đ)?\s*[.!]*$")
#: a tapped survey button
BUTTON_PREFIX = "csat:"


def parse(text: str | None) -> int | None:
    """The score a reply gives, or None when it is not a bare 1–10 answer.

    Only short answers count: "9", "9 điểm", "9/10", "điểm 9". A sentence that merely holds
    a number ("mất điện 2 ngày") is not a score; it goes to the inbox like any message.
    """
    text = fold(text).replace("đ", "d")
    match = _REPLY.match(text)
    if not match:
        return None
    value = int(match.group(1))
    return value if value in SCORES else None


def parse_button(payload: str | None) -> int | None:
    """The score of a tapped button "csat:9"."""
    if not payload or not payload.startswith(BUTTON_PREFIX):
        return None
    rest = payload[len(BUTTON_PREFIX):]
    return int(rest) if rest.isdigit() and int(rest) in SCORES else None


def record(ticket: Ticket, value: int, *, channel: str, customer_id: int | None) -> CsatScore:
    """Store the ticket's score (a later one replaces it) and audit it. Flushes."""
    if value not in SCORES:
        raise ValueError(value)
    row = db.session.scalar(sa.select(CsatScore).where(CsatScore.ticket_id == ticket.id))
    old = row.score if row else None
    now = utcnow()
    if row is None:
        row = CsatScore(ticket_id=ticket.id, customer_id=customer_id, channel=channel,
                        district_id=ticket.district_id, created_at=now)
        db.session.add(row)
    row.score, row.status, row.channel = value, CsatStatus.ANSWERED, channel
    row.answered_at = row.updated_at = now
    db.session.flush()
    audit.record("ticket", ticket.id, "rated", {"score": [old, value]}, ticket_id=ticket.id,
                 actor_label=channel)
    return row
