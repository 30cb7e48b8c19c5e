"""A voicemail (or a recorded conversation) becomes a message on a ticket.

The message is stored at once with the recording's URL, so nothing is lost if the
download fails; the audio is fetched by a job (`crm.calls.jobs.fetch_recording`) and
stored as the message's attachment. Audio sent inline (the PBX may) is stored at once.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from channels.base import ContactRef, InboundAttachment, InboundMessage
from channels.calls import Recording
from crm.bot import answers
from crm.calls import services
from crm.calls.labels import duration_label
from crm.core import queue
from crm.inbox.ingest import IngestContext, ingest
from crm.models import Call, CallOutcome, utcnow

#: Why the caller was recorded, from the IVR branch that asked (Twilio passes it back).
OUTAGE, VOICEMAIL = "outage", "voicemail"
EXTENSIONS = {"audio/mpeg": "mp3", "audio/wav": "wav", "audio/x-wav": "wav", "audio/ogg": "ogg"}


def store(call: Call, recording: Recording, purpose: str = VOICEMAIL,
          at: datetime | None = None) -> IngestContext | None:
    """Thread the recording into a ticket (an outage report for `purpose` "outage", else the
    caller's open hotline ticket or a new one); idempotent per recording. Flushes.

    A caller whose number is withheld has no customer to file it under: None.
    """
    customer = call.customer
    if customer is None:
        return None
    is_voicemail = call.answered_at is None
    if purpose == OUTAGE and is_voicemail:
        report = answers.report_outage(customer, channel="hotline",
                                       text=_("Báo mất điện qua tổng đài 1900 (lời nhắn thoại)."))
        services.conclude(call, CallOutcome.MESSAGE_LEFT, ticket=report.ticket)
    ctx = ingest(_inbound(call, recording, is_voicemail))
    if is_voicemail:
        services.conclude(call, CallOutcome.MESSAGE_LEFT, ticket=ctx.ticket)
        services.mark_voicemail(call, at or utcnow())
    elif ctx.ticket is not None:
        services.conclude(call, CallOutcome.AGENT, ticket=ctx.ticket)
    if recording.url and ctx.message is not None and not ctx.message.attachments:
        queue.enqueue("crm.calls.jobs.fetch_recording", ctx.message.id)
    return ctx


def filename(call: Call, content_type: str) -> str:
    extension = EXTENSIONS.get(content_type.split(";")[0].strip().lower(), "mp3")
    return f"ghi-am-{call.provider_call_id}.{extension}"


def _inbound(call: Call, recording: Recording, is_voicemail: bool) -> InboundMessage:
    length = duration_label(recording.duration)
    if is_voicemail:
        text = _("Lời nhắn thoại qua tổng đài (%(length)s).", length=length) if length else \
            _("Lời nhắn thoại qua tổng đài.")
    else:
        text = _("Ghi âm cuộc gọi (%(length)s).", length=length) if length else \
            _("Ghi âm cuộc gọi.")
    attachments = ()
    if recording.data is not None:
        attachments = (InboundAttachment(filename(call, recording.content_type),
                                         recording.content_type, recording.data),)
    kind = "voicemail" if is_voicemail else "recording"
    meta = {"kind": kind, "call_id": call.id, "provider": str(call.provider),
            "recording_url": recording.url, "duration": recording.duration}
    return InboundMessage(
        channel="hotline", external_id=f"rec-{call.provider}-{recording.recording_id}"[:255],
        sender=ContactRef("phone", call.from_number), received_at=utcnow(), text=text,
        subject=_("Lời nhắn thoại qua tổng đài 1900") if is_voicemail else None,
        thread_hint=call.ticket.code if call.ticket is not None else None, kind=kind,
        attachments=attachments, meta={k: v for k, v in meta.items() if v is not None})
