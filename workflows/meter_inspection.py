"""Kiểm tra / kiểm định hệ thống đo đếm (meter inspection)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflows.base import Workflow


class MeterInspection(Workflow):
    name = "meter_inspection"
    title = _l("Kiểm tra công tơ")
    subtypes = {"check": _l("Kiểm tra"), "calibration": _l("Kiểm định"),
                "abnormal_consumption": _l("Sản lượng bất thường")}
