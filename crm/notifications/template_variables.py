"""What each notification event tells its template: variable names, meanings, samples.

`EVENTS` is the contract with whoever calls `notify(customer, event, context)`: the context
of an event carries these keys. Those in `OPTIONAL` may be missing or None (the templates
test them with `{% if %}`); `link_tra_cuu` is derived from `ma_phieu` when not given.
Times are aware datetimes or ISO 8601 strings; amounts in đồng and kWh are numbers.
Names are Vietnamese without diacritics, like the canned replies' placeholders
(`ten_khach_hang`, `ma_phieu`): the admins who edit the templates read them.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

_CUSTOMER = ["ten_khach_hang", "ma_khach_hang"]
_TICKET = ["ma_phieu", "loai_yeu_cau", "han_giai_quyet", "link_tra_cuu"]

EVENTS: dict[str, list[str]] = {
    "ticket_received": _CUSTOMER + _TICKET,
    "step_done": _CUSTOMER + _TICKET + ["buoc", "chi_tiet"],
    "appointment": _CUSTOMER + _TICKET + ["gio_hen", "ghi_chu"],
    "resolved": _CUSTOMER + _TICKET + ["ket_qua"],
    "deferred": _CUSTOMER + _TICKET + ["ly_do", "hoan_den"],
    "resumed": _CUSTOMER + _TICKET,
    "merged": _CUSTOMER + _TICKET + ["ma_phieu_cu"],
    "incident_known": _CUSTOMER + _TICKET + ["khu_vuc", "du_kien_co_dien"],
    "incident_restored": _CUSTOMER + _TICKET + ["khu_vuc", "co_dien_luc"],
    "planned_outage": _CUSTOMER + ["loai_thong_bao", "dien_luc", "khu_vuc", "bat_dau",
                                   "ket_thuc", "ly_do"],
    "abnormal_consumption": _CUSTOMER + ["ky", "kwh", "kwh_ky_truoc", "muc_thay_doi",
                                         "ma_phieu", "link_tra_cuu"],
    "bill": _CUSTOMER + ["ky", "kwh", "so_tien", "han_thanh_toan", "ky_truoc", "kwh_ky_truoc",
                         "so_tien_ky_truoc", "ky_nam_truoc", "kwh_ky_nam_truoc",
                         "so_tien_ky_nam_truoc"],
    "csat_survey": _CUSTOMER + ["ma_phieu", "tieu_de"],
}

OPTIONAL = frozenset({
    "ten_khach_hang", "ma_khach_hang", "han_giai_quyet", "link_tra_cuu", "ghi_chu", "ket_qua",
    "chi_tiet", "muc_thay_doi", "dien_luc", "ly_do", "hoan_den", "du_kien_co_dien",
    "co_dien_luc", "han_thanh_toan", "ky_truoc", "kwh_ky_truoc", "so_tien_ky_truoc",
    "ky_nam_truoc", "kwh_ky_nam_truoc", "so_tien_ky_nam_truoc", "tieu_de",
})

EVENT_LABELS = {
    "ticket_received": _l("Tiếp nhận yêu cầu"), "step_done": _l("Hoàn thành một bước"),
    "appointment": _l("Lịch hẹn"), "resolved": _l("Đã giải quyết"),
    "deferred": _l("Tạm hoãn"), "resumed": _l("Tiếp tục xử lý"),
    "merged": _l("Gộp yêu cầu"),
    "incident_known": _l("Sự cố mất điện đã ghi nhận"),
    "incident_restored": _l("Đã có điện trở lại"),
    "planned_outage": _l("Lịch ngừng cấp điện"),
    "abnormal_consumption": _l("Sản lượng bất thường"), "bill": _l("Thông báo tiền điện"),
    "csat_survey": _l("Khảo sát hài lòng"),
}

#: name → (meaning, typical value). The samples are the preview's context and the values
#: the SMS defaults are measured with (≤ 160 characters).
VARIABLES = {
    "ten_khach_hang": (_l("Tên khách hàng"), "Nguyễn Văn An"),
    "ma_khach_hang": (_l("Mã khách hàng"), "PC05AA0000001"),
    "ma_phieu": (_l("Mã yêu cầu"), "YC2611-000123"),
    "loai_yeu_cau": (_l("Loại yêu cầu"), "Cấp điện mới"),
    "han_giai_quyet": (_l("Hạn giải quyết (SLA)"), "2026-11-26T15:00:00+07:00"),
    "link_tra_cuu": (_l("Đường dẫn tra cứu tiến độ"), None),
    "buoc": (_l("Bước vừa hoàn thành"), "Khảo sát"),
    "chi_tiet": (_l("Nội dung của bước theo loại yêu cầu (ngày, kết quả, số hợp đồng…)"),
                 "Phiếu YC2611-000123: Điện lực đã khảo sát ngày 20/11/2026. Kết quả: Đủ "
                 "điều kiện cấp điện."),
    "ma_phieu_cu": (_l("Mã yêu cầu đã gộp"), "YC2611-000118"),
    "gio_hen": (_l("Thời gian hẹn"), "2026-11-25T09:00:00+07:00"),
    "ghi_chu": (_l("Ghi chú lịch hẹn"), "Nhân viên sẽ gọi trước 30 phút."),
    "ket_qua": (_l("Kết quả giải quyết"), "Đã lắp đặt công tơ và cấp điện."),
    "ly_do": (_l("Lý do"), "Tạm dừng dịch vụ hiện trường do bão."),
    "hoan_den": (_l("Tạm hoãn đến ngày"), "2026-11-30"),
    "khu_vuc": (_l("Khu vực"), "Phường Hải Châu"),
    "dien_luc": (_l("Điện lực (đơn vị) thông báo"), "Điện lực Hải Châu"),
    "du_kien_co_dien": (_l("Dự kiến có điện lại"), "2026-11-23T16:30:00+07:00"),
    "co_dien_luc": (_l("Thời điểm có điện lại"), "2026-11-23T16:10:00+07:00"),
    "loai_thong_bao": (_l("Loại thông báo: advance (báo trước), changed (đổi lịch) hoặc "
                          "cancelled (hủy lịch)"), "advance"),
    "bat_dau": (_l("Bắt đầu ngừng cấp điện"), "2026-12-05T07:30:00+07:00"),
    "ket_thuc": (_l("Kết thúc ngừng cấp điện"), "2026-12-05T17:00:00+07:00"),
    "ky": (_l("Kỳ (tháng/năm)"), "11/2026"),
    "kwh": (_l("Sản lượng (kWh)"), 1250),
    "muc_thay_doi": (_l("Mức thay đổi (%), âm khi giảm, trống khi kỳ trước 0 kWh"), 45.3),
    "so_tien": (_l("Số tiền (đồng)"), 3456789),
    "han_thanh_toan": (_l("Hạn thanh toán"), "2026-12-15"),
    "ky_truoc": (_l("Kỳ trước"), "10/2026"),
    "kwh_ky_truoc": (_l("Sản lượng kỳ trước (kWh)"), 860),
    "so_tien_ky_truoc": (_l("Số tiền kỳ trước (đồng)"), 2345678),
    "ky_nam_truoc": (_l("Cùng kỳ năm trước"), "11/2025"),
    "kwh_ky_nam_truoc": (_l("Sản lượng cùng kỳ năm trước (kWh)"), 1020),
    "so_tien_ky_nam_truoc": (_l("Số tiền cùng kỳ năm trước (đồng)"), 2789012),
    "tieu_de": (_l("Tiêu đề yêu cầu"), "Đề nghị cấp điện mới cho nhà ở"),
}


def sample_context(event: str, *, sparse: bool = False) -> dict:
    """Typical values for `event`'s variables; `sparse` leaves the optional ones out."""
    return {name: VARIABLES[name][1] for name in EVENTS[event]
            if VARIABLES[name][1] is not None and not (sparse and name in OPTIONAL)}
