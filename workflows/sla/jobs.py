"""Background jobs of the SLA clock."""
from __future__ import annotations

from workflows.sla import clock


def recompute_open() -> int:
    """Recompute every open ticket's due time (after a policy or calendar change)."""
    return clock.recompute_open()
