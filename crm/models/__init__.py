"""Every table of the application; one module per aggregate."""
from crm.models.alerts import EscalationLevel, SlaEscalation, StaffAlert
from crm.models.audit import AuditEvent
from crm.models.base import utcnow
from crm.models.customers import (Contract, ContactKind, ContactPoint, Customer, Meter, Reading,
                                  UsagePurpose)
from crm.models.incidents import Incident, IncidentStatus, Suspension
from crm.models.org import AreaType, Company, District, Ward
from crm.models.routing import AssignmentMode, AssignmentRule, WardAssignment
from crm.models.settings import AppSetting
from crm.models.sla import CalendarDayKind, CalendarOverride, CalendarYear, SlaPolicy
from crm.models.system import PeriodicLease
from crm.models.tickets import (OPEN_STATUSES, Attachment, CannedReply, Channel, ContactAttempt,
                                ContactOutcome, DeliveryStatus, Direction, LinkKind, Message,
                                Note, Priority, SlaClock, Status, Ticket, TicketCounter,
                                TicketLink, TicketParty, TicketSla, TicketStatusChange)
from crm.models.users import Presence, Role, User

__all__ = [
    "AppSetting", "AreaType", "AssignmentMode", "AssignmentRule", "Attachment", "AuditEvent",
    "CalendarDayKind", "CalendarOverride", "CalendarYear", "CannedReply", "Channel", "Company",
    "ContactAttempt", "ContactKind", "ContactOutcome", "ContactPoint", "Contract", "Customer",
    "DeliveryStatus", "Direction", "District", "EscalationLevel", "Incident", "IncidentStatus",
    "LinkKind", "Message", "Meter", "Note", "OPEN_STATUSES", "PeriodicLease", "Presence",
    "Priority", "Reading", "Role", "SlaClock", "SlaEscalation", "SlaPolicy", "StaffAlert",
    "Status", "Suspension", "Ticket", "TicketCounter", "TicketLink", "TicketParty", "TicketSla",
    "TicketStatusChange", "UsagePurpose", "User", "Ward", "WardAssignment", "utcnow",
]
