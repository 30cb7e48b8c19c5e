"""`GET|POST /api/v1/bill-estimate`: the residential bill for kWh, households and a period."""
from __future__ import annotations

from crm.api.errors import ApiError, json_response
from crm.api.params import Reader
from crm.api.registry import Param, endpoint
from crm.billing import queries
from crm.billing.estimate import MAX_HOUSEHOLDS, MAX_KWH, EstimateError

PARAMS = (
    Param("kwh", {"type": "integer", "minimum": 0, "maximum": MAX_KWH},
          "Sản lượng điện trong kỳ (kWh)", required=True),
    Param("households", {"type": "integer", "minimum": 1, "maximum": MAX_HOUSEHOLDS,
                         "default": 1}, "Số hộ dùng chung công tơ"),
    Param("from", {"type": "string", "format": "date"},
          "Ngày đầu kỳ (ngày sau lần ghi chỉ số trước); cùng với `to`"),
    Param("to", {"type": "string", "format": "date"},
          "Ngày cuối kỳ (ngày ghi chỉ số); không có kỳ: một tháng theo giá hôm nay"),
)

_LINE = {"type": "object", "properties": {
    "tier": {"type": "integer"}, "kwh": {"type": "integer"}, "price": {"type": "integer"},
    "amount": {"type": "integer"}}, "required": ["tier", "kwh", "price", "amount"]}
_DAY = {"type": "string", "format": "date", "nullable": True}
RESPONSE = {"type": "object", "required": ["kwh", "tiers", "subtotal", "vat_rate", "vat", "total"],
            "properties": {
    "kwh": {"type": "integer"}, "tiers": {"type": "array", "items": _LINE},
    "subtotal": {"type": "integer", "description": "đồng, trước thuế"},
    "vat_rate": {"type": "integer", "description": "phần trăm (8 nghĩa là 8 %)"},
    "vat": {"type": "integer"}, "total": {"type": "integer"},
    "households": {"type": "integer"}, "from": _DAY, "to": _DAY,
    "days": {"type": "integer", "nullable": True},
    "parts": {"type": "array", "description": "một phần cho mỗi biểu giá trong kỳ",
              "items": {"type": "object", "properties": {
                  "from": _DAY, "to": _DAY, "days": {"type": "integer", "nullable": True},
                  "tariff_from": {"type": "string", "format": "date"},
                  "kwh": {"type": "integer"},
                  "quotas": {"type": "array", "items": {"type": "integer", "nullable": True}},
                  "tiers": {"type": "array", "items": _LINE},
                  "subtotal": {"type": "integer"}}}}}}


@endpoint("/bill-estimate", methods=("GET", "POST"), params=PARAMS, response=RESPONSE,
          summary="Ước tính tiền điện sinh hoạt theo biểu giá bậc thang")
def bill_estimate():
    """The estimate as `flask bill estimate` prints it; every bad field is listed in one 400."""
    reader = Reader()
    kwh = reader.integer("kwh", required=True)
    households = reader.integer("households", default=1)
    period_from, period_to = reader.day("from"), reader.day("to")
    reader.done()
    try:
        result = queries.estimate_bill(kwh, households=households, period_from=period_from,
                                       period_to=period_to)
    except EstimateError as exc:
        raise ApiError(400, str(exc), {exc.field: [str(exc)]}) from exc
    return json_response(result)
