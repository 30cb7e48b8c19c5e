"""Cấp điện mới (new connection): low or medium voltage."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflows.base import Workflow


class NewConnection(Workflow):
    name = "new_connection"
    title = _l("Cấp điện mới")
    subtypes = {"low_voltage": _l("Hạ áp"), "medium_voltage": _l("Trung áp")}
    steps = {"received": _l("Tiếp nhận"), "surveyed": _l("Khảo sát"),
             "contract_signed": _l("Ký hợp đồng"), "meter_installed": _l("Lắp công tơ"),
             "energised": _l("Đóng điện")}
