"""The demo organisation: company PC05, its district offices and wards, staff, canned replies."""
from __future__ import annotations

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from crm.core import phones
from crm.extensions import db
from crm.inbox import canned
from crm.models import AreaType, CannedReply, Company, District, User, Ward
from crm.models.users import PASSWORD_METHOD
from crm.seed import data

DEMO_PASSWORD = "CskhDemo@2026"


def add_organisation() -> list[tuple[Ward, data.WardSpec]]:
    """The company, its districts and their wards, flushed; each ward with its spec."""
    company = Company(**data.COMPANY)
    wards = []
    for spec in data.DISTRICTS:
        district = District(company=company, code=spec.code, name=spec.name,
                            address=spec.address, phone=phones.normalise_phone(spec.phone))
        wards += [(_ward(spec, n, ward, district), ward) for n, ward in enumerate(spec.wards, 1)]
    db.session.add_all([w for w, _spec in wards])
    db.session.flush()
    return wards


def _ward(district_spec: data.DistrictSpec, n: int, spec: data.WardSpec,
          district: District) -> Ward:
    return Ward(code=f"{district_spec.code}-W{n:02d}", name=spec.name, district=district,
                province=data.PROVINCE, area_type=AreaType(spec.area))


def add_users(districts: dict[str, District]) -> dict[str, User]:
    """The demo staff by username; scrypt is slow by design, so the one password is hashed once."""
    password_hash = generate_password_hash(DEMO_PASSWORD, method=PASSWORD_METHOD)
    users = {}
    for spec in data.USERS:
        user = db.session.scalar(sa.select(User).where(User.username == spec.username))
        if user is None:   # an account made earlier with create-user keeps its password
            user = User(username=spec.username, full_name=spec.full_name, role=spec.role,
                        email=spec.email, district=districts.get(spec.district),
                        is_district_head=spec.is_district_head, capacity=spec.capacity,
                        password_hash=password_hash)
            db.session.add(user)
        users[spec.username] = user
    db.session.flush()
    return users


def add_canned_replies() -> None:
    """Every demo canned reply whose shortcut is not taken yet; each body passes canned.check."""
    for shortcut, title, body in data.CANNED_REPLIES:
        canned.check(body)
        if not db.session.scalar(sa.select(CannedReply.id).where(CannedReply.shortcut == shortcut)):
            db.session.add(CannedReply(shortcut=shortcut, title=title, body=body))


def canned_body(shortcut: str) -> str:
    """The body of the demo canned reply with this shortcut."""
    return next(body for key, _title, body in data.CANNED_REPLIES if key == shortcut)
