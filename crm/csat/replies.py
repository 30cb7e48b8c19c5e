"""Reading survey answers: an ingest step for SMS, Zalo and Telegram, before the bot brain.

A customer with a survey waiting who sends a bare score ("9", "9 điểm", "9/10") or taps a
survey button answers it: the score is stored, the message joins the resolved ticket's
thread, a thank-you goes back, and neither the SMS keywords nor the bot see the message.
Anything else passes through untouched (the survey keeps waiting until it expires).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale, gettext as _

from crm.core.text import plain
from crm.csat import scores
from crm.extensions import db
from crm.inbox import ingest
from crm.inbox.ingest import IngestContext
from crm.inbox.services import queue_outbound
from crm.models import Channel, CsatScore, CsatStatus, Ticket, utcnow

CHANNELS = {"sms", "zalo", "telegram"}
SKIPPED = "csat"            #: ctx.skipped for an answered survey (nothing else threads it)


def read_reply(ctx: IngestContext) -> None:
    """Ingest step before `open_ticket`: take the answer to a waiting survey."""
    inbound = ctx.inbound
    if inbound.channel not in CHANNELS or ctx.customer is None or ctx.skipped:
        return
    if inbound.kind == "postback":
        value = scores.parse_button(str(inbound.meta.get("payload") or ""))
    elif inbound.kind == "text":
        value = scores.parse(inbound.text)
    else:
        return
    if value is None:
        return
    waiting = db.session.scalar(
        sa.select(CsatScore).where(CsatScore.customer_id == ctx.customer.id,
                                   CsatScore.status == CsatStatus.ASKED,
                                   CsatScore.expires_at > utcnow())
        .order_by(CsatScore.asked_at.desc()).limit(1).with_for_update())
    if waiting is None:
        return
    ticket = db.session.get(Ticket, waiting.ticket_id)
    scores.record(ticket, value, channel=inbound.channel, customer_id=ctx.customer.id)
    ctx.ticket, ctx.skipped = ticket, SKIPPED


def send_thanks(ctx: IngestContext) -> None:
    """Ingest step after `store`: the thank-you, to the address the answer came from."""
    if ctx.skipped != SKIPPED or ctx.message is None or ctx.duplicate:
        return
    score = db.session.scalar(sa.select(CsatScore.score)
                              .where(CsatScore.ticket_id == ctx.ticket.id))
    with force_locale("vi"):
        thanks = _("Cảm ơn anh/chị đã đánh giá %(score)s/10 cho yêu cầu %(code)s.",
                   score=score, code=ctx.ticket.code)
    queue_outbound(ctx.customer, plain(thanks) if ctx.inbound.channel == "sms" else thanks,
                   channel=Channel(ctx.inbound.channel), ticket=ctx.ticket,
                   address=ctx.message.address, meta={"event": "csat_thanks"})


def _plug_in() -> None:
    """Right after `find_thread` (so before the keywords and the bot brain, which insert
    themselves at `open_ticket`), and the thank-you right after `store`."""
    steps = ingest.STEPS
    if read_reply not in steps:
        steps.insert(steps.index(ingest.find_thread) + 1, read_reply)
    if send_thanks not in steps:
        steps.insert(steps.index(ingest.store) + 1, send_thanks)


_plug_in()
