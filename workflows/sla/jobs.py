"""Background jobs of the SLA clock, and the sweeps' places in the schedule."""
from __future__ import annotations

from crm.core import schedule
from workflows.sla import clock, sweep

# Under the schedule's database lease (one run at a time across processes): warnings and
# breaches every minute, through the partial indexes; the supervisor level, which has to
# read every breached clock, every five minutes (it fires hours after a breach, so minutes
# of delay do not matter).
schedule.register("sla_sweep", "workflows.sla.jobs.sweep_sla", 60)
schedule.register("sla_supervisor", "workflows.sla.jobs.escalate_to_supervisors", 300)


def recompute_open() -> int:
    """Recompute every open ticket's due time (after a policy or calendar change)."""
    return clock.recompute_open()


def sweep_sla() -> dict[str, int]:
    """Warnings and breaches with their escalations and alerts; the job runner commits."""
    return sweep.sweep(supervisor=False).as_dict()


def escalate_to_supervisors() -> dict[str, int]:
    """The whole sweep including the supervisor level; the job runner commits."""
    return sweep.sweep().as_dict()
