"""Cấp điện mới (new connection intake): name → phone → address → ward → voltage → ticket.

One question at a time, each answer checked before the next: the phone through
`crm.core.phones` (a shared contact counts), the ward tapped from the buttons of the
district concerned or typed and matched, the voltage tapped or typed. Then a
`new_connection` ticket opens on this channel and the customer learns its code and its
SLA due time (dd/mm/yyyy HH:MM, Vietnam time). A provisional contact takes the name,
address and ward given (and the phone, when nobody else has it).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _, lazy_gettext as _l

from crm.bot import answers, state
from crm.bot.flows import Flow, register
from crm.bot.turn import Turn, button, rows
from crm.core.phones import national, try_normalise_phone
from crm.core.text import fold
from crm.core.timefmt import fmt_datetime
from crm.customers import services as customers
from crm.extensions import db
from crm.models import ContactKind, Customer, Ward
from crm.tickets.services import TicketError, create_ticket

#: Ward buttons offered at once (the rest are typed).
WARDS_SHOWN = 6
VOLTAGES = {"low": "low_voltage", "medium": "medium_voltage"}


def start(turn: Turn) -> None:
    state.begin(turn.conv, "connection", "name")
    known = [[button(turn.customer.name, "conn:known")]] if not turn.customer.is_provisional \
        else []
    turn.say(_("Đăng ký cấp điện mới. Bước 1/5: vui lòng nhập họ tên người đứng tên yêu cầu."),
             known)


def name(turn: Turn) -> bool:
    given = turn.customer.name if turn.value("conn") == "known" else " ".join(turn.text.split())
    if not 2 <= len(given) <= 200 or not any(ch.isalpha() for ch in given):
        turn.say(_("Vui lòng nhập họ tên, ví dụ: Nguyễn Văn An."))
        return False
    state.go(turn.conv, "connection", "phone", name=given)
    ask_phone(turn)
    return True


def ask_phone(turn: Turn, text: str | None = None) -> None:
    turn.say(text or _("Bước 2/5: vui lòng nhập số điện thoại liên hệ, hoặc bấm nút để gửi số "
                       "điện thoại của anh/chị."),
             request_contact=_("Gửi số điện thoại của tôi"))


def phone(turn: Turn) -> bool:
    given = turn.meta.get("phone") if turn.kind == "contact" else turn.text
    number = try_normalise_phone(str(given or ""))
    if number is None:
        ask_phone(turn, _("Số điện thoại \"%(phone)s\" không hợp lệ. Vui lòng nhập lại, ví dụ: "
                          "0905 123 456.", phone=str(given or "")[:40]))
        return False
    state.go(turn.conv, "connection", "address", phone=number)
    known = turn.customer.address if not turn.customer.is_provisional else None
    turn.say(_("Bước 3/5: vui lòng nhập địa chỉ nơi cần cấp điện (số nhà, đường, thôn/tổ)."),
             [[button(known, "conn:known")]] if known else [])
    return True


def address(turn: Turn) -> bool:
    known = turn.value("conn") == "known" and not turn.customer.is_provisional
    given = turn.customer.address if known else " ".join(turn.text.split())
    if not given or not 5 <= len(given) <= 300:
        turn.say(_("Vui lòng nhập địa chỉ đầy đủ hơn, ví dụ: 12 Lê Lợi, tổ 5."))
        return False
    state.go(turn.conv, "connection", "ward", address=given)
    ask_ward(turn)
    return True


def ask_ward(turn: Turn, text: str | None = None) -> None:
    turn.say(text or _("Bước 4/5: chọn phường/xã nơi cần cấp điện, hoặc nhập tên phường/xã."),
             rows([button(w.name, f"ward:{w.id}") for w in district_wards(turn)[:WARDS_SHOWN]]))


def district_wards(turn: Turn) -> list[Ward]:
    """The wards of the district concerned: the customer's, else the one the address names."""
    named = answers.ward_named_in((turn.conv.data or {}).get("address") or "")
    home = named or turn.customer.ward
    if home is None or home.district_id is None:
        return [named] if named else []
    wards = db.session.scalars(sa.select(Ward).where(Ward.district_id == home.district_id)
                               .order_by(Ward.name)).all()
    return [home] + [w for w in wards if w.id != home.id]


