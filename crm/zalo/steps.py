"""The Zalo steps of the ingest chain (`crm.inbox.ingest.STEPS`).

Follow / unfollow are no requests: they join the customer's open conversation, never open a
ticket (nor draw a "ticket received" notice).

A Zalo user who shares their phone becomes (or joins) the customer owning that phone.
Zalo's `user_submit_info` gives the phone number of the Zalo account itself, so it proves
the sender owns it (meta["is_own"]). An ingest step, right after the sender is identified:
- the phone belongs to a customer and the sender is a provisional contact → the contact is
  linked into that customer (`crm.customers.services.link`: earlier messages and tickets
  move too), and this message is stored on the customer;
- nobody has the phone → it is added to the sender's customer (provisional or not);
- the phone belongs to another real customer than the sender's → nothing is merged (two
  real customers are an agent's call); the message notes it.
"""
from __future__ import annotations

import logging

from crm.core.phones import InvalidPhone
from crm.customers import services as customers
from crm.inbox import ingest
from crm.inbox.ingest import IngestContext
from crm.models import ContactKind

log = logging.getLogger(__name__)


def link_shared_phone(ctx: IngestContext) -> None:
    """For a Zalo contact message with the sender's own phone: link as above. Flushes."""
    inbound = ctx.inbound
    phone = inbound.meta.get("phone")
    if inbound.channel != "zalo" or inbound.kind != "contact" or not phone \
            or not inbound.meta.get("is_own") or ctx.customer is None:
        return
    try:
        owner = customers.find_by_phone(phone)
    except InvalidPhone:
        ctx.notes.append(f"zalo: unusable phone {phone!r}")
        return
    sender = ctx.customer
    if owner is None:
        customers.add_contact(sender, ContactKind.PHONE, phone)
        _name_provisional(sender, inbound.sender.display_name)
    elif owner.id == sender.id:
        return
    elif sender.is_provisional:
        ctx.customer = customers.link(sender, owner)
    else:
        log.info("zalo: customer %s shared the phone of customer %s", sender.id, owner.id)
        ctx.notes.append(f"zalo: the phone belongs to customer {owner.id}")


def events_open_no_ticket(ctx: IngestContext) -> None:
    """A follow or unfollow is stored on an open thread if there is one, else on none."""
    if ctx.inbound.channel == "zalo" and ctx.inbound.kind == "event":
        ctx.skipped = ctx.skipped or "event"


def _name_provisional(customer, name: str | None) -> None:
    """A provisional contact named after its Zalo id takes the name the user gave."""
    if name and customer.is_provisional and customer.name.isdigit():
        customer.name = name[:200]


def install(steps: list) -> None:
    """Phone linking right after `identify_contact`; the event rule before `open_ticket`."""
    if link_shared_phone not in steps:
        steps.insert(steps.index(ingest.identify_contact) + 1, link_shared_phone)
    if events_open_no_ticket not in steps:
        steps.insert(steps.index(ingest.open_ticket), events_open_no_ticket)


install(ingest.STEPS)
