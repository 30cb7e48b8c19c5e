"""Every table of the application; one module per aggregate."""
from crm.models.alerts import EscalationLevel, SlaEscalation, StaffAlert
from crm.models.api import ApiToken
from crm.models.audit import AuditEvent
from crm.models.base import utcnow
from crm.models.billing import TariffTier, TariffVersion, VatRate
from crm.models.bills import Bill, BillImport
from crm.models.bot import BotConversation, BotOwner, BotRating
from crm.models.calls import Call, CallEventLog, CallOutcome, CallProvider, CallState
from crm.models.channels import ChannelState
from crm.models.consumption import ConsumptionAlert, ImportStatus, ReadingDay, ReadingImport
from crm.models.csat import CsatScore, CsatStatus
from crm.models.customers import (Contract, ContactKind, ContactPoint, Customer, Meter, Reading,
                                  UsagePurpose)
from crm.models.households import Household, HouseholdStatus
from crm.models.incidents import Incident, IncidentStatus, Suspension
from crm.models.mail import MailPollState
from crm.models.notification_templates import NotificationTemplate
from crm.models.notifications import (ChannelConsent, Notification, NotificationPreference,
                                      NotificationStatus)
from crm.models.org import AreaType, Company, District, Ward
from crm.models.planned_outages import (NoticeKind, PlannedOutage, PlannedOutageFeeder,
                                         PlannedOutageNotice, PlannedOutageStatus,
                                         planned_outage_wards)
from crm.models.routing import AssignmentMode, AssignmentRule, WardAssignment
from crm.models.settings import AppSetting
from crm.models.sla import CalendarDayKind, CalendarOverride, CalendarYear, SlaPolicy
from crm.models.system import PeriodicLease
from crm.models.tickets import (OPEN_STATUSES, Attachment, CannedReply, Channel, ContactAttempt,
                                ContactOutcome, DeliveryStatus, Direction, LinkKind, Message,
                                Note, Priority, SlaClock, Status, Ticket, TicketCounter,
                                TicketLink, TicketParty, TicketSla, TicketStatusChange)
from crm.models.users import Presence, Role, User
from crm.models.zalo import ZaloToken

__all__ = [
    "BotConversation", "BotOwner", "BotRating",
    "Bill", "BillImport", "CsatScore", "CsatStatus",
    "Call", "CallEventLog", "CallOutcome", "CallProvider", "CallState",
    "ConsumptionAlert", "ImportStatus", "ReadingDay", "ReadingImport",
    "Household", "HouseholdStatus",
    "ApiToken", "TariffTier", "TariffVersion", "VatRate",
    "ChannelState",
    "ZaloToken",
    "MailPollState",
    "NotificationTemplate",
    "ChannelConsent", "Notification", "NotificationPreference", "NotificationStatus",
    "AppSetting", "AreaType", "AssignmentMode", "AssignmentRule", "Attachment", "AuditEvent",
    "CalendarDayKind", "CalendarOverride", "CalendarYear", "CannedReply", "Channel", "Company",
    "ContactAttempt", "ContactKind", "ContactOutcome", "ContactPoint", "Contract", "Customer",
    "DeliveryStatus", "Direction", "District", "EscalationLevel", "Incident", "IncidentStatus",
    "LinkKind", "Message", "Meter", "Note", "OPEN_STATUSES", "PeriodicLease", "Presence",
    "NoticeKind", "PlannedOutage", "PlannedOutageFeeder", "PlannedOutageNotice",
    "PlannedOutageStatus", "planned_outage_wards",
    "Priority", "Reading", "Role", "SlaClock", "SlaEscalation", "SlaPolicy", "StaffAlert",
    "Status", "Suspension", "Ticket", "TicketCounter", "TicketLink", "TicketParty", "TicketSla",
    "TicketStatusChange", "UsagePurpose", "User", "Ward", "WardAssignment", "utcnow",
]
