"""A small IMAP4rev1 server on loopback, enough for the poller: LOGIN, SELECT (with
UIDVALIDITY and UIDNEXT), UID SEARCH, UID FETCH BODY.PEEK[] / RFC822, NOOP, LOGOUT.

It keeps one mailbox in memory and a log of every UID fetched, so tests can prove that
nothing is fetched twice or skipped; `renumber()` gives the mailbox a new UIDVALIDITY, as a
server does after the mailbox is rebuilt.
"""
from __future__ import annotations

import re
import socketserver
import threading
from dataclasses import dataclass, field

_TOKEN = re.compile(rb'"((?:[^"\\]|\\.)*)"|(\S+)')


def _tokens(line: bytes) -> list[str]:
    words = []
    for match in _TOKEN.finditer(line):
        quoted = match.group(1)
        words.append(quoted.replace(b'\\"', b'"').replace(b"\\\\", b"\\")
                     if quoted is not None else match.group(2))
    return [w.decode() for w in words]


@dataclass
class Mailbox:
    user: str = "cskh@pc05.vn"
    password: str = 'p@ss "w" 1'
    name: str = "INBOX"
    uidvalidity: int = 1700000001
    next_uid: int = 1
    messages: dict[int, bytes] = field(default_factory=dict)
    fetched: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, raw: bytes) -> int:
        with self.lock:
            uid, self.next_uid = self.next_uid, self.next_uid + 1
            self.messages[uid] = raw
            return uid

    def expunge(self, uid: int) -> None:
        with self.lock:
            del self.messages[uid]

    def renumber(self, uidvalidity: int, first_uid: int = 1) -> None:
        """A rebuilt mailbox: the same mail under new UIDs and a new UIDVALIDITY."""
        with self.lock:
            old = [self.messages[u] for u in sorted(self.messages)]
            self.uidvalidity, self.messages = uidvalidity, {}
            for offset, raw in enumerate(old):
                self.messages[first_uid + offset] = raw
            self.next_uid = first_uid + len(old)

    def search(self, spec: str) -> list[int]:
        """UID SEARCH UID a:b with IMAP's quirk: `*` is the highest UID, ranges may reverse."""
        uids = sorted(self.messages)
        if not uids:
            return []
        low, _, high = spec.partition(":")
        top = uids[-1]
        a = top if low == "*" else int(low)
        b = a if not high else (top if high == "*" else int(high))
        a, b = min(a, b), max(a, b)
        return [u for u in uids if a <= u <= b]


class _Handler(socketserver.StreamRequestHandler):
    def send(self, line: str | bytes) -> None:
        self.wfile.write((line.encode() if isinstance(line, str) else line) + b"\r\n")

    def handle(self) -> None:
        box: Mailbox = self.server.mailbox
        self.send("* OK [CAPABILITY IMAP4rev1] CSKH test IMAP ready")
        authenticated = selected = False
        while line := self.rfile.readline():
            words = _tokens(line.rstrip(b"\r\n"))
            if len(words) < 2:
                self.send("* BAD empty command")
                continue
            tag, command, args = words[0], words[1].upper(), words[2:]
            if command == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1")
            elif command == "NOOP":
                pass
            elif command == "LOGOUT":
                self.send("* BYE logging out")
                self.send(f"{tag} OK LOGOUT completed")
                return
            elif command == "LOGIN":
                if args != [box.user, box.password]:
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] invalid credentials")
                    continue
                authenticated = True
            elif not authenticated:
                self.send(f"{tag} BAD log in first")
                continue
            elif command in ("SELECT", "EXAMINE"):
                if args != [box.name]:
                    self.send(f"{tag} NO no such mailbox")
                    continue
                selected = True
                self.send(f"* {len(box.messages)} EXISTS")
                self.send("* 0 RECENT")
                self.send(f"* OK [UIDVALIDITY {box.uidvalidity}] UIDs valid")
                self.send(f"* OK [UIDNEXT {box.next_uid}] Predicted next UID")
                self.send("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)")
                self.send(f"{tag} OK [READ-WRITE] {command} completed")
                continue
            elif command == "UID" and selected and args:
                if not self._uid(tag, args[0].upper(), args[1:], box):
                    continue
            else:
                self.send(f"{tag} BAD unknown command {command}")
                continue
            self.send(f"{tag} OK {command} completed")

    def _uid(self, tag: str, sub: str, args: list[str], box: Mailbox) -> bool:
        if sub == "SEARCH" and len(args) == 2 and args[0].upper() == "UID":
            found = box.search(args[1])
            self.send("* SEARCH" + "".join(f" {u}" for u in found))
            return True
        if sub == "FETCH" and len(args) == 2 and args[1].upper() in ("(BODY.PEEK[])", "(RFC822)"):
            for uid in box.search(args[0]):
                raw = box.messages[uid]
                box.fetched.append(uid)
                item = "BODY[]" if "PEEK" in args[1].upper() else "RFC822"
                seq = sorted(box.messages).index(uid) + 1
                self.send(f"* {seq} FETCH (UID {uid} {item} {{{len(raw)}}}")
                self.wfile.write(raw)
                self.send(")")
            return True
        self.send(f"{tag} BAD unsupported UID {sub}")
        return False


class ImapServer(socketserver.ThreadingTCPServer):
    """`with ImapServer() as imap:` → `imap.url`, `imap.mailbox.add(raw)`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mailbox: Mailbox | None = None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mailbox = mailbox or Mailbox()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        from urllib.parse import quote
        box = self.mailbox
        return (f"imap://{quote(box.user, safe='')}:{quote(box.password, safe='')}"
                f"@127.0.0.1:{self.server_address[1]}/{box.name}")

    def __enter__(self) -> "ImapServer":
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.shutdown()
        self.server_close()
