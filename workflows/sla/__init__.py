"""The SLA clock: working-time arithmetic (`calendar`), due-time writing and the sweep.

`workflows.sla.calendar` is pure (standard library and `holidays` only): it knows office
hours, Vietnamese public holidays, admin overrides and pauses, and nothing of the database.
"""
