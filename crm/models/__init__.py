"""Every table of the application; one module per aggregate."""
from crm.models.audit import AuditEvent
from crm.models.base import utcnow
from crm.models.customers import (Contract, ContactKind, ContactPoint, Customer, Meter, Reading,
                                  UsagePurpose)
from crm.models.org import AreaType, Company, District, Ward
from crm.models.system import PeriodicLease
from crm.models.tickets import (OPEN_STATUSES, Attachment, CannedReply, Channel, DeliveryStatus,
                                Direction, Message, Note, Priority, Status, Ticket, TicketCounter,
                                TicketSla)
from crm.models.users import Role, User

__all__ = [
    "AreaType", "Attachment", "AuditEvent", "CannedReply", "Channel", "Company", "ContactKind",
    "ContactPoint", "Contract", "Customer", "DeliveryStatus", "Direction", "District", "Meter",
    "Message", "Note", "OPEN_STATUSES", "PeriodicLease", "Priority", "Reading", "Role", "Status", "Ticket",
    "TicketCounter", "TicketSla", "UsagePurpose", "User", "Ward", "utcnow",
]
