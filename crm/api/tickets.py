"""`GET /api/v1/tickets/<code>`: a ticket's public status, within the token's district."""
from __future__ import annotations

import sqlalchemy as sa
from flask import g
from flask_babel import gettext as _

from crm.api.errors import ApiError, json_response
from crm.api.registry import Param, endpoint
from crm.bot.answers import ticket_status
from crm.core.permissions import ticket_visible_to_token
from crm.core.timefmt import iso
from crm.extensions import db
from crm.inbox.ingest import TICKET_CODE
from crm.models import Ticket

_TIME = {"type": "string", "format": "date-time", "nullable": True}
_TEXT = {"type": "string", "nullable": True}
RESPONSE = {"type": "object", "required": ["code", "status"], "properties": {
    "code": {"type": "string"}, "type": {"type": "string"}, "status": {"type": "string"},
    "status_label": {"type": "string"}, "step": _TEXT, "district": _TEXT,
    "due_at": _TIME, "closed_at": _TIME, "sentence": {"type": "string"}}}


@endpoint("/tickets/<code>", params=(Param("code", {"type": "string"}, "Mã phiếu, ví dụ "
                                           "YC2611-000123", required=True, where="path"),),
          response=RESPONSE, errors=(400, 404),
          summary="Trạng thái công khai của một phiếu yêu cầu")
def ticket(code: str):
    """What the customer may learn from the code: no name, no address, no phone."""
    code = code.strip().upper()
    if not TICKET_CODE.fullmatch(code):
        raise ApiError(400, _("Mã phiếu không hợp lệ."),
                       {"code": [_("Mã phiếu có dạng YC2611-000123.")]})
    status = ticket_status(code) if _visible(code) else None
    if status is None or not _visible(status.code):     # merged into another district's
        raise ApiError(404, _("Không tìm thấy phiếu %(code)s.", code=code))
    return json_response({
        "code": status.code, "type": status.type_title, "status": status.status,
        "status_label": status.status_label, "step": status.step_label,
        "district": status.district, "due_at": iso(status.due_at),
        "closed_at": iso(status.closed_at), "sentence": status.sentence()})


def _visible(code: str) -> bool:
    return db.session.scalar(sa.select(Ticket.id).where(
        Ticket.code == code, ticket_visible_to_token(g.api_token))) is not None
