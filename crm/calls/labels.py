"""Words for calls, in the current locale: states, outcomes, durations."""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l

from crm.models import Call, CallOutcome, CallState

STATES = {
    CallState.RINGING: _l("Đang đổ chuông"), CallState.IN_IVR: _l("Đang nghe menu tự động"),
    CallState.QUEUED: _l("Đang chờ gặp điện thoại viên"), CallState.ANSWERED: _l("Đang đàm thoại"),
    CallState.ENDED: _l("Đã kết thúc"), CallState.MISSED: _l("Cuộc gọi nhỡ"),
    CallState.VOICEMAIL: _l("Để lại lời nhắn"),
}


def state_label(call: Call) -> str:
    return str(STATES.get(CallState(call.state), call.state))


def outcome_label(call: Call) -> str:
    """What the caller got: "nghe thông báo sự cố", "tra cứu YC2611-000123", ..."""
    if call.outcome == CallOutcome.STATUS_LOOKUP:
        return _("tra cứu %(code)s", code=call.outcome_detail or "")
    return {CallOutcome.INCIDENT_NOTICE: _("nghe thông báo sự cố"),
            CallOutcome.MESSAGE_LEFT: _("để lại lời nhắn"),
            CallOutcome.AGENT: _("gặp điện thoại viên")}.get(call.outcome, "")


def duration_label(seconds: int | None) -> str:
    """`2 phút 05 giây`, `45 giây`; empty when unknown."""
    if seconds is None:
        return ""
    minutes, rest = divmod(int(seconds), 60)
    if not minutes:
        return _("%(s)s giây", s=rest)
    return _("%(m)s phút %(s)s giây", m=minutes, s=f"{rest:02d}")


def describe(call: Call) -> str:
    """One line for the timeline and the ticket thread: state, duration, outcome, agent."""
    parts = [_("Cuộc gọi đến tổng đài"), state_label(call).lower()]
    if duration := duration_label(call.talk_seconds):
        parts.append(_("thời lượng %(duration)s", duration=duration))
    if outcome := outcome_label(call):
        parts.append(outcome)
    if call.agent is not None:
        parts.append(_("điện thoại viên %(name)s", name=call.agent.full_name))
    return " · ".join(parts)
