"""Hỏi đáp, tra cứu (information look-up), answered at first contact where possible."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflows.base import Workflow


class Inquiry(Workflow):
    name = "inquiry"
    title = _l("Hỏi đáp, tra cứu")
