"""The shape every ticket type shares."""
from __future__ import annotations

from typing import ClassVar

from flask_babel import lazy_gettext as _l


class Workflow:
    name: ClassVar[str]
    title: ClassVar[str]
    #: subtype key → label; empty when the type has none
    subtypes: ClassVar[dict[str, str]] = {}
    #: ordered step keys → labels; the first is where every ticket starts
    steps: ClassVar[dict[str, str]] = {"received": _l("Tiếp nhận")}
    #: outages and similar: handled first, shown first
    default_priority: ClassVar[str] = "normal"

    def first_step(self) -> str:
        return next(iter(self.steps))

    def step_title(self, key: str | None) -> str:
        return str(self.steps.get(key, key or ""))

    def subtype_title(self, key: str | None) -> str:
        return str(self.subtypes.get(key, key or ""))

    def on_created(self, ticket) -> None:
        """Called once the new ticket is flushed (its clock started): type-specific set-up."""

    def on_status_changed(self, ticket, old_status) -> None:
        """Called after every status change, in the same transaction."""

    def validate_subtype(self, subtype: str | None) -> str | None:
        """The subtype to store; ValueError when the type needs one and it is wrong."""
        if not self.subtypes:
            return None
        if subtype not in self.subtypes:
            raise ValueError(subtype)
        return subtype
