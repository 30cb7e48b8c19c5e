"""What a call provider (Twilio Voice, the PBX connector) tells us about one call.

Both providers are reduced to the same few event kinds, so one call log, one screen pop
and one voicemail path serve them all. Like every adapter module this imports neither
Flask nor `crm`: the caller's number stays as the provider wrote it (crm normalises it).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from channels.base import ChannelError, header  # noqa: F401  (header: shared by the call adapters)

# The event kinds crm acts on; any other kind is only written to the call's event log.
RINGING = "ringing"        #: ringing at the agents' phones (PBX)
IVR = "ivr"                #: the caller reached our voice menu (Twilio)
GATHER = "gather"          #: the caller pressed keys in the menu
QUEUED = "queued"          #: the caller asked for an agent and is being put through
ANSWERED = "answered"      #: an agent picked up
MISSED = "missed"          #: no agent picked up (the caller may still leave a message)
ENDED = "ended"            #: the call is over
RECORDING = "recording"    #: a voicemail or a recording of the conversation is ready

#: Longest call id, extension and number we keep (providers' ids are far shorter).
MAX_ID = 64


class DownloadError(ChannelError):
    """A recording could not be fetched; `retryable` when a later try may succeed."""

    def __init__(self, message: str, *, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Recording:
    recording_id: str                     #: the provider's id: a redelivery is stored once
    url: str | None = None                #: fetched later, by a job
    data: bytes | None = None             #: or the audio itself, sent inline
    content_type: str = "audio/mpeg"
    duration: int | None = None           #: seconds


@dataclass(frozen=True)
class CallEvent:
    provider: str                         #: "twilio" | "pbx"
    call_id: str                          #: CallSid, or the PBX's unique call id
    kind: str                             #: one of the kinds above, or a provider word to log
    at: datetime                          #: aware UTC
    key: str                              #: this delivery's identity: a repeat is one event
    caller: str | None = None             #: as the provider wrote it
    called: str | None = None
    extension: str | None = None          #: the PBX extension that rings or answered
    duration: int | None = None           #: seconds
    digits: str | None = None             #: keys pressed in the menu
    recording: Recording | None = None
    data: Mapping[str, Any] = field(default_factory=dict)   #: kept in the event log


def delivery_key(explicit: str | None, url: str, body: bytes) -> str:
    """The provider's idempotency id when it sends one, else a digest of the request."""
    if explicit and explicit.strip():
        return explicit.strip()[:MAX_ID]
    return hashlib.sha256(url.encode() + b"\n" + body).hexdigest()[:MAX_ID]


def clean(value: Any, limit: int = MAX_ID) -> str | None:
    """A short text field: trimmed, None when empty."""
    if value is None:
        return None
    text = str(value).strip()
    return text[:limit] or None


