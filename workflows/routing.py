"""Which district office serves a ward on a given day (the utility's service-area codes)."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from crm.extensions import db
from crm.models import District, Ward, WardAssignment


def district_for(ward: Ward | None, on: date) -> District | None:
    """The office serving `ward` on `on`: its dated assignment, else the ward's current office."""
    if ward is None:
        return None
    assignment = db.session.scalar(
        sa.select(WardAssignment).where(
            WardAssignment.ward_id == ward.id, WardAssignment.valid_from <= on,
            sa.or_(WardAssignment.valid_to.is_(None), WardAssignment.valid_to >= on))
        .order_by(WardAssignment.valid_from.desc()).limit(1))
    return assignment.district if assignment else ward.district
