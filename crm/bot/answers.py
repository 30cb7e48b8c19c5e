"""What the IVR, the SMS keywords and the chat bots tell a customer, computed once.

Each answer is plain data plus a Vietnamese sentence (in the current locale); callers that
need unaccented text (SMS) pass it through `crm.core.text.plain`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

import workflows
from crm.billing.answers import estimate_text
from crm.consumption import schedule
from crm.core.text import tokens
from crm.core.timefmt import fmt_date, fmt_datetime, fmt_time, local
from crm.extensions import db
from crm.incidents.info import IncidentInfo, known_incident_for
from crm.inbox.ingest import TICKET_CODE
from crm.labels import label
from crm.models import OPEN_STATUSES, Customer, Status, Ticket, Ward, utcnow
from crm.planned_outages.lookup import planned_at, planned_for
from crm.tickets import services as tickets

#: An open outage report this recent is the same report again (no second ticket).
REPORT_AGAIN_HOURS = 12
#: What a customer code looks like once folded (office code + 7 digits).
CUSTOMER_CODE = re.compile(r"[a-z0-9]{2,12}\d{7}")
#: How ward names start (phường, xã, thị trấn), folded.
WARD_KINDS = ("phuong", "xa", "thi tran")
#: How far ahead "planned outages in my area" looks (SMS LICH, IVR key 4).
PLANNED_DAYS = 7


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
        return " ".join(self.parts())

    def parts(self) -> list[str]:
        """The sentence's pieces, most important first (an SMS drops what does not fit)."""
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
        return parts


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

    def short_parts(self) -> list[str]:
        """A compact form for SMS: the ticket code, then the expected restore time if known."""
        parts = [_("Đã tiếp nhận báo mất điện, mã %(code)s.", code=self.ticket.code)
                 if self.created else
                 _("Báo mất điện đã được ghi nhận trước đó, mã %(code)s.", code=self.ticket.code)]
        expected = self.incident.expected_restore_at if self.incident else None
        if expected is not None:
            parts.append(_("Sự cố đã được ghi nhận, dự kiến có điện lại lúc %(time)s ngày "
                           "%(date)s.", time=fmt_time(expected), date=fmt_date(expected)))
        elif self.incident is not None:
            parts.append(_("Sự cố đã được ghi nhận, đang xác định thời gian có điện lại."))
        else:
            parts.append(_("Điện lực sẽ kiểm tra và xử lý sớm nhất."))
        return parts


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


def customer_by_code(words: list[str]) -> Customer | None:
    """The customer whose code (mã khách hàng, e.g. PC05AA0000001) is one of `words`."""
    codes = [w.upper() for w in words if CUSTOMER_CODE.fullmatch(w)]
    if not codes:
        return None
    return db.session.scalar(sa.select(Customer).where(Customer.code.in_(codes[:5])).limit(1))


def ward_named_in(text: str) -> Ward | None:
    """The ward whose name the text spells out ("... phuong Hoa Cuong Bac ..."), if exactly one.

    Folded words on both sides; the longest name that occurs as whole words wins, and a
    name shared by wards of several districts ("Phường 1") matches none. "Hòa Cường Bắc"
    alone finds "Phường Hòa Cường Bắc".
    """
    haystack = f" {' '.join(tokens(text, limit=60))} "
    found: dict[str, list[int]] = {}
    for ward_id, name in db.session.execute(sa.select(Ward.id, Ward.name)):
        for words in _ward_spellings(name):
            if f" {words} " in haystack:
                found.setdefault(words, []).append(ward_id)
    if not found:
        return None
    ids = found[max(found, key=len)]
    return db.session.get(Ward, ids[0]) if len(ids) == 1 else None


def _ward_spellings(name: str) -> set[str]:
    """A ward's folded name, and without "phuong"/"xa"/"thi tran" when two words remain."""
    words = " ".join(tokens(name, limit=20))
    spellings = {words} if words else set()
    for kind in WARD_KINDS:
        rest = words.removeprefix(kind + " ")
        if rest != words and len(rest.split()) >= 2:
            spellings.add(rest)
    return spellings


def today() -> date:
    """Today in Vietnam (Asia/Ho_Chi_Minh), whatever the server's time zone."""
    return local(utcnow()).date()


def planned_outages(customer: Customer, *, days: int = PLANNED_DAYS) -> list[str]:
    """The planned outages of the customer's area (ward, feeders, stations) not yet over in
    the `days` days from today, one sentence each, earliest first; or one sentence saying
    there is none."""
    now = utcnow()
    infos = [info for info in planned_for(customer=customer, start=today(), days=days)
             if info.ends_at > now]
    if infos:
        return [_full_stop(info.sentence()) for info in infos]
    if customer.ward is not None:
        return [_("Không có lịch tạm ngừng cấp điện tại %(area)s trong %(days)d ngày tới.",
                  area=customer.ward.name, days=days)]
    return [_("Không có lịch tạm ngừng cấp điện tại khu vực của quý khách trong %(days)d "
              "ngày tới.", days=days)]


def planned_outages_now(customer: Customer) -> list[str]:
    """The planned outages cutting the customer's area at this moment, one sentence each
    (time window and reason); empty when none, and a loss of supply is then a fault."""
    return [_("Khu vực của quý khách đang tạm ngừng cấp điện theo kế hoạch: %(when)s, "
              "lý do: %(reason)s.", when=info.when(), reason=info.reason.rstrip(". "))
            for info in planned_at(at=utcnow(), customer=customer)]


def reading_date(customer: Customer) -> str:
    """"Ngày ghi chỉ số công tơ kỳ tới: 30/11/2026." (today counts when it is the day)."""
    return _full_stop(schedule.answer(customer, today()))


def bill_estimate(kwh: int, households: int = 1) -> str:
    """The bill for `kwh` in one month at today's prices and VAT, or why it cannot be told."""
    return estimate_text(kwh, households=households)


def _full_stop(sentence: str) -> str:
    """The sentence ending with a full stop (pieces are joined into one SMS or one <Say>)."""
    sentence = sentence.strip()
    return sentence if sentence.endswith((".", "!", "?")) else sentence + "."
