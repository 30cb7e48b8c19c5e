"""A call's state, derived from the facts its events taught us; never moved backwards.

Facts only accumulate (each keeps its earliest time), so the derived state does not depend
on the order events arrive in. The guard below keeps a call from going back a stage even
when a late fact would suggest it (an "answered" arriving after the call was marked missed
still counts: the call becomes "ended", a final state like "missed").
"""
from __future__ import annotations

from crm.models import Call, CallState

#: How far along a call is; the final states share the last stage.
STAGE = {CallState.RINGING: 0, CallState.IN_IVR: 1, CallState.QUEUED: 2,
         CallState.ANSWERED: 3, CallState.ENDED: 4, CallState.MISSED: 4,
         CallState.VOICEMAIL: 4}
#: States in which agents' phones ring: the screen pop shows.
RINGING_STATES = (CallState.RINGING, CallState.QUEUED)
FINAL_STATES = (CallState.ENDED, CallState.MISSED, CallState.VOICEMAIL)


def derive(call: Call) -> CallState:
    """The state the call's facts describe."""
    if call.answered_at:
        return CallState.ENDED if call.ended_at else CallState.ANSWERED
    if call.voicemail_at:
        return CallState.VOICEMAIL
    if call.missed_at or (call.ended_at and call.offered_at):
        return CallState.MISSED
    if call.ended_at:
        return CallState.ENDED
    if call.offered_at:
        return CallState.QUEUED if call.ivr_at else CallState.RINGING
    return CallState.IN_IVR if call.ivr_at else CallState.RINGING


def refresh(call: Call) -> CallState:
    """Move the call to the state its facts describe, unless that is an earlier stage."""
    new = derive(call)
    old = CallState(call.state) if call.state else CallState.RINGING
    if STAGE[new] >= STAGE[old]:
        call.state = new
    return call.state
