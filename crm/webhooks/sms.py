"""SMS webhooks: Twilio (inbound SMS, status callbacks) and the Vietnamese SMS gateway.

Each request is verified (403, nothing stored), parsed (400 with the reason), then every
message goes through `crm.inbox.ingest` in this request's transaction: a redelivery is
stored once, the sender is matched to a customer by phone, the text joins their open
conversation or opens one, and SMS keywords are answered (`crm.bot.keywords`). Delivery
receipts move outbound messages forward (sent → delivered | failed), never back.
"""
from __future__ import annotations

from flask import Response, jsonify
from twilio.twiml.messaging_response import MessagingResponse

import crm.bot.keywords  # noqa: F401  (plugs the keyword steps into ingest)
from channels.base import ChannelAdapter
from channels.sms_common import FAILED
from channels.sms_gateway import SmsGateway
from channels.twilio_sms import TwilioSms
from crm.core import channel_state
from crm.extensions import db
from crm.inbox import delivery
from crm.inbox.ingest import IngestContext, ingest
from crm.webhooks import adapter, blueprint, in_vietnamese, verified

bp = blueprint("webhooks_sms", __name__)


@bp.post("/twilio/sms")
@in_vietnamese
def twilio_inbound():
    """An SMS to our Twilio number; answered with empty TwiML (replies go out by job)."""
    _store(adapter(TwilioSms))
    return Response(str(MessagingResponse()), mimetype="text/xml")


@bp.post("/twilio/sms/status")
def twilio_status():
    """Twilio's StatusCallback for a message we sent."""
    _apply_receipt(adapter(TwilioSms))
    return "", 204


@bp.post("/sms-gateway/inbound")
@in_vietnamese
def gateway_inbound():
    """An MO message from the gateway (JSON or form, HMAC-signed)."""
    contexts = _store(adapter(SmsGateway))
    return jsonify(ok=True, duplicate=all(ctx.duplicate for ctx in contexts))


@bp.post("/sms-gateway/status")
def gateway_status():
    """A delivery receipt from the gateway (JSON or form, HMAC-signed)."""
    return jsonify(ok=True, updated=_apply_receipt(adapter(SmsGateway)))


def _store(sms: ChannelAdapter) -> list[IngestContext]:
    """Verify, parse and ingest every message of the request; commits."""
    contexts = [ingest(message) for message in verified(sms, sms.parse)]
    channel_state.record_inbound(sms.name)
    db.session.commit()
    return contexts


def _apply_receipt(sms: ChannelAdapter) -> bool:
    """Verify and parse a receipt, then move its message forward; True if it changed. Commits."""
    receipt = verified(sms, sms.parse_status)
    message = delivery.find_outbound("sms", receipt)
    changed = message is not None and delivery.apply_receipt(message, receipt)
    if changed and receipt.status == FAILED:
        channel_state.record_error(sms.name, f"message {message.id}: {message.error}")
    db.session.commit()
    return changed


