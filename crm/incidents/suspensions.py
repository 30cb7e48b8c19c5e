"""Service suspension mode: some ticket types are not served for a period (seed 004)."""
from __future__ import annotations

from datetime import datetime

from crm.models import Suspension


def active_for(ticket_type: str, at: datetime) -> Suspension | None:
    """The suspension covering `ticket_type` at `at`, if any."""
    return None
