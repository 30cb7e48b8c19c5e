"""`POST /channels/zalo/webhook`: events of the Zalo Official Account.

Verified by `X-ZEvent-Signature` (403, nothing stored), parsed (400 with the reason for a
signed but malformed event), then each customer message goes through `crm.inbox.ingest` in
this request's transaction: a redelivery is stored once, the Zalo user is matched to a
customer (and linked by phone when they share it: `crm.zalo.steps`). A delivery receipt
moves our outbound message to "delivered". Other events without a customer message (echoes
of our own messages, "seen", unknown kinds) get 200 and change nothing: Zalo retries
anything but a 2xx.
"""
from __future__ import annotations

from flask import jsonify

import crm.zalo  # noqa: F401  (the token store and the Zalo ingest steps)
from channels.zalo import ZaloOA
from crm.core import channel_state
from crm.extensions import db
from crm.inbox import delivery
from crm.inbox.ingest import ingest
from crm.webhooks import adapter, blueprint, in_vietnamese, verified

bp = blueprint("webhooks_zalo", __name__)


@bp.post("/zalo/webhook")
@in_vietnamese
def webhook():
    """One Zalo event; answered 200 with how many messages were stored. Commits."""
    zalo = adapter(ZaloOA)
    inbound, receipt = verified(zalo, lambda r: (zalo.parse(r), zalo.parse_receipt(r)))
    contexts = [ingest(message) for message in inbound]
    delivered = receipt is not None and _apply(receipt)
    channel_state.record_inbound(zalo.name)
    db.session.commit()
    stored = sum(1 for ctx in contexts if not ctx.duplicate)
    return jsonify(ok=True, stored=stored, duplicate=len(contexts) - stored,
                   delivered=delivered)


def _apply(receipt) -> bool:
    """Mark the outbound Zalo message (by our tracking id, else Zalo's id) delivered."""
    message = delivery.find_outbound("zalo", receipt)
    return message is not None and delivery.apply_receipt(message, receipt)
