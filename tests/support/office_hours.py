"""A clock for the outbox and the dispatcher that starts at 10:00 Vietnam time (outside the
notices' quiet hours, whenever the suite runs) and runs on."""
from __future__ import annotations

from datetime import datetime, timezone

from crm.models import utcnow
from crm.notifications import dispatch, outbox

DAYTIME = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)        # 10:00 in Vietnam


def office_hours(monkeypatch):
    """Patch the outbox's and the dispatcher's clocks; returns the clock."""
    started = utcnow()

    def clock():
        return DAYTIME + (utcnow() - started)
    monkeypatch.setattr(outbox, "utcnow", clock)
    monkeypatch.setattr(dispatch, "utcnow", clock)
    return clock
