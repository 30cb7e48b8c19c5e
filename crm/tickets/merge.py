"""Gộp phiếu trùng, liên kết phiếu liên quan (merging duplicates, linking related tickets).

Services flush, never commit: the view owns the transaction. A link is stored once per
pair as (lower id, higher id). A merge moves the duplicate's whole thread onto the target,
keeps every customer of the duplicate as a party (TicketParty) of the target, and closes the
duplicate through the ticket services so its SLA clock stops like any other close.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy.orm import joinedload, selectinload

from crm.core import audit
from crm.core.db import insert_ignoring_conflicts, insert_or_nothing
from crm.core.permissions import ticket_visible
from crm.extensions import db
from crm.labels import label
from crm.models import (Attachment, ContactAttempt, Customer, LinkKind, Message, Note, Status,
                        Ticket, TicketLink, TicketParty, User)
from crm.tickets import services
from crm.tickets.notify import notify_customer
from crm.tickets.services import TicketError

#: What a merge carries over to the target, by the name its audit event uses.
MOVED = {"messages": Message, "notes": Note, "attachments": Attachment,
         "contacts": ContactAttempt}


class MergeError(TicketError):
    """A link or merge the rules refuse; the message says why, in the user's language."""


@dataclass(frozen=True)
class Linked:
    """A ticket linked to the one being shown, and how."""

    ticket: Ticket
    kind: LinkKind


def _pair(a: Ticket, b: Ticket) -> tuple[int, int]:
    return (a.id, b.id) if a.id < b.id else (b.id, a.id)


def _find_link(a: Ticket, b: Ticket) -> TicketLink | None:
    low, high = _pair(a, b)
    return db.session.scalar(sa.select(TicketLink).where(TicketLink.ticket_id == low,
                                                         TicketLink.other_id == high))


def _check_scope(actor: User | None, *tickets: Ticket) -> None:
    # The views already 404 on tickets out of sight; this keeps jobs and scripts honest too.
    if actor is not None and actor.is_district_scoped and \
            any(t.district_id != actor.district_id for t in tickets):
        raise MergeError(_("Bạn chỉ thao tác được với phiếu của Điện lực mình."))


def _store_link(ticket: Ticket, other: Ticket, kind: LinkKind,
                actor: User | None) -> tuple[TicketLink, bool]:
    """The pair's link row, inserted race-safely; a related link becomes a duplicate one."""
    low, high = _pair(ticket, other)
    new_id = insert_ignoring_conflicts(TicketLink, {
        "ticket_id": low, "other_id": high, "kind": kind,
        "created_by_id": actor.id if actor else None}, conflict=["ticket_id", "other_id"])
    row = _find_link(ticket, other)
    if kind == LinkKind.DUPLICATE and row.kind != kind:
        row.kind = kind
    return row, new_id is not None


def _audit_both(action: str, ticket: Ticket, other: Ticket, actor: User | None,
                changes) -> None:
    for one, two in ((ticket, other), (other, ticket)):
        audit.record("ticket", one.id, action, changes(two), ticket_id=one.id, actor=actor)


def link(ticket: Ticket, other: Ticket, *, kind: LinkKind | str = LinkKind.RELATED,
         actor: User | None) -> TicketLink:
    """Link two tickets, once per pair whichever way round; idempotent; raises MergeError."""
    if ticket.id == other.id:
        raise MergeError(_("Không thể liên kết một phiếu với chính nó."))
    _check_scope(actor, ticket, other)
    row, created = _store_link(ticket, other, LinkKind(kind), actor)
    if created:
        _audit_both("linked", ticket, other, actor,
                    lambda two: {"ticket": [None, two.code], "kind": [None, str(row.kind)]})
    return row


def unlink(ticket: Ticket, other: Ticket, *, actor: User | None) -> bool:
    """Remove a related link (False if there was none); a merge's duplicate link stays."""
    _check_scope(actor, ticket, other)
    row = _find_link(ticket, other)
    if row is None:
        return False
    if row.kind == LinkKind.DUPLICATE:
        raise MergeError(_("Không thể bỏ liên kết giữa phiếu trùng và phiếu đã gộp vào."))
    db.session.delete(row)
    db.session.flush()
    _audit_both("unlinked", ticket, other, actor, lambda two: {"ticket": [two.code, None]})
    return True


def links_of(ticket: Ticket, user: User) -> list[Linked]:
    """The tickets linked to `ticket` that `user` may see, oldest first, in one query."""
    other_id = sa.case((TicketLink.ticket_id == ticket.id, TicketLink.other_id),
                       else_=TicketLink.ticket_id)
    rows = db.session.execute(
        sa.select(Ticket, TicketLink.kind).join(TicketLink, Ticket.id == other_id)
        .where(sa.or_(TicketLink.ticket_id == ticket.id, TicketLink.other_id == ticket.id),
               ticket_visible(user))
        .order_by(Ticket.id)).all()
    return [Linked(t, kind) for t, kind in rows]


