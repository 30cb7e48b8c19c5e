"""Where notices can be seen: the admin list (failures first in mind: never silent) and the
panel of the customer 360 page; and the retry of a notice that failed."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from crm.core import audit
from crm.core.permissions import may_see_notifications
from crm.extensions import db
from crm.inbox import ingest
from crm.models import Customer, Notification, NotificationStatus, utcnow
from crm.notifications import consent, dispatch, outbox  # noqa: F401  (dispatch: its schedule)

bp = Blueprint("notifications", __name__)
consent.install(ingest.STEPS)

PAGE = 100
CUSTOMER_PANEL = 10
STATUS_LABELS = {
    NotificationStatus.QUEUED: _l("Chờ gửi"), NotificationStatus.SENDING: _l("Đang gửi"),
    NotificationStatus.SENT: _l("Đã gửi"), NotificationStatus.DELIVERED: _l("Đã nhận"),
    NotificationStatus.FAILED: _l("Gửi lỗi"), NotificationStatus.SKIPPED: _l("Bỏ qua"),
}


class RetryForm(FlaskForm):
    """No fields: the CSRF token of the retry button."""


@bp.app_template_global("notification_status_label")
def notification_status_label(status) -> str:
    return str(STATUS_LABELS.get(NotificationStatus(str(status)), status))


@bp.app_template_global("customer_notifications")
def customer_notifications(customer: Customer) -> list[Notification]:
    """The customer's latest notices, newest first, for the 360 page."""
    return list(db.session.scalars(
        sa.select(Notification).where(Notification.customer_id == customer.id)
        .order_by(Notification.id.desc()).limit(CUSTOMER_PANEL)))


@bp.get("/admin/notifications")
@login_required
def index():
    """Every notice, newest first, filtered by status; paged by id (`before`)."""
    _allowed()
    status = request.args.get("status") or ""
    if status and status not in NotificationStatus.values():
        abort(400)
    before = request.args.get("before", type=int)
    query = sa.select(Notification).order_by(Notification.id.desc()).limit(PAGE + 1)
    if status:
        query = query.where(Notification.status == NotificationStatus(status))
    if before:
        query = query.where(Notification.id < before)
    rows = list(db.session.scalars(query))
    counts = dict(db.session.execute(sa.select(Notification.status, sa.func.count())
                                     .group_by(Notification.status)).all())
    customers = {c.id: c for c in db.session.scalars(
        sa.select(Customer).where(Customer.id.in_({n.customer_id for n in rows})))}
    more = len(rows) > PAGE
    return render_template("notifications/index.html", rows=rows[:PAGE], more=more,
                           status=status, counts=counts, customers=customers,
                           statuses=NotificationStatus, form=RetryForm())


@bp.post("/admin/notifications/<int:notification_id>/retry")
@login_required
def retry(notification_id: int):
    """Send a failed (or skipped) notice again, every channel allowed again."""
    _allowed()
    if not RetryForm().validate_on_submit():
        abort(400)
    notification = db.session.get(Notification, notification_id, with_for_update=True)
    if notification is None:
        abort(404)
    if notification.status not in (NotificationStatus.FAILED, NotificationStatus.SKIPPED):
        flash(_("Chỉ gửi lại được thông báo đã lỗi hoặc bị bỏ qua."), "error")
        return redirect(url_for(".index")), 303
    notification.status, notification.tried = NotificationStatus.QUEUED, []
    notification.attempts, notification.next_attempt_at = 0, utcnow()
    notification.message_id = None
    audit.record("customer", notification.customer_id, "notice_retried",
                 {"key": [None, notification.key]}, ticket_id=notification.ticket_id)
    outbox.wake()
    db.session.commit()
    flash(_("Đã xếp lịch gửi lại thông báo."), "success")
    return redirect(url_for(".index", status=request.args.get("status") or None)), 303


def _allowed() -> None:
    if not may_see_notifications(current_user):
        abort(403)
