"""Scheduling which office serves a ward, choosing how a team shares work, and counting what
still needs routing. Services flush, never commit: the caller owns the transaction, and
nothing is written when one raises."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from crm.core import audit
from crm.core.permissions import ticket_visible
from crm.core.timefmt import fmt_date, local
from crm.extensions import db
from crm.models import (OPEN_STATUSES, AssignmentMode, AssignmentRule, District, Ticket, User,
                        Ward, WardAssignment)
from crm.routing.pools import Pool
from workflows import routing

#: Counts stop here and show "1000+", as the inbox does.
COUNT_CAP = 1000


class RoutingError(ValueError):
    """A schedule change that would leave the ward's offices inconsistent; says why."""


def assign_ward(ward: Ward, district: District, valid_from: date, valid_to: date | None = None,
                *, actor: User | None) -> WardAssignment:
    """From `valid_from` (to `valid_to`, inclusive) `district` serves `ward`; audited.

    The ward's open-ended assignment that started earlier ends the day before; any other
    overlap raises RoutingError. Keeps the ward's cached current office right.
    """
    if valid_to is not None and valid_to < valid_from:
        raise RoutingError(_("Ngày kết thúc phải bằng hoặc sau ngày bắt đầu."))
    db.session.execute(sa.select(Ward.id).where(Ward.id == ward.id).with_for_update())
    rows = schedule(ward)
    legacy = _legacy_row(ward, valid_from) if not rows else None
    rows = [legacy] if legacy else rows
    previous = _open_before(rows, valid_from)
    _check(rows, previous, district, valid_from, valid_to)
    before = ward.district
    if legacy:
        db.session.add(legacy)
    if previous:
        previous.valid_to = valid_from - timedelta(days=1)
    row = WardAssignment(ward=ward, district=district, valid_from=valid_from, valid_to=valid_to)
    db.session.add(row)
    db.session.flush()
    ward.district = routing.district_for(ward, routing.today())
    audit.record("ward", ward.id, "ward_assigned", {
        "district": [before.code if before else None, district.code],
        "valid_from": [None, valid_from.isoformat()],
        "valid_to": [None, valid_to.isoformat() if valid_to else None]}, actor=actor)
    return row


def schedule(ward: Ward) -> list[WardAssignment]:
    """The ward's assignments, oldest first, each with its district."""
    return list(db.session.scalars(
        sa.select(WardAssignment).where(WardAssignment.ward_id == ward.id)
        .options(joinedload(WardAssignment.district))
        .order_by(WardAssignment.valid_from)))


def _legacy_row(ward: Ward, valid_from: date) -> WardAssignment | None:
    """The office a never-scheduled ward has today, written down as the first row of its
    history (from the day the ward was entered) so that it ends where the new one starts."""
    if ward.district_id is None:
        return None
    since = local(ward.created_at).date()
    if since >= valid_from:
        return None
    return WardAssignment(ward_id=ward.id, district_id=ward.district_id, ward=ward,
                          district=ward.district, valid_from=since, valid_to=None)


def _open_before(rows: list[WardAssignment], valid_from: date) -> WardAssignment | None:
    """The open-ended assignment that started before `valid_from`: the new one replaces it."""
    return next((r for r in reversed(rows)
                 if r.valid_to is None and r.valid_from < valid_from), None)


def _check(rows, previous, district: District, valid_from: date, valid_to: date | None) -> None:
    if previous and previous.district_id == district.id and valid_to is None:
        raise RoutingError(_("%(district)s đã phục vụ phường/xã này từ ngày %(date)s.",
                             district=district.code, date=fmt_date(previous.valid_from)))
    end = valid_to or date.max
    for row in rows:
        if row is previous:
            continue
        if row.valid_from <= end and (row.valid_to is None or row.valid_to >= valid_from):
            raise RoutingError(_(
                "Trùng thời gian với phân công cho %(district)s từ %(start)s đến %(end)s.",
                district=row.district.code, start=fmt_date(row.valid_from),
                end=fmt_date(row.valid_to) if row.valid_to else _("không thời hạn")))


def set_rule(district: District | None, mode: AssignmentMode | str, *,
             actor: User | None) -> AssignmentRule:
    """How work is shared in a pool (a district office, or the care centre when None); audited.

    Switching to an automatic mode hands waiting tickets out at once.
    """
    from crm.tickets import assignment   # the assignment code reads these rules

    mode = AssignmentMode(mode)
    rule = db.session.scalar(sa.select(AssignmentRule).where(
        AssignmentRule.district_id == district.id if district
        else AssignmentRule.district_id.is_(None)))
    if rule is None:
        rule = AssignmentRule(district=district, mode=AssignmentMode.MANUAL)
        db.session.add(rule)
    changes = audit.diff(rule, mode=mode)
    db.session.flush()
    if changes:
        audit.record("assignment_rule", rule.id, "rule_changed",
                     changes | {"district": [None, district.code if district else None]},
                     actor=actor)
        assignment.fill(Pool(district.id if district else None))
    return rule


def unroutable_count(user: User) -> int:
    """Open tickets no district office owns (the "needs routing" queue) that `user` sees,
    capped at COUNT_CAP + 1 so the count stays cheap."""
    ids = (sa.select(Ticket.id)
           .where(Ticket.district_id.is_(None), Ticket.status.in_(OPEN_STATUSES),
                  ticket_visible(user))
           .limit(COUNT_CAP + 1).subquery())
    return db.session.scalar(sa.select(sa.func.count()).select_from(ids))
