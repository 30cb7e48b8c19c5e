"""Vietnamese (translatable) labels of the stored enum values, for pages and exports."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

import workflows

LABELS = {
    "role": {"agent": _l("Giao dịch viên"), "district_staff": _l("Nhân viên Điện lực"),
             "supervisor": _l("Giám sát"), "admin": _l("Quản trị")},
    "status": {"new": _l("Mới"), "open": _l("Đang xử lý"),
               "pending_customer": _l("Chờ khách hàng"), "deferred": _l("Tạm hoãn"),
               "resolved": _l("Đã giải quyết"), "closed": _l("Đã đóng")},
    "priority": {"low": _l("Thấp"), "normal": _l("Bình thường"), "high": _l("Cao"),
                 "urgent": _l("Khẩn cấp")},
    "channel": {"hotline": _l("Tổng đài 1900"), "sms": _l("SMS"), "email": _l("Email"),
                "zalo": _l("Zalo"), "telegram": _l("Telegram"), "web": _l("Website"),
                "counter": _l("Tại quầy"), "system": _l("Hệ thống")},
    "direction": {"inbound": _l("Đến"), "outbound": _l("Đi")},
    "delivery": {"received": _l("Đã nhận"), "queued": _l("Đang chờ gửi"), "sent": _l("Đã gửi"),
                 "delivered": _l("Đã đến"), "failed": _l("Gửi lỗi")},
    "area_type": {"urban": _l("Thành thị"), "rural": _l("Nông thôn, miền núi")},
    "contact": {"phone": _l("Điện thoại"), "email": _l("Email"), "zalo": _l("Zalo"),
                "telegram": _l("Telegram")},
    "usage_purpose": {"residential": _l("Sinh hoạt"), "business": _l("Kinh doanh"),
                      "production": _l("Sản xuất"), "administrative": _l("Hành chính sự nghiệp")},
    "action": {"created": _l("Tạo phiếu"), "status_changed": _l("Đổi trạng thái"),
               "assigned": _l("Phân công"), "transferred": _l("Chuyển Điện lực"),
               "note_added": _l("Thêm ghi chú"), "replied": _l("Trả lời khách hàng"),
               "viewed": _l("Xem"), "step_changed": _l("Chuyển bước"),
               "step_reopened": _l("Quay lại bước trước"),
               "contact_logged": _l("Ghi nhật ký liên hệ"), "linked": _l("Liên kết phiếu"),
               "unlinked": _l("Bỏ liên kết phiếu"), "merged": _l("Gộp vào phiếu khác"),
               "merged_from": _l("Nhận phiếu gộp"),
               "notice_unreachable": _l("Không gửi được thông báo"),
               "incident_attached": _l("Gắn vào sự cố"),
               "household_proposed": _l("Đề xuất thêm hộ dùng chung"),
               "household_end_proposed": _l("Đề xuất kết thúc hộ dùng chung"),
               "household_withdrawn": _l("Bỏ đề xuất thêm hộ"),
               "household_end_withdrawn": _l("Bỏ đề xuất kết thúc hộ"),
               "household_added": _l("Thêm hộ dùng chung"),
               "household_ended": _l("Kết thúc hộ dùng chung"),
               "household_updated": _l("Sửa thông tin hộ"),
               "households_changed": _l("Cập nhật số hộ dùng chung"),
               "bot_handoff": _l("Trợ lý tự động chuyển cho nhân viên"),
               "bot_handback": _l("Trả lại cho trợ lý tự động"),
               "rated": _l("Khách hàng đánh giá"),
               "opted_out": _l("Từ chối nhận thông báo"),
               "opted_in": _l("Đồng ý nhận thông báo"),
               "notice_failed": _l("Gửi thông báo thất bại"),
               "notice_retried": _l("Gửi lại thông báo"),
               "notice_channel_changed": _l("Đổi kênh nhận thông báo ưu tiên")},
    "presence": {"available": _l("Sẵn sàng"), "away": _l("Vắng mặt"), "lunch": _l("Nghỉ trưa"),
                 "offline": _l("Ngoài ca")},
    "outcome": {"reached": _l("Đã liên hệ được"), "no_answer": _l("Không nghe máy"),
                "busy": _l("Máy bận"), "wrong_number": _l("Sai số"),
                "appointment": _l("Hẹn lịch")},
    "sla": {"none": _l("Không áp dụng"), "ok": _l("Trong hạn"), "warning": _l("Sắp đến hạn"),
            "breached": _l("Quá hạn"), "paused": _l("Tạm dừng"), "stopped": _l("Đã dừng")},
}


def label(kind: str, value) -> str:
    """The label of a stored value (`label("status", "new")` → "Mới"); the value if unknown."""
    if value is None:
        return ""
    value = getattr(value, "value", value)
    if kind == "type":
        wf = workflows.WORKFLOWS.get(value)
        return str(wf.title) if wf else value
    return str(LABELS.get(kind, {}).get(value, value))


def choices(kind: str) -> list[tuple[str, str]]:
    return [(key, str(text)) for key, text in LABELS[kind].items()]
