"""Kiểm tra / kiểm định hệ thống đo đếm (meter inspection): appointment, visit, conclusion."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflows.base import YES_NO, Field, Result, Workflow


class MeterInspection(Workflow):
    name = "meter_inspection"
    title = _l("Kiểm tra công tơ")
    subtypes = {"check": _l("Kiểm tra"), "calibration": _l("Kiểm định"),
                "abnormal_consumption": _l("Sản lượng bất thường")}
    steps = {"received": _l("Tiếp nhận"), "appointment": _l("Hẹn lịch"),
             "inspected": _l("Kiểm tra hiện trường"), "concluded": _l("Kết luận")}
    # The crew may inspect on the first visit, without an appointment.
    skippable = frozenset({"appointment"})
    step_fields = {
        "appointment": (
            Field("appointment_at", _l("Thời gian hẹn"), "datetime", when="future"),),
        "inspected": (
            Field("reading", _l("Chỉ số công tơ (kWh)"), "number", minimum=0),
            Field("findings", _l("Kết quả kiểm tra hiện trường"), "textarea")),
        "concluded": (
            Field("conclusion", _l("Kết luận"), "textarea"),
            Field("rebilling", _l("Cần tính lại hóa đơn?"), "choice", choices=YES_NO)),
    }
    result_choices = (
        Result("concluded", _l("Đã có kết luận kiểm tra")),
        Result("cancelled", _l("Khách hàng hủy yêu cầu")))
    notices = {
        "appointment": _l("Phiếu {ma_phieu}: Điện lực hẹn kiểm tra công tơ tại nhà Quý khách "
                          "lúc {appointment_at}."),
        "inspected": _l("Phiếu {ma_phieu}: Điện lực đã kiểm tra công tơ, chỉ số {reading} kWh."),
        "concluded": _l("Phiếu {ma_phieu}: kết luận kiểm tra công tơ: {conclusion}"),
    }
