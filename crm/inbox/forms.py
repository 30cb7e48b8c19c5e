"""The inbox filter bar: read from the query string, never posted (so no CSRF token)."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField

import workflows
from crm import labels
from crm.extensions import db
from crm.inbox.queries import ACTIVE, SORT_ACTIVITY, SORT_DUE
from crm.models import OPEN_STATUSES, District, Status

#: The query-string keys that make up a list's filters (kept across pages and refreshes).
FILTER_KEYS = ("status", "type", "channel", "district", "assignee", "unrouted", "sla", "sort")


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    type = SelectField(_l("Loại yêu cầu"))
    channel = SelectField(_l("Kênh"))
    district = SelectField(_l("Điện lực"))
    assignee = SelectField(_l("Người xử lý"))
    sla = SelectField(_l("Hạn SLA"))
    sort = SelectField(_l("Sắp xếp"))


def filter_form(args, *, with_districts: bool, sort: str = SORT_ACTIVITY) -> FilterForm:
    """The filter bar showing the current query string; districts only for unscoped users."""
    form = FilterForm(formdata=args)
    form.sla.choices = [("", str(_l("Tất cả"))), ("warning", str(_l("Sắp đến hạn"))),
                        ("breached", str(_l("Quá hạn")))]
    form.sort.choices = [(SORT_ACTIVITY, str(_l("Hoạt động mới nhất"))),
                         (SORT_DUE, str(_l("Hạn xử lý gần nhất")))]
    form.sort.data = sort
    anything = [("", str(_l("Tất cả")))]
    form.type.choices = anything + workflows.choices()
    form.channel.choices = anything + labels.choices("channel")
    form.assignee.choices = [("", str(_l("Mọi người"))), ("me", str(_l("Của tôi"))),
                             ("none", str(_l("Chưa phân công")))]
    if with_districts:
        districts = db.session.scalars(sa.select(District).order_by(District.code))
        form.district.choices = anything + [(str(d.id), str(d)) for d in districts]
    else:
        del form.district
    return form


def filter_args(args) -> dict[str, str]:
    """The non-empty filter keys of a query string, for links that keep the filters."""
    return {key: args[key] for key in FILTER_KEYS if args.get(key)}


def status_chips() -> list[tuple[str, str]]:
    """(value, label) of the status chips: every open status together, each, done, all."""
    return ([(ACTIVE, str(_l("Đang mở")))]
            + [(str(s), labels.label("status", s)) for s in OPEN_STATUSES]
            + [(str(Status.RESOLVED), labels.label("status", Status.RESOLVED)),
               (str(Status.CLOSED), labels.label("status", Status.CLOSED)),
               ("all", str(_l("Tất cả")))])
