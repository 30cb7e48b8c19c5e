"""The bot on the ticket page: who answers the chat now, and "hand back to the bot".

Importing this module (a registered blueprint) plugs the brain into ingest, so every web
worker and job worker that builds the app runs it.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from crm.bot import brain, handoff, state  # noqa: F401  (brain: plugs its ingest steps in)
from crm.core.permissions import ticket_or_404
from crm.extensions import db
from crm.models import BotOwner, Ticket
from crm.tickets import panels

bp = Blueprint("bot", __name__)



def _panel(ticket: Ticket, user) -> dict | None:
    """Shown on a ticket a chat was handed off on; the button while an agent owns it."""
    conv = state.for_ticket(ticket)
    if conv is None:
        return None
    with_agent = conv.owner == BotOwner.AGENT and ticket.is_open
    return {"conv": conv, "with_agent": with_agent}


panels.register("bot", "bot/_ticket_panel.html", _panel, column="side", order=8)


@bp.post("/tickets/<int:ticket_id>/bot/hand-back")
@login_required
def hand_back(ticket_id: int):
    """Give the chat back to the bot (anyone who may reply on the ticket); idempotent."""
    ticket = ticket_or_404(current_user, ticket_id, for_update=True)
    conv = state.for_ticket(ticket)
    if conv is None or conv.owner != BotOwner.AGENT:
        flash(_("Cuộc trò chuyện không do nhân viên phụ trách."), "info")
        return redirect(url_for("tickets.detail", ticket_id=ticket_id), 303)
    db.session.refresh(conv, with_for_update=True)
    handoff.give_back(conv, actor=current_user._get_current_object())
    db.session.commit()
    flash(_("Đã trả cuộc trò chuyện lại cho trợ lý tự động."), "success")
    return redirect(url_for("tickets.detail", ticket_id=ticket_id), 303)
