"""The survey sent when a ticket is resolved, on the channel the customer used.

One survey per ticket, ever: reopening and resolving again does not ask twice (the
`csat_scores` row is unique per ticket). Tickets that came by phone or walk-in are asked by
SMS (the customer's channel for notices); merged duplicates are not asked.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from crm.core import settings
from crm.extensions import db
from crm.inbox.services import channels_for
from crm.models import Channel, CsatScore, CsatStatus, Status, Ticket, utcnow
from crm.csat.scores import BUTTON_PREFIX, SCORES
from crm.notifications.outbox import BUTTONS
from crm.tickets import services as tickets
from crm.tickets.notify import notify_customer

EVENT = "csat_survey"
#: channels the answer can come back on (the reply parser listens there)
SURVEY_CHANNELS = (Channel.SMS, Channel.ZALO, Channel.TELEGRAM)


def on_status_changed(ticket: Ticket, old_status) -> None:
    """Status hook: ask once when the ticket becomes resolved."""
    if ticket.status == Status.RESOLVED and old_status != Status.RESOLVED:
        ask(ticket)


def ask(ticket: Ticket) -> CsatScore | None:
    """Send the survey and record that it waits for an answer. Flushes; None if not asked."""
    if ticket.merged_into_id or not settings.get("csat_survey_enabled"):
        return None
    exists = db.session.scalar(sa.select(CsatScore.id).where(CsatScore.ticket_id == ticket.id))
    if exists is not None:
        return None
    channel = _channel_for(ticket)
    if channel is None:
        return None
    now = utcnow()
    row = CsatScore(ticket_id=ticket.id, customer_id=ticket.customer_id,
                    district_id=ticket.district_id, channel=channel.value,
                    status=CsatStatus.ASKED, asked_at=now, created_at=now, updated_at=now,
                    expires_at=now + timedelta(hours=settings.get("csat_reply_hours")))
    db.session.add(row)
    db.session.flush()
    if not _send(ticket, channel):          # opted out everywhere: nothing was asked
        db.session.delete(row)
        db.session.flush()
        return None
    return row


def _channel_for(ticket: Ticket) -> Channel | None:
    """The ticket's own channel when a reply can come back on it, else the first that can."""
    reachable = [ch for ch in channels_for(ticket.customer, ticket.channel)
                 if ch in SURVEY_CHANNELS]
    return reachable[0] if reachable else None


def _send(ticket: Ticket, channel: Channel) -> bool:
    """Queue the survey through the notifications outbox, with the 1–10 buttons on the chat
    channels; False when the customer cannot be reached (opted out of every channel)."""
    buttons = [[{"text": str(n), "data": f"{BUTTON_PREFIX}{n}"} for n in SCORES[i:i + 5]]
               for i in (0, 5)]
    return notify_customer(ticket, EVENT, {"tieu_de": ticket.subject, BUTTONS: buttons},
                           key=f"csat:{ticket.id}", channel=channel.value) is not None


if on_status_changed not in tickets.STATUS_HOOKS:
    tickets.STATUS_HOOKS.append(on_status_changed)
