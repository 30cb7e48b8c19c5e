"""SMS keyword commands (cú pháp tin nhắn): a small registry matched on the first word(s).

The text is folded (no diacritics, lower case) and cut into words; a command matches when
the message starts with one of its aliases ("matdien", "mat dien", "md"; the longest alias
wins), and a ticket code alone asks for that ticket's status. Anything else is no command:
the message joins the inbox like any other and nothing is answered, so two robots never
talk in a loop.

Commands run as an ingest step before `open_ticket` (a look-up opens no inquiry ticket,
though LICH, GCS and TIENDIEN only when the message is the bare command; an outage report
becomes the ticket its message is stored on); the answer goes out through the normal
outbound path once the message is stored. Only the channels in
KEYWORD_CHANNELS take commands this way; on Zalo and Telegram the bot brain
(`crm.bot.brain`) runs the same commands from its menu.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

import sqlalchemy as sa
from flask_babel import force_locale, gettext as _, lazy_gettext as _l

from crm.billing.estimate import MAX_HOUSEHOLDS, MAX_KWH
from crm.bot import answers
from crm.core.text import fold, plain
from crm.extensions import db
from crm.inbox import ingest
from crm.inbox.ingest import TICKET_CODE, IngestContext
from crm.inbox.services import queue_outbound
from crm.models import Channel, Customer, Direction, Message, utcnow

log = logging.getLogger(__name__)

KEYWORD_CHANNELS = {"sms"}
#: One GSM-7 segment: unaccented replies that fit are billed as one SMS.
SMS_LIMIT = 160
#: At most this many automatic answers per customer per window (a guard against loops).
ANSWER_BUDGET, ANSWER_WINDOW = 5, timedelta(minutes=15)
_WORDS = re.compile(r"[0-9a-z]+(?:-[0-9a-z]+)*|\?")
#: Words a bare look-up may carry besides a customer code or numbers ("TIENDIEN 350 kWh 2 ho").
ARGUMENT_WORDS = {"?", "ma", "kh", "khach", "hang", "kwh", "kw", "ho", "so"}
#: A number as customers write it: "350", "1.200" or "1,200" (thousands), "350,5" (not whole).
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Command:
    name: str
    aliases: tuple[tuple[str, ...], ...]  #: folded words, e.g. ("mat", "dien")
    usage: str                            #: one line of the help (lazy, Vietnamese)
    run: Callable[[IngestContext, list[str]], list[str]]  #: the answer's parts, first = vital
    listed: bool = True                   #: shown by HD (the help must fit one SMS)


COMMANDS: list[Command] = []


def command(name: str, *aliases: str, usage, listed: bool = True):
    """Register `fn(ctx, args) -> [answer parts]` under folded aliases ("mat dien")."""
    def decorator(fn):
        COMMANDS.append(Command(name, tuple(tuple(a.split()) for a in aliases), usage, fn,
                                listed))
        return fn
    return decorator


def words_of(text: str | None) -> list[str]:
    """Folded words and question marks: "Mất điện, P.12?" → ["mat", "dien", "p", "12", "?"]."""
    return _WORDS.findall(fold(text))


def match(text: str | None) -> tuple[Command, list[str]] | None:
    """The command the text starts with and the words after it; None when it is no command."""
    words = words_of(text)
    if len(words) == 1 and TICKET_CODE.fullmatch(words[0]):
        return by_name("status"), words
    found = [(len(alias), cmd) for cmd in COMMANDS for alias in cmd.aliases
             if tuple(words[:len(alias)]) == alias]
    if not found:
        return None
    length, cmd = max(found, key=lambda pair: pair[0])    # "lich ghi chi so" beats "lich"
    return cmd, words[length:]


def by_name(name: str) -> Command:
    return next(cmd for cmd in COMMANDS if cmd.name == name)


@command("status", "tt", "tracuu", "tra cuu",
         usage=_l("TT <mã YC>: tra cứu"))
def ticket_status(ctx: IngestContext, args: list[str]) -> list[str]:
    """The public status of a ticket (no name, address or phone); opens no ticket."""
    if ctx.ticket is None:
        ctx.skipped = "keyword:status"
    code = answers.find_code(" ".join(args))
    if code is None:
        return [_("Soạn TT <mã yêu cầu> để tra cứu, ví dụ: TT YC2611-000123.")]
    status = answers.ticket_status(code)
    if status is None:
        return [_("Không tìm thấy yêu cầu %(code)s. Vui lòng kiểm tra lại mã.", code=code)]
    return status.parts()


@command("outage", "matdien", "mat dien", "md", "baomatdien", "bao mat dien",
         usage=_l("MATDIEN <mã KH>: báo mất điện"))
def report_outage(ctx: IngestContext, args: list[str]) -> list[str]:
    """An outage ticket for the customer whose code is given, else for the sender.

    A ward named in the text places the report there; the whole text is the description.
    """
    customer = answers.customer_by_code(args) or ctx.customer
    report = answers.report_outage(customer, channel=ctx.inbound.channel,
                                   ward=answers.ward_named_in(" ".join(args)),
                                   text=ctx.inbound.text)
    ctx.ticket = report.ticket
    return report.short_parts()


@command("planned", "lich", "lichcatdien", "lich cat dien", "lcd",
         usage=_l("LICH: lịch cắt điện"))
def planned_outages(ctx: IngestContext, args: list[str]) -> list[str]:
    """Planned outages of the next 7 days in the area of the customer whose code is given,
    else of the sender; opens no ticket."""
    opens_no_ticket(ctx, "planned", args)
    customer, problem = customer_asked(ctx, args, "LICH")
    if customer is None:
        return problem
    return as_many_as_fit(ctx, answers.planned_outages(customer), lambda left: _(
        "Còn %(n)d lịch khác trong %(days)d ngày tới.", n=left, days=answers.PLANNED_DAYS))


@command("reading", "gcs", "ghichiso", "ghi chi so", "ngayghi", "lich ghi chi so",
         "ngay ghi chi so", usage=_l("GCS: ngày ghi chỉ số"))
def reading_date(ctx: IngestContext, args: list[str]) -> list[str]:
    """The next meter-reading date of the customer whose code is given, else of the sender;
    opens no ticket."""
    opens_no_ticket(ctx, "reading", args)
    customer, problem = customer_asked(ctx, args, "GCS")
    if customer is None:
        return problem
    return [answers.reading_date(customer)]


@command("bill", "tiendien", "tien dien", "td", usage=_l("TIENDIEN <kWh>: tính tiền"))
def bill_estimate(ctx: IngestContext, args: list[str]) -> list[str]:
    """A month's bill for `<kWh> [households]` at today's prices; opens no ticket."""
    opens_no_ticket(ctx, "bill", args)
    asked = bill_request(ctx.inbound.text)
    if asked is None:
        return [_("Soạn TIENDIEN <số kWh> <số hộ nếu dùng chung>, ví dụ: TIENDIEN 350 hoặc "
                  "TIENDIEN 350 2.")]
    kwh, households = asked
    parts = [answers.bill_estimate(kwh, households)]
    if households == 1:
        parts.append(_("Tính cho 1 hộ; nhiều hộ dùng chung công tơ thì soạn TIENDIEN "
                       "%(kwh)s <số hộ>.", kwh=kwh))
    return parts


@command("help", "hd", "huongdan", "huong dan", "help", "?",
         usage=_l("HD: hướng dẫn"))
def help_text(ctx: IngestContext, args: list[str]) -> list[str]:
    """The list of commands; opens no ticket."""
    if ctx.ticket is None:
        ctx.skipped = "keyword:help"
    listed = [cmd for cmd in COMMANDS if cmd.listed]
    return [_("CSKH Điện lực, soạn:")] + [f"{cmd.usage};" for cmd in listed[:-1]] \
        + [f"{listed[-1].usage}."]


@command("opt_out", "tuchoi", "tu choi", usage=_l("TUCHOI: ngừng nhận thông báo"),
         listed=False)
def opt_out(ctx: IngestContext, args: list[str]) -> list[str]:
    """TUCHOI alone: no more notices by SMS to this customer (replies to their own messages
    still go); opens no ticket. Said with more words, it is an ordinary message."""
    return _consent(ctx, args, opted_out=True)


@command("opt_in", "dongy", "dong y", usage=_l("DONGY: nhận lại thông báo"), listed=False)
def opt_in(ctx: IngestContext, args: list[str]) -> list[str]:
    """DONGY alone: SMS notices again after a TUCHOI; opens no ticket."""
    return _consent(ctx, args, opted_out=False)


def _consent(ctx: IngestContext, args: list[str], *, opted_out: bool) -> list[str]:
    from crm.notifications import consent      # the notifications package imports the inbox

    if args or ctx.customer is None:
        return []
    if ctx.ticket is None:
        ctx.skipped = "keyword:opt_out" if opted_out else "keyword:opt_in"
    consent.set_opt_out(ctx.customer.id, ctx.inbound.channel, opted_out, source="sms_keyword")
    if opted_out:
        return [_("Quý khách sẽ không nhận thông báo qua SMS nữa. Soạn DONGY để nhận lại.")]
    return [_("Quý khách sẽ nhận lại thông báo qua SMS. Soạn TUCHOI để ngừng nhận.")]


def opens_no_ticket(ctx: IngestContext, name: str, args: list[str]) -> None:
    """A bare look-up (the keyword, a customer code, numbers) opens no ticket. A message that
    says more ("Lich hen kiem tra cong to ...") is answered too, but it may be a question for
    the agents, so it joins the inbox like any other message."""
    bare = all(w in ARGUMENT_WORDS or w[:1].isdigit() or answers.CUSTOMER_CODE.fullmatch(w)
               for w in args)
    if ctx.ticket is None and bare:
        ctx.skipped = f"keyword:{name}"


def customer_asked(ctx: IngestContext, args: list[str],
                   keyword: str) -> tuple[Customer | None, list[str]]:
    """The customer whose code is in `args`, else the sender when known; else None and the
    answer saying why (an unknown code, or a number not registered with us)."""
    codes = [w for w in args if answers.CUSTOMER_CODE.fullmatch(w)]
    if codes:
        customer = answers.customer_by_code(codes)
        if customer is None:
            return None, [_("Không tìm thấy khách hàng mã %(code)s. Vui lòng kiểm tra lại mã "
                            "in trên hóa đơn tiền điện.", code=codes[0].upper())]
        return customer, []
    if ctx.customer is None or ctx.customer.is_provisional:
        return None, [_("Số điện thoại này chưa đăng ký với điện lực. Vui lòng soạn "
                        "%(keyword)s <mã khách hàng>, ví dụ: %(keyword)s PC05AA0000001 (mã in "
                        "trên hóa đơn).", keyword=keyword)]
    return ctx.customer, []


def bill_request(text: str | None) -> tuple[int, int] | None:
    """(kWh, households) from "350", "350 kWh 2 hộ" (households default 1); None when the
    numbers are missing, too many, not whole or out of range. The chat bot asks the same."""
    numbers = whole_numbers(fold(text)) or []
    kwh, households = (numbers + [1])[:2] if len(numbers) in (1, 2) else (None, None)
    if kwh is None or kwh > MAX_KWH or not 1 <= households <= MAX_HOUSEHOLDS:
        return None
    return kwh, households


def whole_numbers(text: str) -> list[int] | None:
    """The numbers in the text ("1.200" and "1,200" are 1200); None when one is not a whole
    number ("350,5") or is absurdly long."""
    numbers = []
    for written in _NUMBER.findall(text):
        head, *groups = re.split(r"[.,]", written)
        if any(len(g) != 3 for g in groups) or len(written) > 12:
            return None
        numbers.append(int(head + "".join(groups)))
    return numbers


def as_many_as_fit(ctx: IngestContext, parts: list[str], more) -> list[str]:
    """For SMS, the first parts that fit one segment whole, then `more(n)` for the n left out
    (the earliest come first, and the customer learns that there are others)."""
    if ctx.inbound.channel != "sms":
        return parts
    for shown in range(len(parts), 1, -1):
        kept = parts[:shown] + ([more(len(parts) - shown)] if shown < len(parts) else [])
        if len(" ".join(_gsm(p) for p in kept)) <= SMS_LIMIT:
            return kept
    return parts[:1] + ([more(len(parts) - 1)] if len(parts) > 1 else [])


def sms_text(parts: list[str], limit: int = SMS_LIMIT) -> str:
    """Unaccented GSM-7 text within `limit`: the first part always, then each that still fits."""
    text = _gsm(parts[0]) if parts else ""
    for part in parts[1:]:
        longer = f"{text} {_gsm(part)}"
        if len(longer) <= limit:
            text = longer
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


_TYPOGRAPHY = str.maketrans({"–": "-", "—": "-", "“": '"', "”": '"', "‘": "'", "’": "'",
                             "…": "...", "\u00a0": " "})
_NOT_GSM = re.compile(r"[^A-Za-z0-9 !\"#%&'()*+,\-./:;<=>?@_$]")


def _gsm(text: str) -> str:
    """Diacritics dropped, typography made plain, anything outside GSM-7's basic set removed."""
    return " ".join(_NOT_GSM.sub("", plain(str(text)).translate(_TYPOGRAPHY)).split())