def ward(turn: Turn) -> bool:
    chosen = turn.value("ward")
    found = db.session.get(Ward, int(chosen)) if chosen and chosen.isdigit() else \
        match_ward(turn.text, district_wards(turn))
    if found is None:
        ask_ward(turn, _("Không tìm thấy phường/xã \"%(text)s\". Vui lòng chọn trong danh sách "
                         "hoặc nhập đúng tên, ví dụ: Phường Hải Châu.",
                         text=(turn.text or "")[:60]))
        return False
    state.go(turn.conv, "connection", "voltage", ward_id=found.id)
    turn.say(_("Bước 5/5: chọn cấp điện áp."),
             [[button(_("Hạ áp (sinh hoạt, kinh doanh nhỏ)"), "volt:low")],
              [button(_("Trung áp (có trạm biến áp riêng)"), "volt:medium")]])
    return True


def match_ward(text: str, nearby: list[Ward]) -> Ward | None:
    """The ward typed: a name in the district concerned first ("Hải Châu", "phuong hai chau"),
    else any ward the text names unambiguously."""
    typed = " ".join(fold(text).split())
    if not typed:
        return None
    for candidate in nearby:
        name = " ".join(fold(candidate.name).split())
        bare = next((name.removeprefix(kind + " ") for kind in answers.WARD_KINDS
                     if name.startswith(kind + " ")), name)
        if typed in (name, bare):
            return candidate
    return answers.ward_named_in(text)


def voltage(turn: Turn) -> bool:
    picked = turn.value("volt") or _typed_voltage(turn.folded)
    if picked not in VOLTAGES:
        turn.say(_("Vui lòng chọn Hạ áp hoặc Trung áp."),
                 [[button(_("Hạ áp (sinh hoạt, kinh doanh nhỏ)"), "volt:low")],
                  [button(_("Trung áp (có trạm biến áp riêng)"), "volt:medium")]])
        return False
    data = dict(turn.conv.data or {})
    state.go(turn.conv, None)
    open_request(turn, data, VOLTAGES[picked])
    return True


def _typed_voltage(folded: str) -> str | None:
    if "trung" in folded.split():
        return "medium"
    return "low" if "ha" in folded.split() else None


def open_request(turn: Turn, data: dict, subtype: str) -> None:
    """The new_connection ticket, on this channel; the answer tells its code and due time."""
    where = db.session.get(Ward, data["ward_id"])
    customer = turn.customer
    if customer.is_provisional:
        _complete(customer, data, where)
    summary = "\n".join([_("Người yêu cầu: %(name)s", name=data["name"]),
                         _("Điện thoại: %(phone)s", phone=national(data["phone"])),
                         _("Địa chỉ: %(address)s, %(ward)s", address=data["address"],
                           ward=where.name)])
    try:
        ticket = create_ticket(
            customer=customer, type="new_connection", subtype=subtype, channel=turn.channel,
            subject=_("Cấp điện mới – %(name)s", name=data["name"]), description=summary,
            ward=where, details={"applicant_name": data["name"], "contact_phone": data["phone"],
                                 "address": data["address"]}, actor_label=turn.channel)
    except TicketError as exc:
        turn.say(str(exc))
        return
    turn.keep_on(ticket)
    due = ticket.sla.due_at if ticket.sla else None
    head = _("Đã tiếp nhận yêu cầu cấp điện mới, mã %(code)s.", code=ticket.code)
    tail = _("Hạn giải quyết: %(due)s.", due=fmt_datetime(due)) if due else \
        _("Điện lực sẽ thông báo thời hạn giải quyết.")
    turn.say(" ".join([head, tail, _("Điện lực sẽ liên hệ qua số %(phone)s để hẹn khảo sát.",
                                     phone=national(data["phone"]))]))


def _complete(customer: Customer, data: dict, where: Ward) -> None:
    """A provisional contact becomes who they said they are (still provisional: no code)."""
    customer.name, customer.address, customer.ward = data["name"], data["address"], where
    try:
        customers.add_contact(customer, ContactKind.PHONE, data["phone"])
    except ValueError:
        pass                              # another customer's number: kept on the ticket only


register(Flow("connection", _l("Cấp điện mới"), start,
              steps={"name": name, "phone": phone, "address": address, "ward": ward,
                     "voltage": voltage},
              choice_steps=frozenset({"ward", "voltage"}),
              phrases=("cap dien moi", "dang ky dien", "lap dat dien", "lap cong to",
                       "dau noi dien", "xin cap dien")))
