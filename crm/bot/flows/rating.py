"""Đánh giá dịch vụ (rate the service): a 1–10 score for the customer's last resolved ticket.

One score per ticket in the CSAT store (`crm.csat.scores`, rating again replaces it),
audited on the ticket: the same row the survey sent after resolution fills.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _, lazy_gettext as _l

from crm.bot import state
from crm.bot.flows import Flow, register
from crm.bot.turn import Turn, button, rows
from crm.csat import scores
from crm.extensions import db
from crm.models import CsatScore, Status, Ticket

SCORES = range(1, 11)


def last_resolved(customer_id: int) -> Ticket | None:
    """The customer's most recently resolved (or closed) ticket, merged duplicates aside."""
    finished = sa.func.coalesce(Ticket.resolved_at, Ticket.closed_at)
    return db.session.scalar(
        sa.select(Ticket).where(Ticket.customer_id == customer_id,
                                Ticket.status.in_((Status.RESOLVED, Status.CLOSED)),
                                Ticket.merged_into_id.is_(None), finished.is_not(None))
        .order_by(finished.desc(), Ticket.id.desc()).limit(1))


def start(turn: Turn) -> None:
    ticket = last_resolved(turn.customer.id)
    if ticket is None:
        state.go(turn.conv, None)
        turn.say(_("Anh/chị chưa có yêu cầu nào đã hoàn thành để đánh giá."))
        return
    state.begin(turn.conv, "rate", "score", ticket_id=ticket.id, code=ticket.code)
    turn.say(_("Anh/chị chấm mấy điểm cho việc giải quyết yêu cầu %(code)s (%(subject)s)? "
               "Chọn từ 1 (rất không hài lòng) đến 10 (rất hài lòng).",
               code=ticket.code, subject=ticket.subject),
             rows([button(str(n), f"rate:{n}") for n in SCORES], per_row=3))


def score(turn: Turn) -> bool:
    given = turn.value("rate") or turn.folded
    if not given.isdigit() or int(given) not in SCORES:
        turn.say(_("Vui lòng chọn một điểm từ 1 đến 10."),
                 rows([button(str(n), f"rate:{n}") for n in SCORES], per_row=3))
        return False
    ticket = db.session.get(Ticket, (turn.conv.data or {}).get("ticket_id"))
    state.go(turn.conv, None)
    if ticket is None:
        turn.say(_("Yêu cầu cần đánh giá không còn nữa. Xin cảm ơn anh/chị."))
        return True
    record(ticket, int(given), channel=turn.channel, customer_id=turn.customer.id)
    turn.say(_("Cảm ơn anh/chị đã đánh giá %(score)s/10 cho yêu cầu %(code)s.",
               score=int(given), code=ticket.code))
    return True


def record(ticket: Ticket, value: int, *, channel: str, customer_id: int) -> CsatScore:
    """Store the score in the CSAT store (replacing an earlier one for the ticket). Flushes."""
    return scores.record(ticket, value, channel=channel, customer_id=customer_id)


register(Flow("rate", _l("Đánh giá dịch vụ"), start, steps={"score": score},
              choice_steps=frozenset({"score"}),
              phrases=("danh gia", "cham diem", "gop y")))
