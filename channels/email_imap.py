"""Reading a mailbox over IMAP (stdlib imaplib), by UID, without marking anything read.

IMAP_URL: `imaps://user:pass@host:993/INBOX` (TLS) or `imap://…:143/INBOX` (STARTTLS when
the server offers it). A UID names one message only as long as the mailbox keeps its
UIDVALIDITY; the caller keeps (mailbox, uidvalidity, last_uid) and starts over when the
server changes it. `BODY.PEEK[]` leaves `\\Seen` alone, so people using the same mailbox
still see the mail as new.
"""
from __future__ import annotations

import imaplib
import re
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from channels.base import ChannelError

TIMEOUT = 60


class MailboxError(ChannelError):
    """The mailbox cannot be reached, logged into or selected."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    user: str
    password: str
    mailbox: str
    tls: bool

    @property
    def key(self) -> str:
        """Names the mailbox in `mail_poll_state` (no password)."""
        return f"{self.user}@{self.host}:{self.port}/{self.mailbox}"[:255]


def parse_url(url: str) -> ImapSettings:
    parts = urlsplit(url or "")
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise MailboxError("IMAP_URL must look like imaps://user:pass@host:993/INBOX")
    tls = parts.scheme == "imaps"
    return ImapSettings(host=parts.hostname, port=parts.port or (993 if tls else 143),
                        user=unquote(parts.username or ""), password=unquote(parts.password or ""),
                        mailbox=unquote(parts.path.lstrip("/")) or "INBOX", tls=tls)


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapMailbox:
    """One selected mailbox: its UIDVALIDITY, the UIDs above a mark, one message's bytes."""

    def __init__(self, url: str):
        self.settings = parse_url(url)
        self.conn: imaplib.IMAP4 | None = None
        self.uidvalidity: int | None = None

    def __enter__(self) -> "ImapMailbox":
        s, context = self.settings, ssl.create_default_context()
        try:
            if s.tls:
                self.conn = imaplib.IMAP4_SSL(s.host, s.port, ssl_context=context, timeout=TIMEOUT)
            else:
                self.conn = imaplib.IMAP4(s.host, s.port, timeout=TIMEOUT)
                if "STARTTLS" in self.conn.capabilities:
                    self.conn.starttls(context)
            self.conn.login(s.user, s.password)
            status, _data = self.conn.select(_quoted(s.mailbox))
            if status != "OK":
                raise MailboxError(f"cannot select mailbox {s.mailbox!r}")
            _code, values = self.conn.response("UIDVALIDITY")
            self.uidvalidity = int(values[0]) if values and values[0] else None
        except (imaplib.IMAP4.error, OSError, ValueError) as exc:
            self.__exit__(None, None, None)
            raise MailboxError(f"IMAP {s.host}: {exc}") from exc
        return self

    def __exit__(self, *_exc) -> None:
        if self.conn is not None:
            try:
                self.conn.logout()
            except (imaplib.IMAP4.error, OSError):
                pass
            self.conn = None

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above `last_uid`, ascending (`n:*` also returns the top UID when below n)."""
        try:
            status, data = self.conn.uid("SEARCH", f"UID {last_uid + 1}:*")
        except (imaplib.IMAP4.error, OSError) as exc:
            raise MailboxError(f"UID SEARCH failed: {exc}") from exc
        if status != "OK":
            raise MailboxError(f"UID SEARCH failed: {data!r}")
        found = re.findall(rb"\d+", b" ".join(d for d in data if isinstance(d, bytes)))
        return sorted(uid for uid in map(int, found) if uid > last_uid)

    def fetch(self, uid: int) -> bytes | None:
        """The raw message, or None when it was expunged meanwhile."""
        try:
            status, data = self.conn.uid("FETCH", str(uid), "(BODY.PEEK[])")
        except (imaplib.IMAP4.error, OSError) as exc:
            raise MailboxError(f"UID FETCH {uid} failed: {exc}") from exc
        if status != "OK":
            raise MailboxError(f"UID FETCH {uid} failed: {data!r}")
        return next((item[1] for item in data if isinstance(item, tuple)), None)
