"""factory_boy factories for the main tables, bound to the test's session by `Factories`."""
from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from crm import models as m

PASSWORD = "mat-khau-thu-nghiem"
# A cheap hash keeps login tests fast; production uses scrypt (crm.models.users).
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_persistence = "flush"


class CompanyFactory(_Base):
    class Meta:
        model = m.Company
    code = factory.Sequence(lambda n: f"PT{n:02d}")
    name = factory.Sequence(lambda n: f"Công ty Điện lực thử nghiệm {n}")


class DistrictFactory(_Base):
    class Meta:
        model = m.District
    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"PD{n:04d}")
    name = factory.Sequence(lambda n: f"Điện lực Quận {n}")


class WardFactory(_Base):
    class Meta:
        model = m.Ward
    code = factory.Sequence(lambda n: f"W{n:05d}")
    name = factory.Sequence(lambda n: f"Phường {n}")
    area_type = m.AreaType.URBAN
    district = factory.SubFactory(DistrictFactory)


class UserFactory(_Base):
    class Meta:
        model = m.User
    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Nhân viên {n}")
    password_hash = PASSWORD_HASH
    role = m.Role.AGENT


class CustomerFactory(_Base):
    class Meta:
        model = m.Customer
    code = factory.Sequence(lambda n: f"PT01AA{n:07d}")
    name = "Nguyễn Văn An"
    address = "12 Lê Lợi"
    ward = factory.SubFactory(WardFactory)
    phone = factory.Sequence(lambda n: f"+8490{n:07d}")

    @classmethod
    def _create(cls, model_class, *args, phone=None, **kwargs):
        customer = super()._create(model_class, *args, **kwargs)
        if phone:
            customer.contact_points.append(m.ContactPoint(kind=m.ContactKind.PHONE, value=phone))
            cls._meta.sqlalchemy_session.flush()
        return customer


class TicketFactory(_Base):
    class Meta:
        model = m.Ticket
    code = factory.Sequence(lambda n: f"YC0001-{n:06d}")
    type = "inquiry"
    channel = m.Channel.HOTLINE
    subject = "Hỏi về hóa đơn tiền điện"
    customer = factory.SubFactory(CustomerFactory)
    ward = factory.SelfAttribute("customer.ward")
    district = factory.SelfAttribute("ward.district")
    status = m.Status.NEW
    step = "received"


class MessageFactory(_Base):
    class Meta:
        model = m.Message
    ticket = factory.SubFactory(TicketFactory)
    customer_id = factory.SelfAttribute("ticket.customer_id")
    channel = m.Channel.SMS
    direction = m.Direction.INBOUND
    provider_message_id = factory.Sequence(lambda n: f"SM{n:032d}")
    address = "+84905000001"
    body = "Nhà tôi bị mất điện từ sáng"


class Factories:
    """`make.user(role=...)`, `make.ticket(...)`, ... on the given session."""

    def __init__(self, session):
        self.session = session
        for name, cls in (("company", CompanyFactory), ("district", DistrictFactory),
                          ("ward", WardFactory), ("user", UserFactory),
                          ("customer", CustomerFactory), ("ticket", TicketFactory),
                          ("message", MessageFactory)):
            cls._meta.sqlalchemy_session = session
            setattr(self, name, cls)

    def district_staff(self, district, **kw):
        return UserFactory(role=m.Role.DISTRICT_STAFF, district=district, **kw)
