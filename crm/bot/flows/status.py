"""Tra cứu yêu cầu (follow a ticket by its code): the public status, as the SMS "TT" gives it.

The customer's own open tickets are offered as buttons; any code may be typed (a code
tells only what `answers.ticket_status` shows anyone holding it: no name, no address).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _, lazy_gettext as _l

from crm.bot import answers, state
from crm.bot.flows import Flow, register
from crm.bot.turn import Turn, button, rows
from crm.extensions import db
from crm.models import OPEN_STATUSES, Ticket

#: How many of the customer's open tickets are offered as buttons.
OFFERED = 3


def start(turn: Turn) -> None:
    state.begin(turn.conv, "status", "code")
    codes = db.session.scalars(
        sa.select(Ticket.code).where(Ticket.customer_id == turn.customer.id,
                                     Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.id.desc()).limit(OFFERED)).all()
    turn.say(_("Vui lòng nhập mã yêu cầu (ví dụ: YC2611-000123)."),
             rows([button(code, f"ticket:{code}") for code in codes], per_row=3))


def code(turn: Turn) -> bool:
    """The status of the code given; False (asked again) when there is no code or no ticket."""
    given = turn.value("ticket") or answers.find_code(turn.text)
    if given is None:
        turn.say(_("Mã yêu cầu có dạng YC2611-000123. Vui lòng nhập lại."))
        return False
    found = answers.ticket_status(given)
    if found is None:
        turn.say(_("Không tìm thấy yêu cầu %(code)s. Vui lòng kiểm tra lại mã.", code=given))
        return False
    state.go(turn.conv, None)
    turn.say(found.sentence())
    return True


register(Flow("status", _l("Tra cứu yêu cầu"), start, steps={"code": code},
              choice_steps=frozenset({"code"}), keyword="status",
              phrases=("tra cuu", "theo doi yeu cau", "tinh trang yeu cau", "ma yeu cau")))
