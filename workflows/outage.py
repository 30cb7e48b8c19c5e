"""Báo sự cố mất điện (outage report): urgent."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflows.base import Workflow


class Outage(Workflow):
    name = "outage"
    title = _l("Báo mất điện")
    default_priority = "urgent"

    def on_created(self, ticket) -> None:
        from crm.incidents import services as incidents   # crm imports workflows, not back

        incidents.attach(ticket)
