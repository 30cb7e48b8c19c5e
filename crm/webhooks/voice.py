"""Hotline webhooks: Twilio Voice (the IVR) and the PBX connector's call events.

Twilio: `POST /channels/twilio/voice` (a call arrives), `…/gather` (keys pressed), `…/dial`
(how putting the caller through ended), `…/status` (call and agent-leg status callbacks),
`…/recording` (the <Record> action and its status callback). Configure the number's
"A call comes in" webhook with the first and "Call status changes" with `…/status`; the
IVR gives Twilio the others itself, absolute on PUBLIC_BASE_URL.
PBX: `POST /channels/pbx/events` (the contract is in `channels.pbx`).

Every request is verified first (403, nothing stored), then parsed (400 with the reason),
then applied to the call log in this request's transaction.
"""
from __future__ import annotations

from flask import Response, jsonify, request

from channels.calls import ANSWERED, RECORDING, CallEvent
from channels.pbx import Pbx
from channels.twilio_voice import TwilioVoice
from crm.calls import ivr, recordings, services
from crm.core import channel_state
from crm.extensions import db
from crm.webhooks import adapter, bearer_token, blueprint, fail, in_vietnamese, verified

bp = blueprint("voice", __name__)


@bp.post("/twilio/voice")
@in_vietnamese
def incoming():
    """A call reaches our number: greet the caller and read the menu."""
    call, _repeat = services.record_event(_twilio_event("incoming"))
    return _twiml(ivr.welcome(call))


@bp.post("/twilio/voice/gather")
@in_vietnamese
def gather():
    """Keys pressed (or none) in the menu (`menu=main`) or the code prompt (`menu=code`)."""
    event = _twilio_event("gather")
    call, _repeat = services.record_event(event)
    menu = request.args.get("menu", "main")
    attempt = min(max(request.args.get("attempt", 0, type=int) or 0, 0), ivr.MAX_REPEATS)
    return _twiml(ivr.on_keys(call, menu, attempt, event.digits))


@bp.post("/twilio/voice/dial")
@in_vietnamese
def dial():
    """How putting the caller through ended: talked (hang up) or not (voicemail)."""
    event = _twilio_event("dial")
    call, _repeat = services.record_event(event)
    return _twiml(ivr.after_dial(call, answered=event.kind == ANSWERED))


@bp.post("/twilio/voice/status")
@in_vietnamese
def status():
    """Twilio's status callback: the call ended (duration), or an agent answered."""
    services.record_event(_twilio_event("status"))
    db.session.commit()
    return "", 204


@bp.post("/twilio/voice/recording")
@in_vietnamese
def recording():
    """A recording is ready: stored as a ticket message. The <Record> action (no
    RecordingStatus) is answered with TwiML thanking the caller; the status callback with 204."""
    event = _twilio_event("recording")
    call, _repeat = services.record_event(event)
    ctx = None
    if event.kind == RECORDING:
        purpose = request.args.get("purpose", recordings.VOICEMAIL)
        ctx = recordings.store(call, event.recording, purpose, event.at)
    if request.form.get("RecordingStatus"):
        db.session.commit()
        return "", 204
    return _twiml(ivr.after_recording(ctx))


@bp.post("/pbx/events")
@in_vietnamese
def pbx_events():
    """One call event from the PBX connector (bearer token; JSON, see `channels.pbx`)."""
    pbx = adapter(Pbx)
    if not bearer_token():
        fail(401, "Authorization: Bearer <PBX_EVENTS_TOKEN> is required")
    event = verified(pbx, lambda req: pbx.parse_call(req))
    call, repeat = services.record_event(event)
    if event.kind == RECORDING and not repeat:
        recordings.store(call, event.recording, recordings.VOICEMAIL, event.at)
    channel_state.record_inbound(pbx.name)
    db.session.commit()
    return jsonify(ok=True, call=call.id, state=str(call.state), duplicate=repeat)


def _twilio_event(step: str) -> CallEvent:
    voice = adapter(TwilioVoice)
    event = verified(voice, lambda req: voice.parse_call(req, step))
    channel_state.record_inbound(voice.name)
    return event


def _twiml(body: str) -> Response:
    """Commit what the step changed, then answer with its TwiML."""
    db.session.commit()
    return Response(body, mimetype="text/xml")


