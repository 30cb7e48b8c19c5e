"""Background jobs of routing."""
from __future__ import annotations

from workflows import routing


def sync_current_owners() -> int:
    """Periodic (hourly): each ward's cached office follows today's schedule; idempotent."""
    return routing.sync_current_owners()
