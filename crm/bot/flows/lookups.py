"""The back-office look-ups: planned outages in my area, my meter-reading date, my bill.

The answers are the shared ones of `crm.bot.answers` (the IVR and the SMS keywords say the
same). A known customer is answered at once; anyone else is asked for a customer code
first (the one printed on the bill), as the SMS keywords do.
"""
from __future__ import annotations

from typing import Callable

from flask_babel import gettext as _, lazy_gettext as _l

from crm.bot import answers, keywords, state
from crm.bot.flows import Flow, register
from crm.bot.turn import Turn
from crm.models import Customer

Answer = Callable[[Customer], str]


def by_customer(name: str, answer: Answer) -> tuple[Callable, dict]:
    """A flow's start and steps that answer `answer(customer)` for the sender or a code."""
    def start(turn: Turn) -> None:
        if not turn.customer.is_provisional:
            state.go(turn.conv, None)
            turn.say(answer(turn.customer))
            return
        state.begin(turn.conv, name, "code")
        turn.say(_("Vui lòng nhập mã khách hàng (in trên hóa đơn tiền điện), ví dụ: "
                   "PC05AA0000001."))

    def code(turn: Turn) -> bool:
        codes = [w for w in keywords.words_of(turn.text) if answers.CUSTOMER_CODE.fullmatch(w)]
        customer = answers.customer_by_code(codes)
        if customer is None:
            turn.say(_("Không tìm thấy khách hàng mã %(code)s. Vui lòng kiểm tra lại mã in trên "
                       "hóa đơn.", code=codes[0].upper()) if codes else
                     _("Mã khách hàng gồm mã điện lực và 7 chữ số, ví dụ: PC05AA0000001. "
                       "Vui lòng nhập lại."))
            return False
        state.go(turn.conv, None)
        turn.say(answer(customer))
        return True
    return start, {"code": code}


def planned(customer: Customer) -> str:
    return "\n".join(answers.planned_outages(customer))


def bill_start(turn: Turn) -> None:
    state.begin(turn.conv, "bill", "kwh")
    turn.say(_("Vui lòng nhập số kWh điện dùng trong tháng, và số hộ dùng chung công tơ nếu có "
               "(ví dụ: 350 hoặc 350 2)."))


def bill_kwh(turn: Turn) -> bool:
    asked = keywords.bill_request(turn.text)
    if asked is None:
        turn.say(_("Vui lòng nhập số kWh là số nguyên, và số hộ nếu dùng chung (ví dụ: 350 "
                   "hoặc 350 2)."))
        return False
    state.go(turn.conv, None)
    turn.say(answers.bill_estimate(*asked))
    return True


_start, _steps = by_customer("planned", planned)
register(Flow("planned", _l("Lịch cắt điện"), _start, steps=_steps, keyword="planned",
              phrases=("lich cat dien", "lich ngung cap dien", "cat dien theo ke hoach",
                       "lich mat dien")))
_start, _steps = by_customer("reading", answers.reading_date)
register(Flow("reading", _l("Ngày ghi chỉ số"), _start, steps=_steps, keyword="reading",
              phrases=("ghi chi so", "ngay ghi", "chot so")))
register(Flow("bill", _l("Tính tiền điện"), bill_start, steps={"kwh": bill_kwh},
              keyword="bill", phrases=("tien dien", "tinh tien", "hoa don")))
