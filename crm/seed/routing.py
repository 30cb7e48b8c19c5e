"""The demo's routing, as the routing admin enters it before the first story: each pool's
assignment mode, everyone available, and the dated history of two wards' offices.
"""
from __future__ import annotations

from datetime import date, timedelta

from crm.extensions import db
from crm.models import District, Presence, Role, User, Ward
from crm.routing import services as routing
from crm.seed import data
from crm.tickets import assignment


def set_up_routing(users: dict[str, User], districts: dict[str, District],
                   wards: dict[str, Ward], today: date) -> None:
    """Ward history, assignment modes and presence, through the routing services; flushes."""
    admin = users["admin"]
    since = date(*data.WARD_HISTORY_SINCE)
    moved_on = date(today.year - 1, 7, 1)
    moving_on = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    for (code, before, after), on in ((data.WARD_MOVED, moved_on),
                                      (data.WARD_MOVING, moving_on)):
        routing.assign_ward(wards[code], districts[before], since, actor=admin)
        routing.assign_ward(wards[code], districts[after], on, actor=admin)
    for code, mode in data.ASSIGNMENT_MODES.items():
        routing.set_rule(districts[code] if code else None, mode, actor=admin)
    for user in users.values():
        if user.role in (Role.AGENT, Role.DISTRICT_STAFF):
            assignment.set_presence(user, Presence.AVAILABLE)
    db.session.flush()
