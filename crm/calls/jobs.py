"""Background jobs of the hotline: fetching recordings, and retrying those that failed."""
from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

import channels
from channels.calls import DownloadError
from crm.calls.recordings import filename
from crm.core import channel_state, queue, schedule, storage
from crm.extensions import db
from crm.models import Attachment, Call, Channel, Message, utcnow

log = logging.getLogger(__name__)

#: Tries of one recording before it is left for a person to fetch (its URL stays shown).
MAX_ATTEMPTS = 5
#: Recordings older than this are not retried (providers delete them eventually).
RETRY_WINDOW = timedelta(days=2)
ADAPTERS = {"twilio": "twilio_voice", "pbx": "pbx"}


def fetch_recording(message_id: int) -> None:
    """Download a message's recording into an attachment; idempotent. A failure is kept in
    the message's meta (`download_error`, `download_attempts`) for the retry sweep."""
    message = db.session.get(Message, message_id, with_for_update=True)
    if message is None or message.attachments or not message.meta.get("recording_url"):
        return
    meta = dict(message.meta)
    call = db.session.get(Call, meta.get("call_id"))
    try:
        adapter = channels.by_name(ADAPTERS[meta.get("provider", "twilio")])(
            current_app.config["CHANNELS"])
        data, content_type = adapter.fetch_recording(
            meta["recording_url"], current_app.config["MAX_ATTACHMENT_BYTES"])
        storage.store(data, filename(call, content_type) if call else "ghi-am.mp3",
                      content_type, message_id=message.id, ticket_id=message.ticket_id)
    except (DownloadError, storage.AttachmentRejected, KeyError) as exc:
        attempts = int(meta.get("download_attempts", 0)) + 1
        retryable = getattr(exc, "retryable", False) and attempts < MAX_ATTEMPTS
        message.meta = {**meta, "download_error": str(exc)[:300], "download_attempts":
                        attempts if retryable else MAX_ATTEMPTS}
        log.warning("recording of message %s not fetched: %s", message_id, exc)
        channel_state.record_error(ADAPTERS.get(meta.get("provider"), "twilio_voice"),
                                   f"recording of message {message_id}: {exc}")
        return
    meta.pop("download_error", None)
    message.meta = {**meta, "downloaded_at": utcnow().isoformat()}


def retry_recordings() -> int:
    """Periodic: enqueue recordings still without audio that may be fetched yet."""
    rows = db.session.scalars(
        sa.select(Message).where(
            Message.channel == Channel.HOTLINE, Message.created_at >= utcnow() - RETRY_WINDOW,
            Message.provider_message_id.like("rec-%"),
            ~sa.exists().where(Attachment.message_id == Message.id))
        .order_by(Message.id).limit(200)).all()
    due = [m.id for m in rows if m.meta.get("recording_url") and m.meta.get("download_error")
           and int(m.meta.get("download_attempts", 0)) < MAX_ATTEMPTS]
    for message_id in due:
        queue.enqueue(fetch_recording, message_id)     # handed over when the job commits
    return len(due)


schedule.register("calls-retry-recordings", f"{__name__}.retry_recordings", every=600)
