"""Cấp điện mới (new connection): low or medium voltage, surveyed to energised."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflows.base import Field, Result, Workflow

SURVEY_RESULTS = (("feasible", _l("Đủ điều kiện cấp điện")),
                  ("needs_works", _l("Cần cải tạo, lắp đặt thêm lưới điện")),
                  ("not_feasible", _l("Không đủ điều kiện cấp điện")))


class NewConnection(Workflow):
    name = "new_connection"
    title = _l("Cấp điện mới")
    subtypes = {"low_voltage": _l("Hạ áp"), "medium_voltage": _l("Trung áp")}
    steps = {"received": _l("Tiếp nhận"), "surveyed": _l("Khảo sát"),
             "contract_signed": _l("Ký hợp đồng"), "meter_installed": _l("Lắp công tơ"),
             "energised": _l("Đóng điện")}
    step_fields = {
        "surveyed": (
            Field("survey_date", _l("Ngày khảo sát"), "date", when="past"),
            Field("survey_result", _l("Kết quả khảo sát"), "choice", choices=SURVEY_RESULTS),
            Field("transformer_kva", _l("Công suất trạm biến áp (kVA)"), "number", minimum=1,
                  only_for=("medium_voltage",)),
            Field("survey_notes", _l("Ghi chú khảo sát"), "textarea", required=False)),
        "contract_signed": (
            Field("contract_number", _l("Số hợp đồng mua bán điện")),
            Field("signed_date", _l("Ngày ký"), "date", when="past")),
        "meter_installed": (
            Field("meter_serial", _l("Số công tơ")),
            Field("install_date", _l("Ngày lắp đặt"), "date", when="past"),
            Field("initial_reading", _l("Chỉ số ban đầu (kWh)"), "number", minimum=0)),
        "energised": (
            Field("energised_at", _l("Thời điểm đóng điện"), "datetime", when="past"),),
    }
    result_choices = (
        Result("energised", _l("Đã đóng điện")),
        Result("refused", _l("Từ chối cấp điện"), note_required=True),
        Result("cancelled", _l("Khách hàng hủy yêu cầu")))
    notices = {
        "surveyed": _l("Phiếu {ma_phieu}: Điện lực đã khảo sát ngày {survey_date}. "
                       "Kết quả: {survey_result}."),
        "contract_signed": _l("Phiếu {ma_phieu}: hợp đồng mua bán điện số {contract_number} "
                              "đã được ký ngày {signed_date}."),
        "meter_installed": _l("Phiếu {ma_phieu}: Điện lực đã lắp công tơ số {meter_serial} "
                              "ngày {install_date}, chỉ số ban đầu {initial_reading} kWh."),
        "energised": _l("Phiếu {ma_phieu}: Điện lực đã đóng điện lúc {energised_at}. "
                        "Cảm ơn Quý khách đã sử dụng điện."),
    }