def parties_of(ticket: Ticket) -> list[TicketParty]:
    """The other customers of a ticket (kept from merged duplicates), with their contacts."""
    return db.session.scalars(
        sa.select(TicketParty).where(TicketParty.ticket_id == ticket.id)
        .options(joinedload(TicketParty.customer).joinedload(Customer.contact_points))
        .order_by(TicketParty.customer_id)).unique().all()


def recipients_of(ticket: Ticket) -> list[Customer]:
    """Everyone a reply on the ticket may go to: its customer first, then its parties."""
    return [ticket.customer] + [p.customer for p in parties_of(ticket)
                                if p.customer_id != ticket.customer_id]


# --- merging ----------------------------------------------------------------------------


def _check_merge(duplicate: Ticket, into: Ticket, actor: User | None, reason: str) -> None:
    if duplicate.id == into.id:
        raise MergeError(_("Không thể gộp một phiếu vào chính nó."))
    if duplicate.merged_into_id is not None:
        raise MergeError(_("Phiếu %(code)s đã được gộp vào phiếu khác.", code=duplicate.code))
    if duplicate.status == Status.CLOSED:
        raise MergeError(_("Phiếu %(code)s đã đóng, không gộp được.", code=duplicate.code))
    if into.merged_into_id is not None or into.status == Status.CLOSED:
        raise MergeError(_("Không gộp được vào phiếu %(code)s vì phiếu này đã đóng hoặc đã "
                           "được gộp.", code=into.code))
    if duplicate.type != into.type:
        raise MergeError(_("Không gộp được hai phiếu khác loại yêu cầu: %(one)s và %(two)s.",
                           one=label("type", duplicate.type), two=label("type", into.type)))
    _check_scope(actor, duplicate, into)
    if not reason:
        raise MergeError(_("Cần nhập lý do gộp phiếu."))


def _move_thread(from_id: int, to_id: int) -> dict[str, int]:
    """One UPDATE per table; returns how many rows each moved."""
    return {name: db.session.execute(sa.update(model).where(model.ticket_id == from_id)
                                     .values(ticket_id=to_id)).rowcount
            for name, model in MOVED.items()}


def _carry_customers(duplicate: Ticket, into: Ticket) -> list[int]:
    """Make the duplicate's customer and parties parties of `into`; returns their ids."""
    ids = list(dict.fromkeys([duplicate.customer_id] + list(db.session.scalars(
        sa.select(TicketParty.customer_id).where(TicketParty.ticket_id == duplicate.id)))))
    for customer_id in ids:
        if customer_id != into.customer_id:
            db.session.execute(insert_or_nothing(
                TicketParty, {"ticket_id": into.id, "customer_id": customer_id,
                              "from_ticket_id": duplicate.id},
                conflict=["ticket_id", "customer_id"]))
    return ids


def _notify(duplicate: Ticket, into: Ticket, customer_ids: list[int]) -> None:
    """One notice per customer of the duplicate: their request now follows `into`'s code."""
    customers = db.session.scalars(
        sa.select(Customer).where(Customer.id.in_(customer_ids))
        .options(selectinload(Customer.contact_points)).order_by(Customer.id)).all()
    for customer in customers:
        notify_customer(into, "merged", {"ma_phieu_cu": duplicate.code}, customer=customer)


def merge(duplicate: Ticket, into: Ticket, *, actor: User | None, reason: str) -> dict[str, int]:
    """Merge `duplicate` into `into`: thread, files, contact log and customers move over,
    the duplicate closes (SLA stopped), both are audited and its customers notified once.

    Raises MergeError before writing anything. Returns the number of rows moved per kind.
    """
    reason = (reason or "").strip()
    _check_merge(duplicate, into, actor, reason)
    moved = _move_thread(duplicate.id, into.id)
    customer_ids = _carry_customers(duplicate, into)
    _store_link(duplicate, into, LinkKind.DUPLICATE, actor)
    # Set before closing, so workflow hooks can tell a merge from an ordinary close.
    duplicate.merged_into_id, duplicate.merged_into = into.id, into
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):   # the same text whoever merges
        result = _("Gộp vào phiếu %(code)s: %(reason)s", code=into.code, reason=reason)
    services.change_status(duplicate, Status.CLOSED, actor=actor, result=result)
    services.touch(into)
    audit.record("ticket", duplicate.id, "merged",
                 {"merged_into": [None, into.code], "reason": [None, reason]},
                 ticket_id=duplicate.id, actor=actor)
    audit.record("ticket", into.id, "merged_from",
                 {"duplicate": [None, duplicate.code], "reason": [None, reason]}
                 | {name: [0, count] for name, count in moved.items() if count},
                 ticket_id=into.id, actor=actor)
    _notify(duplicate, into, customer_ids)
    return moved
