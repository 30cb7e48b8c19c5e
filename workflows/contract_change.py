"""Thay đổi hợp đồng mua bán điện (contract changes)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflows.base import Workflow


class ContractChange(Workflow):
    name = "contract_change"
    title = _l("Thay đổi hợp đồng")
    subtypes = {"change_owner": _l("Thay đổi chủ thể"), "renew": _l("Gia hạn hợp đồng"),
                "terminate": _l("Chấm dứt hợp đồng"),
                "change_purpose": _l("Thay đổi mục đích sử dụng"),
                "change_households": _l("Thay đổi số hộ dùng chung")}
