"""What the IVR, the SMS keywords and the chat bots tell a customer, computed once.

Each answer is plain data plus a Vietnamese sentence (in the current locale); callers that
need unaccented text (SMS) pass it through `crm.core.text.plain`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

import workflows
from crm.core.timefmt import fmt_date, fmt_datetime
from crm.extensions import db
from crm.incidents.info import IncidentInfo, known_incident_for
from crm.inbox.ingest import TICKET_CODE
from crm.labels import label
from crm.models import OPEN_STATUSES, Customer, Status, Ticket, Ward, utcnow
from crm.tickets import services as tickets

#: An open outage report this recent is the same report again (no second ticket).
REPORT_AGAIN_HOURS = 12


@dataclass(frozen=True)
class TicketStatus:
    """What anyone holding a ticket code may learn: no name, no address, no phone."""

    code: str
    type_title: str
    status: str
    status_label: str
    step_label: str | None
    district: str | None
    due_at: datetime | None
    closed_at: datetime | None

    def sentence(self) -> str:
        parts = [_("Yêu cầu %(code)s (%(kind)s): %(status)s.", code=self.code,
                   kind=self.type_title, status=self.status_label)]
        if self.step_label and self.status not in (Status.RESOLVED, Status.CLOSED):
            parts.append(_("Bước hiện tại: %(step)s.", step=self.step_label))
        if self.district:
            parts.append(_("Đơn vị xử lý: %(district)s.", district=self.district))
        if self.due_at is not None and self.status in OPEN_STATUSES:
            parts.append(_("Hạn giải quyết: %(due)s.", due=fmt_datetime(self.due_at)))
        if self.closed_at is not None and self.status in (Status.RESOLVED, Status.CLOSED):
            parts.append(_("Hoàn thành ngày %(date)s.", date=fmt_date(self.closed_at)))
        return " ".join(parts)


def find_code(text: str | None) -> str | None:
    """The ticket code in free text ("yc2611-000123", "YC2611-000123?"), upper-cased."""
    match = TICKET_CODE.search(text or "")
    return match.group(0).upper() if match else None


def ticket_status(code: str) -> TicketStatus | None:
    """The public status of a ticket by its code (a merged duplicate answers for its survivor)."""
    ticket = db.session.scalar(sa.select(Ticket).where(Ticket.code == code.strip().upper()))
    for _hop in range(5):
        if ticket is None or ticket.merged_into_id is None:
            break
        ticket = db.session.get(Ticket, ticket.merged_into_id)
    if ticket is None:
        return None
    workflow = workflows.WORKFLOWS.get(ticket.type)
    step = workflow.steps.get(ticket.step) if workflow and ticket.step else None
    return TicketStatus(
        code=ticket.code, type_title=str(workflow.title) if workflow else ticket.type,
        status=str(ticket.status), status_label=label("status", ticket.status),
        step_label=str(step) if step else None,
        district=ticket.district.name if ticket.district else None,
        due_at=ticket.sla.due_at if ticket.sla else None,
        closed_at=ticket.resolved_at or ticket.closed_at)


@dataclass(frozen=True)
class OutageReport:
    ticket: Ticket
    incident: IncidentInfo | None
    created: bool                       #: False: the customer's recent open report was reused

    def sentence(self) -> str:
        head = (_("Đã tiếp nhận phản ánh mất điện, mã yêu cầu %(code)s.", code=self.ticket.code)
                if self.created else
                _("Phản ánh mất điện của quý khách đã được ghi nhận trước đó (mã %(code)s).",
                  code=self.ticket.code))
        if self.incident is not None:
            return f"{head} {self.incident.summary()}"
        return f"{head} " + _("Nhân viên điện lực sẽ kiểm tra và xử lý sớm nhất.")


def report_outage(customer: Customer, *, channel: str, ward: Ward | None = None,
                  text: str = "") -> OutageReport:
    """Record an outage for `customer` (or reuse their open report from the last hours).

    The ticket joins the incident of its area (the outage workflow attaches it), so the
    customer is told when power is back. Flushes; the caller commits.
    """
    since = utcnow() - timedelta(hours=REPORT_AGAIN_HOURS)
    existing = db.session.scalar(
        sa.select(Ticket).where(Ticket.customer_id == customer.id, Ticket.type == "outage",
                                Ticket.status.in_(OPEN_STATUSES), Ticket.created_at >= since)
        .order_by(Ticket.id.desc()).limit(1))
    if existing is not None:
        if text.strip():
            existing.description = "\n".join(filter(None, (existing.description, text.strip())))
        return OutageReport(existing, known_incident_for(customer=customer), created=False)
    ward = ward or customer.ward
    subject = _("Mất điện") + (f" – {ward.name}" if ward is not None else "")
    ticket = tickets.create_ticket(customer=customer, type="outage", channel=channel,
                                   subject=subject, description=text.strip() or None,
                                   ward=ward, actor_label=channel)
    incident = known_incident_for(customer=customer, ward=ward)
    return OutageReport(ticket, incident, created=True)
