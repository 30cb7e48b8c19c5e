"""The Vietnamese voice menu of the 1900 hotline on Twilio.

    greeting, then: 1 báo mất điện (outage)   2 cấp điện mới, dịch vụ khác (services)
                    3 tra cứu yêu cầu (status) 4 lịch tạm ngừng cấp điện (planned outages)
                    0 gặp điện thoại viên (agent)

1: a planned outage cutting the caller's area right now is announced (time window and
   reason; no report is recorded, the menu follows); else a known incident in their area is
   announced and their report recorded (they get the restore notice); otherwise they
   describe the outage after a beep and the recording becomes an outage ticket's message.
2: new connections and other services need an agent's questions and papers, so the
   caller is put through like 0 (the agent opens the right ticket from the screen pop).
3: the caller keys the 10 digits of the code (YC2611-000123 → 2611000123) and hears its
   status, then the menu again.
4: the planned outages of the caller's area in the next 7 days, then the menu again; the
   caller must be a registered customer (their area is what is looked up).
0: HOTLINE_AGENT_DIAL is dialled (agents' screens pop); unset, busy or unanswered: voicemail.
No key or a wrong one: the menu is repeated at most twice, then the agent/voicemail path.

Each function takes the call and returns the TwiML to answer with; it flushes, the webhook
commits. Everything is said in Vietnamese (the webhooks force the locale).
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _

from channels.twilio_voice import Twiml
from crm.bot import answers
from crm.calls import recordings, services
from crm.extensions import db
from crm.incidents.info import known_incident_for
from crm.inbox.ingest import IngestContext
from crm.models import Call, CallOutcome, Ticket

#: The menu is said once and repeated at most this many times.
MAX_REPEATS = 2
CODE_DIGITS = 10
_CODE = re.compile(r"\bYC(\d{4})-(\d{6,})\b", re.IGNORECASE)
_TIME_RANGE = re.compile(r"\b(\d{2}:\d{2})–(\d{2}:\d{2})\b")
#: At most this many planned outages are read out (key 4); the rest are counted.
MAX_SPOKEN = 5


def webhook_url(endpoint: str, **args) -> str:
    """An absolute URL on PUBLIC_BASE_URL: Twilio calls it back and signs exactly it."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + url_for(f"voice.{endpoint}", **args)


def speakable(text: str) -> str:
    """Ticket codes read digit by digit: "YC2611-000123" → "Y C 2 6 1 1, 0 0 0 1 2 3"; a
    time window said in words: "08:00–16:00" → "từ 08:00 đến 16:00"."""
    text = _CODE.sub(lambda m: "Y C " + " ".join(m.group(1)) + ", " + " ".join(m.group(2)),
                     text)
    return _TIME_RANGE.sub(lambda m: _("từ %(start)s đến %(end)s", start=m.group(1),
                                       end=m.group(2)), text)


def welcome(call: Call) -> str:
    twiml = Twiml().say(_("Trung tâm Chăm sóc khách hàng ngành điện xin kính chào quý khách."))
    return str(_menu(twiml, attempt=0))


def _menu(twiml: Twiml, attempt: int) -> Twiml:
    return twiml.ask(
        _("Để báo mất điện, xin nhấn phím 1. Để yêu cầu cấp điện mới và các dịch vụ khác, "
          "nhấn phím 2. Để tra cứu tình trạng yêu cầu, nhấn phím 3. Để nghe lịch tạm ngừng "
          "cấp điện tại khu vực của quý khách trong %(days)d ngày tới, nhấn phím 4. Để gặp "
          "điện thoại viên, nhấn phím 0.", days=answers.PLANNED_DAYS),
        webhook_url("gather", menu="main", attempt=attempt))


def on_keys(call: Call, menu: str, attempt: int, digits: str | None) -> str:
    """The caller's keys (or none) in the main menu or in the code prompt."""
    if menu == "code":
        return _status(call, attempt, digits or "")
    choice = (digits or "")[:1]
    branches = {"1": outage, "2": services_request, "3": ask_code, "4": planned_outages,
                "0": agent}
    if choice in branches:
        services.choose(call, choice)
        return branches[choice](call)
    lead = _("Lựa chọn chưa đúng.") if digits else _("Quý khách chưa nhấn phím nào.")
    if attempt >= MAX_REPEATS:
        return agent(call, Twiml().say(lead))
    return str(_menu(Twiml().say(lead), attempt + 1))


def outage(call: Call) -> str:
    """A planned outage going on is announced (no report: the cut is known); else a known
    incident is announced (and the report recorded); else a voice report."""
    if call.customer is None:
        return agent(call, Twiml().say(_("Tổng đài chưa nhận diện được số máy của quý khách.")))
    planned = answers.planned_outages_now(call.customer)
    if planned:
        services.conclude(call, CallOutcome.INCIDENT_NOTICE)
        twiml = Twiml().say(speakable(" ".join(planned)))
        return str(_menu(twiml.say(_("Điện sẽ được cấp trở lại sau thời gian trên; quý khách "
                                     "không cần báo mất điện. Nếu cần hỗ trợ thêm, xin chọn "
                                     "một trong các phím sau.")), attempt=0))
    if known_incident_for(customer=call.customer) is not None:
        report = answers.report_outage(call.customer, channel="hotline",
                                       text=_("Báo mất điện qua tổng đài 1900."))
        services.conclude(call, CallOutcome.INCIDENT_NOTICE, ticket=report.ticket)
        return str(Twiml().say(speakable(report.sentence()))
                   .say(_("Quý khách sẽ nhận được tin nhắn khi có điện trở lại. "
                          "Xin cảm ơn quý khách.")).hangup())
    return str(Twiml()
               .say(_("Xin quý khách nói rõ địa chỉ và tình trạng mất điện sau tiếng bíp, "
                      "nói xong xin nhấn phím thăng."))
               .record(webhook_url("recording", purpose=recordings.OUTAGE))
               .say(_("Tổng đài chưa nhận được lời nhắn. Xin cảm ơn quý khách đã gọi."))
               .hangup())


