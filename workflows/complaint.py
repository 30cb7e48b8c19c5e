"""Khiếu nại (complaint): investigated, then answered with a conclusion."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflows.base import Field, Result, Workflow


class Complaint(Workflow):
    name = "complaint"
    title = _l("Khiếu nại")
    steps = {"received": _l("Tiếp nhận"), "investigating": _l("Xác minh"),
             "concluded": _l("Kết luận")}
    step_fields = {
        "investigating": (Field("investigation_note", _l("Nội dung xác minh"), "textarea",
                                required=False),),
        "concluded": (Field("conclusion", _l("Kết luận giải quyết khiếu nại"), "textarea"),),
    }
    result_choices = (
        Result("concluded", _l("Đã trả lời kết luận")),
        Result("withdrawn", _l("Khách hàng rút khiếu nại")))
    notices = {
        "investigating": _l("Phiếu {ma_phieu}: Điện lực đang xác minh khiếu nại của Quý khách."),
        "concluded": _l("Phiếu {ma_phieu}: kết luận giải quyết khiếu nại: {conclusion}"),
    }
