"""Automatic assignment of new work to available staff (round robin or by load)."""
from __future__ import annotations

from crm.models import Ticket


def auto_assign(ticket: Ticket) -> None:
    """Give a new, unassigned ticket to someone in its pool, if the pool assigns automatically."""


def on_status_changed(ticket: Ticket, old_status) -> None:
    """A ticket left someone's queue: their freed capacity goes to the oldest waiting item."""
