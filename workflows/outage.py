"""Báo sự cố mất điện (outage report): urgent; a crew goes out, power comes back."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflows.base import Field, Result, Workflow

CAUSES = (("grid_fault", _l("Sự cố lưới điện")), ("planned", _l("Cắt điện theo kế hoạch")),
          ("weather", _l("Thời tiết (mưa bão, cây đổ)")), ("overload", _l("Quá tải")),
          ("customer_side", _l("Hư hỏng phía sau công tơ")), ("other", _l("Nguyên nhân khác")))


class Outage(Workflow):
    name = "outage"
    title = _l("Báo mất điện")
    default_priority = "urgent"
    steps = {"received": _l("Tiếp nhận"), "crew_dispatched": _l("Cử tổ xử lý"),
             "restored": _l("Đã có điện")}
    # Power may come back (remote switching, the incident) before any crew is sent.
    skippable = frozenset({"crew_dispatched"})
    step_fields = {
        "crew_dispatched": (
            Field("crew", _l("Tổ/đội xử lý")),
            Field("crew_phone", _l("Số điện thoại tổ xử lý"), "phone")),
        "restored": (
            Field("restored_at", _l("Thời điểm có điện lại"), "datetime", when="past"),
            Field("cause", _l("Nguyên nhân"), "choice", choices=CAUSES),
            Field("restore_note", _l("Ghi chú"), "textarea", required=False)),
    }
    result_choices = (
        Result("restored", _l("Đã cấp điện trở lại")),
        Result("customer_side", _l("Hư hỏng phía khách hàng"), note_required=True),
        Result("cancelled", _l("Khách hàng hủy báo")))
    notices = {
        "crew_dispatched": _l("Phiếu {ma_phieu}: Điện lực đã cử {crew} đến xử lý, điện thoại "
                              "{crew_phone}."),
        "restored": _l("Phiếu {ma_phieu}: điện đã được cấp trở lại lúc {restored_at}. "
                       "Xin lỗi Quý khách vì sự bất tiện."),
    }

    def on_created(self, ticket) -> None:
        from crm.incidents import services as incidents   # crm imports workflows, not back

        incidents.attach(ticket)
