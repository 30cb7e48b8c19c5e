"""Báo mất điện (report an outage): where → a known incident or planned cut? → the report.

The customer gives a customer code, an address (a ward named in it places the report) or
a shared location, or taps "at my address" when we know them. When the area already has
a known incident or a planned cut, the bot says so (expected restore time) and offers to
record the report anyway, so the customer is told when power is back; otherwise the
outage ticket is opened at once and the customer's message lives on it.
"""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l

from crm.bot import answers, state
from crm.bot.flows import Flow, register
from crm.bot.keywords import words_of
from crm.bot.turn import Turn, button
from crm.extensions import db
from crm.incidents.info import known_incident_for
from crm.models import Customer, Ward


def start(turn: Turn) -> None:
    state.begin(turn.conv, "outage", "where")
    customer, buttons = turn.customer, []
    if not customer.is_provisional and customer.code:
        place = customer.address or customer.code
        buttons = [[button(_("Tại %(place)s", place=place), "outage:mine")]]
    turn.say(_("Vui lòng nhập mã khách hàng (in trên hóa đơn tiền điện) hoặc địa chỉ nơi mất "
               "điện (số nhà, đường, phường/xã), hoặc gửi vị trí."), buttons)


def where(turn: Turn) -> bool:
    """The place of the outage; False (asked again) for an unknown code or an empty answer."""
    ward, text = None, turn.text
    if turn.value("outage") == "mine" and not turn.customer.is_provisional:
        customer, text = turn.customer, ""
    elif turn.kind == "location":
        customer = turn.customer
        text = _("Vị trí: %(lat)s, %(lon)s", lat=turn.meta.get("latitude"),
                 lon=turn.meta.get("longitude"))
    elif codes := [w for w in words_of(text) if answers.CUSTOMER_CODE.fullmatch(w)]:
        customer = answers.customer_by_code(codes)
        if customer is None:
            turn.say(_("Không tìm thấy khách hàng mã %(code)s. Vui lòng kiểm tra lại mã in trên "
                       "hóa đơn, hoặc nhập địa chỉ nơi mất điện.", code=codes[0].upper()))
            return False
    elif len(text) >= 3:
        customer, ward = turn.customer, answers.ward_named_in(text)
    else:
        start(turn)
        return False
    known = _known(customer, ward)
    if known:
        state.go(turn.conv, "outage", "confirm", customer_id=customer.id,
                 ward_id=ward.id if ward else None, text=text)
        turn.say(known + " " + _("Anh/chị có muốn ghi nhận phản ánh để được báo khi có điện "
                                 "trở lại không?"),
                 [[button(_("Ghi nhận phản ánh"), "outage:report")]])
        return True
    report(turn, customer, ward, text)
    return True


def confirm(turn: Turn) -> bool:
    """After a known incident was told: record the report, or ask again."""
    if turn.value("outage") != "report":
        turn.say(_("Bấm \"Ghi nhận phản ánh\" để ghi nhận, hoặc chọn Menu chính."),
                 [[button(_("Ghi nhận phản ánh"), "outage:report")]])
        return False
    data = turn.conv.data or {}
    customer = db.session.get(Customer, data.get("customer_id")) or turn.customer
    ward = db.session.get(Ward, data["ward_id"]) if data.get("ward_id") else None
    report(turn, customer, ward, data.get("text") or "")
    return True


def report(turn: Turn, customer: Customer, ward: Ward | None, text: str) -> None:
    """Open (or reuse) the outage ticket; this message and the answer go on its thread."""
    found = answers.report_outage(customer, channel=turn.channel, ward=ward, text=text)
    turn.keep_on(found.ticket)
    state.go(turn.conv, None)
    turn.say(found.sentence())


def _known(customer: Customer, ward: Ward | None) -> str | None:
    """What we already know about power in the area: an incident, else a planned cut."""
    incident = known_incident_for(customer=customer, ward=ward or customer.ward)
    if incident is not None:
        return incident.summary()
    planned = answers.planned_outages_now(customer) if ward is None else []
    return " ".join(planned) or None


register(Flow("outage", _l("Báo mất điện"), start,
              steps={"where": where, "confirm": confirm},
              choice_steps=frozenset({"where", "confirm"}), keyword="outage", phrases=("mat dien", "cup dien", "cat dien dot xuat",
                                         "bao mat dien", "su co dien")))
