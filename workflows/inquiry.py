"""Hỏi đáp, tra cứu (information look-up), answered at first contact where possible."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflows.base import Field, Result, Workflow


class Inquiry(Workflow):
    name = "inquiry"
    title = _l("Hỏi đáp, tra cứu")
    steps = {"received": _l("Tiếp nhận"), "answered": _l("Đã trả lời")}
    step_fields = {"answered": (Field("answer", _l("Nội dung trả lời"), "textarea"),)}
    result_choices = (
        Result("answered", _l("Đã trả lời khách hàng")),
        Result("cancelled", _l("Khách hàng không cần hỗ trợ nữa")))
    notices = {"answered": _l("Phiếu {ma_phieu}: {answer}")}