def run_keywords(ctx: IngestContext) -> None:
    """Ingest step: run the command the message starts with; its answer waits on ctx.answer.

    A failing command is logged and undone; the message is then stored like any other.
    """
    if ctx.inbound.channel not in KEYWORD_CHANNELS or ctx.skipped or ctx.inbound.kind != "text":
        return
    found = match(ctx.inbound.text)
    if found is None:
        return
    cmd, args = found
    ticket_before = ctx.ticket
    try:
        with db.session.begin_nested(), force_locale("vi"):
            parts = cmd.run(ctx, args)
    except Exception:  # a bot answer is a bonus; the customer's message must not be lost
        log.exception("keyword command %s failed", cmd.name)
        ctx.ticket, ctx.skipped = ticket_before, None
        return
    if parts and not _answered_too_often(ctx):
        ctx.answer = sms_text(parts) if ctx.inbound.channel == "sms" else " ".join(parts)


def send_answer(ctx: IngestContext) -> None:
    """Ingest step after `store`: queue ctx.answer to the address the message came from."""
    if not ctx.answer or ctx.message is None or ctx.duplicate:
        return
    queue_outbound(ctx.customer, ctx.answer, channel=Channel(ctx.inbound.channel),
                   ticket=ctx.ticket, address=ctx.message.address,
                   meta={"event": "keyword_answer"})


def _answered_too_often(ctx: IngestContext) -> bool:
    """True after ANSWER_BUDGET answers to this customer within ANSWER_WINDOW."""
    recent = db.session.scalar(
        sa.select(sa.func.count()).select_from(Message)
        .where(Message.customer_id == ctx.customer.id, Message.direction == Direction.OUTBOUND,
               Message.created_at >= utcnow() - ANSWER_WINDOW,
               Message.meta["event"].as_string() == "keyword_answer"))
    return recent >= ANSWER_BUDGET


def _plug_in() -> None:
    """Commands run before `open_ticket`, answers after `store`, whatever else is in STEPS."""
    steps = ingest.STEPS
    if run_keywords not in steps:
        steps.insert(steps.index(ingest.open_ticket), run_keywords)
    if send_answer not in steps:
        steps.insert(steps.index(ingest.store) + 1, send_answer)


_plug_in()
