"""Run-time settings that admins edit, stored in `app_settings` with defaults in code."""
from __future__ import annotations

from typing import Any

from crm.extensions import db
from crm.models import AppSetting

#: Every setting, with its default: the one place to look for what can be tuned.
DEFAULTS: dict[str, Any] = {
    "consumption_change_percent": 30,       # a reading this far from the last one is flagged
    "office_hours": [["08:00", "12:00"], ["13:00", "17:00"]],
    "outage_window_minutes": 120,           # reports this close together join one incident
    "planned_outage_notice_days": 5,        # customers told this many days before the cut
    "sla_supervisor_after_percent": 50,     # breached and still open this much longer
    "household_paper_warning_days": 30,     # residence papers expiring this soon are listed
    "bot_idle_minutes": 30,                 # a chat idle this long starts again at the bot's menu
    "notification_channels": ["zalo", "sms", "email"],  # fallback order after the preferred one
    "notification_quiet_hours": ["21:00", "07:00"],      # non-urgent notices wait until the end
    "bill_notices_per_minute": 20000,       # bill notices made due per minute (provider rates)
    # sends per second per channel adapter, for every dispatcher together (0 or absent: none)
    "notification_rate_limits": {"sms_gateway": 300, "zalo_oa": 100, "twilio_sms": 30,
                                 "email": 20, "telegram": 30},
    "csat_survey_enabled": True,            # ask a 1–10 score when a ticket is resolved
    "csat_reply_hours": 72,                 # a survey unanswered this long expires
    "csat_target": 8.05,                    # the corporate target shown on the CSAT page
}


def get(key: str) -> Any:
    """The stored value, or the default (KeyError for an unknown setting)."""
    default = DEFAULTS[key]
    row = db.session.get(AppSetting, key)
    return row.value["v"] if row is not None else default


def put(key: str, value: Any, *, actor=None) -> None:
    """Store a value (flushes, does not commit)."""
    if key not in DEFAULTS:
        raise KeyError(key)
    row = db.session.get(AppSetting, key)
    if row is None:
        row = AppSetting(key=key, value={"v": value})
        db.session.add(row)
    else:
        row.value = {"v": value}
    row.updated_by_id = actor.id if actor else None
    db.session.flush()
