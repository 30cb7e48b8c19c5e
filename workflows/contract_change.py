"""Thay đổi hợp đồng mua bán điện (contract changes): papers checked, approved, done."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflows.base import YES_NO, Field, Result, Workflow

PURPOSES = (("residential", _l("Sinh hoạt")), ("business", _l("Kinh doanh")),
            ("production", _l("Sản xuất")), ("administrative", _l("Hành chính sự nghiệp")))


class ContractChange(Workflow):
    """Contract changes; `change_households` also changes the sub-household register: the
    district proposes the households to add or end on the ticket page (never in the step
    values, which every agent sees), "approved" records the new number, and "done" applies
    both in the same transaction (`crm.households.ticket_changes`)."""

    name = "contract_change"
    title = _l("Thay đổi hợp đồng")
    subtypes = {"change_owner": _l("Thay đổi chủ thể"), "renew": _l("Gia hạn hợp đồng"),
                "terminate": _l("Chấm dứt hợp đồng"),
                "change_purpose": _l("Thay đổi mục đích sử dụng"),
                "change_households": _l("Thay đổi số hộ dùng chung")}
    steps = {"received": _l("Tiếp nhận"), "documents_checked": _l("Kiểm tra hồ sơ"),
             "approved": _l("Phê duyệt"), "done": _l("Hoàn tất")}
    step_fields = {
        "documents_checked": (
            Field("documents_complete", _l("Hồ sơ đầy đủ?"), "choice", choices=YES_NO),
            Field("documents_note", _l("Ghi chú hồ sơ"), "textarea", required=False)),
        "approved": (
            Field("decision_note", _l("Nội dung phê duyệt"), "textarea"),
            Field("effective_date", _l("Ngày hiệu lực"), "date"),
            Field("new_owner", _l("Tên chủ thể mới"), only_for=("change_owner",)),
            Field("new_purpose", _l("Mục đích sử dụng mới"), "choice", choices=PURPOSES,
                  only_for=("change_purpose",)),
            Field("households", _l("Số hộ dùng chung mới"), "number", minimum=1,
                  only_for=("change_households",))),
        "done": (
            Field("done_date", _l("Ngày hoàn tất"), "date", when="past"),
            Field("done_note", _l("Ghi chú"), "textarea", required=False)),
    }
    result_choices = (
        Result("done", _l("Đã thay đổi hợp đồng")),
        Result("rejected", _l("Không chấp thuận"), note_required=True),
        Result("cancelled", _l("Khách hàng hủy yêu cầu")))
    notices = {
        "documents_checked": _l("Phiếu {ma_phieu}: Điện lực đã kiểm tra hồ sơ của Quý khách "
                                "(hồ sơ đầy đủ: {documents_complete}). {documents_note}"),
        "approved": _l("Phiếu {ma_phieu}: yêu cầu thay đổi hợp đồng đã được chấp thuận, "
                       "hiệu lực từ ngày {effective_date}."),
        "done": _l("Phiếu {ma_phieu}: thay đổi hợp đồng đã hoàn tất ngày {done_date}. "
                   "Cảm ơn Quý khách."),
    }

    def on_status_changed(self, ticket, old_status) -> None:
        """change_households: apply the register change on "done", withdraw it otherwise;
        a StepError here refuses the step (the caller rolls the transaction back)."""
        if ticket.subtype == "change_households":
            # imported here: crm.households imports crm.tickets, which imports workflows
            from crm.households import ticket_changes
            ticket_changes.on_status_changed(ticket, old_status)
