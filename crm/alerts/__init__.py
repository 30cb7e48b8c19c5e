"""Staff alerts: the top-bar bell and the list of SLA warnings, breaches and escalations."""
