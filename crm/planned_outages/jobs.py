"""Background jobs of planned outages: the hourly notices pass and the change notices."""
from __future__ import annotations

from crm.core import schedule
from crm.extensions import db
from crm.models import PlannedOutage
from crm.planned_outages import notices

schedule.register("planned-outage-notices", "crm.planned_outages.jobs.send_notices",
                  every=3600)


def send_notices() -> dict:
    """Advance notices `planned_outage_notice_days` ahead, change notices owed, done marks.

    Idempotent: every notice is claimed by a unique row before it is queued.
    """
    return notices.send_due()


def announce_changes(outage_id: int) -> int:
    """Tell the customers already told that this outage moved or is cancelled; idempotent."""
    outage = db.session.get(PlannedOutage, outage_id)
    return notices.announce(outage) if outage is not None else 0
