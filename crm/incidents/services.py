"""Outage incidents: many reports from one area become one incident, restored once."""
from __future__ import annotations

from crm.models import Incident, Ticket


def attach(ticket: Ticket) -> Incident | None:
    """Join a new outage report to the open incident of its area, or open one."""
    return None
