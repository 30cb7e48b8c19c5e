"""`flask --app wsgi seed-demo`: the deterministic demo set that DESIGN.md "Demo data" pins.

Every choice comes from one seeded generator, so codes, names, phones, counts, who works
what and how far every ticket gets are the same on every run; only timestamps follow the
clock, so the tickets always look recent (and which of them are late, by how much, depends
on the hour of seeding). The generator is drawn from in a fixed order: customers, readings,
then the ticket plan and the stories.
"""
from __future__ import annotations

import random
import time
from datetime import timedelta

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from crm import labels
from crm.core.timefmt import LOCAL_TZ
from crm.extensions import db
from crm.models import (CannedReply, Company, ContactAttempt, Customer, District, Incident,
                        Message, Note, Reading, SlaEscalation, Suspension, Ticket, TicketLink,
                        User, Ward, WardAssignment, utcnow)
from crm.seed import data
from crm.seed.customers import add_customers, add_readings
from crm.seed.organisation import DEMO_PASSWORD, add_canned_replies, add_organisation, add_users
from crm.seed.routing import set_up_routing
from crm.seed.settle import settle
from crm.seed.tickets import Stories

__all__ = ["DEMO_PASSWORD", "SEED", "init_app", "load_demo", "seed_demo"]

SEED = 52026
#: The routing admin set up the offices' rules this long before the first story.
ROUTING_SET_UP = timedelta(days=35)


def init_app(app: Flask) -> None:
    # A plain help string: click renders it with no request to pick a language.
    app.cli.command("seed-demo", help="Nạp dữ liệu mẫu (chạy lại không thay đổi gì) và in "
                                      "danh sách tài khoản demo.")(seed_demo)


def seed_demo() -> None:
    """Load the demo set unless company PC05 exists; commits; prints the demo logins."""
    code = data.COMPANY["code"]
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):   # no request here
        if db.session.scalar(sa.select(Company.id).where(Company.code == code)) is not None:
            click.echo(_("Dữ liệu mẫu đã có sẵn (công ty %(code)s): không thay đổi gì.",
                         code=code))
        else:
            started = time.perf_counter()
            load_demo(random.Random(SEED))
            db.session.commit()
            click.echo(_summary(time.perf_counter() - started))
        _print_logins()


def load_demo(rng: random.Random) -> None:
    """Add the whole demo set to the session (flushes, never commits)."""
    wards = add_organisation()
    districts = {w.district.code: w.district for w, _spec in wards}
    users = add_users(districts)
    add_canned_replies()
    customers = add_customers(rng, wards)
    today = utcnow().astimezone(LOCAL_TZ).date()
    jumpers = add_readings(rng, customers, today)
    stories = Stories(rng, users, customers, jumpers)
    with stories.clock.running():
        stories.clock.at(stories.now - ROUTING_SET_UP)
        set_up_routing(users, districts, {w.code: w for w, _spec in wards}, today)
        stories.tell()
    settle(stories.written)


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _summary(seconds: float) -> str:
    return _("Đã nạp dữ liệu mẫu: %(districts)d điện lực, %(wards)d phường/xã, "
             "%(customers)d khách hàng, %(provisional)d liên hệ chưa xác định, "
             "%(readings)d chỉ số, %(tickets)d phiếu, %(messages)d tin nhắn, %(notes)d ghi chú, "
             "%(canned)d câu trả lời mẫu, %(users)d tài khoản; %(contacts)d lần liên hệ, "
             "%(incidents)d sự cố, %(suspensions)d đợt tạm dừng dịch vụ, %(links)d liên kết "
             "phiếu, %(history)d phân công phường/xã theo thời gian, %(escalations)d lần "
             "báo động SLA (%(seconds).1f giây).",
             districts=_count(District), wards=_count(Ward),
             customers=_count(Customer, ~Customer.is_provisional),
             provisional=_count(Customer, Customer.is_provisional),
             readings=_count(Reading), tickets=_count(Ticket), messages=_count(Message),
             notes=_count(Note), canned=_count(CannedReply), users=_count(User),
             contacts=_count(ContactAttempt), incidents=_count(Incident),
             suspensions=_count(Suspension), links=_count(TicketLink),
             history=_count(WardAssignment), escalations=_count(SlaEscalation),
             seconds=seconds)


def _print_logins() -> None:
    rows = [(_("Tên đăng nhập"), _("Vai trò"), _("Điện lực"), _("Mật khẩu"))]
    for user in data.USERS:
        role = _("Trưởng Điện lực") if user.is_district_head \
            else labels.label("role", user.role)
        rows.append((user.username, role, user.district or "—", DEMO_PASSWORD))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    click.echo(_("Tài khoản demo:"))
    for row in rows:
        click.echo("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
