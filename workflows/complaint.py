"""Khiếu nại (complaint)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflows.base import Workflow


class Complaint(Workflow):
    name = "complaint"
    title = _l("Khiếu nại")