def planned_outages(call: Call) -> str:
    """Key 4: the planned outages of the caller's area in the next days, then the menu."""
    customer = call.customer
    if customer is None or customer.is_provisional:
        said = _("Để nghe lịch tạm ngừng cấp điện, quý khách vui lòng gọi từ số điện thoại "
                 "đã đăng ký với điện lực.")
        return str(_menu(Twiml().say(said), attempt=0))
    sentences = answers.planned_outages(customer)
    twiml = Twiml()
    for sentence in sentences[:MAX_SPOKEN]:
        twiml.say(speakable(sentence))
    if len(sentences) > MAX_SPOKEN:
        twiml.say(_("Còn %(n)d lịch khác; xin nhấn phím 0 để gặp điện thoại viên.",
                    n=len(sentences) - MAX_SPOKEN))
    return str(_menu(twiml, attempt=0))


def services_request(call: Call) -> str:
    return agent(call, Twiml().say(_("Để được hướng dẫn cấp điện mới và các dịch vụ khác, "
                                     "cuộc gọi sẽ được chuyển tới điện thoại viên.")))


def ask_code(call: Call, attempt: int = 0, twiml: Twiml | None = None) -> str:
    return str((twiml or Twiml()).ask(
        _("Xin nhập 10 chữ số của mã yêu cầu rồi nhấn phím thăng. Ví dụ mã Y C 2 6 1 1, "
          "0 0 0 1 2 3 thì nhập 2 6 1 1 0 0 0 1 2 3."),
        webhook_url("gather", menu="code", attempt=attempt), digits=CODE_DIGITS, timeout=10))


def _status(call: Call, attempt: int, digits: str) -> str:
    digits = digits.rstrip("#")
    if len(digits) != CODE_DIGITS or not digits.isdigit():
        lead = Twiml().say(_("Mã yêu cầu gồm 10 chữ số."))
        if attempt >= MAX_REPEATS:
            return agent(call, lead)
        return ask_code(call, attempt + 1, lead)
    code = f"YC{digits[:4]}-{digits[4:]}"
    services.choose(call, f"3:{code}")
    found = answers.ticket_status(code)
    own = db.session.scalar(sa.select(Ticket).where(
        Ticket.code == code, Ticket.customer_id == call.customer_id)) if call.customer_id else None
    services.conclude(call, CallOutcome.STATUS_LOOKUP, ticket=own, detail=code)
    said = found.sentence() if found else _("Không tìm thấy yêu cầu có mã %(code)s.", code=code)
    return str(_menu(Twiml().say(speakable(said)), attempt=0))


def agent(call: Call, twiml: Twiml | None = None) -> str:
    """Put the caller through to HOTLINE_AGENT_DIAL (screens pop), or take a voicemail."""
    twiml = twiml or Twiml()
    target = (current_app.config["CHANNELS"].get("HOTLINE_AGENT_DIAL") or "").strip()
    if not target:
        return voicemail(call, twiml, _("Hiện chưa có điện thoại viên trực."))
    services.offer(call)
    return str(twiml.say(_("Xin quý khách vui lòng giữ máy, cuộc gọi đang được chuyển tới "
                           "điện thoại viên."))
               .dial(target, webhook_url("dial"), webhook_url("status")))


def voicemail(call: Call, twiml: Twiml, lead: str) -> str:
    if call.customer is None:        # a withheld number: no one to file the message under
        return str(twiml.say(lead + " " + _("Xin quý khách vui lòng gọi lại sau. Xin cảm ơn."))
                   .hangup())
    return str(twiml
               .say(lead + " " + _("Xin quý khách để lại lời nhắn sau tiếng bíp, nói xong "
                                   "nhấn phím thăng. Chúng tôi sẽ liên hệ lại sớm nhất."))
               .record(webhook_url("recording", purpose=recordings.VOICEMAIL))
               .say(_("Tổng đài chưa nhận được lời nhắn. Xin cảm ơn quý khách đã gọi."))
               .hangup())


def after_dial(call: Call, answered: bool) -> str:
    """The agent talked to the caller (hang up), or nobody answered (voicemail)."""
    if answered:
        return str(Twiml().hangup())
    return voicemail(call, Twiml(), _("Các điện thoại viên đều đang bận."))


def after_recording(ctx: IngestContext | None) -> str:
    """Thank the caller, with the code of the ticket their message joined."""
    twiml = Twiml()
    if ctx is not None and ctx.ticket is not None:
        twiml.say(speakable(_("Lời nhắn của quý khách đã được ghi nhận, mã yêu cầu %(code)s.",
                              code=ctx.ticket.code)))
    return str(twiml.say(_("Xin cảm ơn quý khách đã gọi.")).hangup())
