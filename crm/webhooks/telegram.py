"""`POST /channels/telegram/webhook`: the updates of our Telegram bot.

Telegram proves itself with the secret we gave setWebhook (`X-Telegram-Bot-Api-Secret-Token`,
TELEGRAM_WEBHOOK_SECRET): a wrong or missing one gets 403 and nothing is stored. A verified
update is parsed and ingested in this request (a redelivered update_id is stored once), and
anything else, a malformed body or an update we do not take, still gets 200: Telegram retries
a non-2xx answer for about a day and holds the bot's later updates back meanwhile. Replies go
out by job (`crm.inbox.jobs.send_message` → `channels.telegram`), never from this view.

A tapped inline button is acknowledged in the answer itself (Telegram lets a webhook reply
with one method call), so the button's spinner stops without a second request.
"""
from __future__ import annotations

import logging

from flask import jsonify

from channels.base import BadPayload, header
from channels.telegram import SECRET_HEADER, TelegramBot
from crm.core import channel_state
from crm.extensions import db
from crm.inbox import ingest
from crm.inbox.ingest import IngestContext
from crm.webhooks import (adapter, blueprint, fail, in_vietnamese, secret_matches, settings,
                          webhook_request)

log = logging.getLogger(__name__)
bp = blueprint("webhooks_telegram", __name__)


@bp.post("/telegram/webhook")
@in_vietnamese
def webhook():
    """Verify, parse and ingest one update; commits. 404 while the bot is not configured."""
    bot = adapter(TelegramBot)
    request_ = webhook_request()
    if not secret_matches(header(request_.headers, SECRET_HEADER),
                          settings().get("TELEGRAM_WEBHOOK_SECRET")):
        log.warning("telegram: rejected an update without the right secret token")
        fail(403)
    try:
        messages = bot.parse(request_)
    except BadPayload as exc:
        log.warning("telegram: ignored a bad update: %s", exc)
        channel_state.record_error(bot.name, f"bad update: {exc}")
        db.session.commit()
        return "", 200
    for message in messages:
        ingest.ingest(message)
    channel_state.record_inbound(bot.name)
    db.session.commit()
    postbacks = [m for m in messages if m.meta.get("callback_query_id")]
    if postbacks:
        return jsonify(method="answerCallbackQuery",
                       callback_query_id=postbacks[0].meta["callback_query_id"])
    return "", 200


def events_open_no_ticket(ctx: IngestContext) -> None:
    """A blocked/unblocked bot is no request: it joins an open thread, never opens one."""
    if ctx.inbound.channel == "telegram" and ctx.inbound.kind == "event":
        ctx.skipped = ctx.skipped or "event"


if events_open_no_ticket not in ingest.STEPS:
    ingest.STEPS.insert(ingest.STEPS.index(ingest.open_ticket), events_open_no_ticket)
