"""One pass over the IMAP mailbox in IMAP_URL: `flask channels poll-email` and a periodic job.

Each mail is ingested and committed on its own, together with the mailbox's new last UID,
so a crash never loses or repeats one. A mail that cannot be read is reported and passed
(the UID advances past what was stored or reported); a database that cannot be reached
stops the pass with the UID where it was. A new UIDVALIDITY reads the mailbox again from
the start: ingest's dedupe by Message-ID keeps what is already stored from coming twice.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app

from channels.base import BadPayload, NotConfigured
from channels.email_imap import ImapMailbox, MailboxError
from crm.core import channel_state
from crm.extensions import db
from crm.inbox import mail
from crm.models import MailPollState, utcnow

log = logging.getLogger(__name__)

#: Mails read per pass at most; the next pass goes on from there.
BATCH = 200
MAX_ERRORS = 100
#: Errors that say the database is unreachable, not that one mail is bad: stop the pass.
DATABASE_DOWN = (sa.exc.OperationalError, sa.exc.InterfaceError)


def _state(key: str) -> MailPollState:
    state = db.session.get(MailPollState, key)
    if state is None:
        state = MailPollState(mailbox=key, last_uid=0)
        db.session.add(state)
    return state


def _store(raw: bytes | None, summary: dict) -> None:
    """Ingest one mail, counting what happened; raises what the caller must report."""
    if raw is None:                      # expunged between SEARCH and FETCH
        summary["vanished"] += 1
        return
    ctx = mail.receive(raw)
    key = "duplicates" if ctx.duplicate else "stored"
    summary[key] += 1
    if not ctx.duplicate and ctx.inbound.meta.get("automatic"):
        summary["automatic"] += 1


def _report(summary: dict, uid: int, error: str) -> None:
    db.session.rollback()
    if len(summary["errors"]) < MAX_ERRORS:
        summary["errors"].append({"uid": uid, "error": error[:300]})
    channel_state.record_error("email", f"IMAP UID {uid}: {error}")


def _one(box: ImapMailbox, uid: int, summary: dict) -> None:
    """Fetch, store and commit one mail with the new last UID."""
    raw = box.fetch(uid)                 # MailboxError: stop here, this UID is read next time
    summary["fetched"] += 1
    try:
        _store(raw, summary)
    except BadPayload as exc:
        _report(summary, uid, str(exc))
    except DATABASE_DOWN:
        db.session.rollback()
        raise
    except Exception as exc:             # one odd mail must not block the mailbox for ever
        log.exception("e-mail UID %s could not be stored", uid)
        _report(summary, uid, f"{type(exc).__name__}: {exc}")
    _state(box.settings.key).last_uid = uid
    db.session.commit()


def poll(limit: int = BATCH) -> dict:
    """Read the new mail of IMAP_URL; the summary as a dict. Raises NotConfigured, MailboxError."""
    url = current_app.config["CHANNELS"].get("IMAP_URL")
    if not url:
        raise NotConfigured("email")
    summary = {"mailbox": None, "uidvalidity": None, "uidvalidity_changed": False, "fetched": 0,
               "stored": 0, "duplicates": 0, "automatic": 0, "vanished": 0, "remaining": 0,
               "errors": []}
    with ImapMailbox(url) as box:
        state = _state(box.settings.key)
        summary.update(mailbox=box.settings.key, uidvalidity=box.uidvalidity)
        if state.uidvalidity != box.uidvalidity:
            summary["uidvalidity_changed"] = state.uidvalidity is not None
            state.uidvalidity, state.last_uid = box.uidvalidity, 0
        db.session.commit()
        uids = box.uids_after(state.last_uid)
        summary["remaining"] = max(len(uids) - limit, 0)
        for uid in uids[:limit]:
            _one(box, uid, summary)
        _state(box.settings.key).polled_at = utcnow()
        db.session.commit()
    return summary


def poll_job() -> None:
    """Periodic job: one pass; an unreachable mailbox is logged and noted, never raised."""
    try:
        summary = poll()
    except NotConfigured:
        return
    except MailboxError as exc:
        log.warning("e-mail poll failed: %s", exc)
        channel_state.record_error("email", str(exc))
        return
    if summary["fetched"]:
        log.info("e-mail poll: %s", summary)
