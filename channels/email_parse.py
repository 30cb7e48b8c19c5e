"""One RFC 822 message (bytes, as a relay posts it or IMAP returns it) → an InboundMessage.

The stdlib parser with `policy.default` reads the tree; when it trips over a broken one the
legacy `compat32` policy reads it again. Headers are decoded from their raw text by us
(RFC 2047 words in any charset, raw 8-bit UTF-8), so one odd header never loses the mail.
Whatever can be read is kept: a missing end boundary, bad base64 or an unknown charset
costs a few characters, not the message. Only mail without a sender address is refused.
"""
from __future__ import annotations

import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from channels.base import BadPayload, ContactRef, InboundAttachment, InboundMessage
from channels.email_auto import BOUNCE, bounce_details, classify
from channels.email_quotes import quote_start
from channels.email_text import clean, decode_bytes, html_to_text, remote_images

#: Text kept per message; the rest of a giant body is cut (attachments are stored whole).
MAX_TEXT = 1_000_000
MAX_DEPTH = 20
_ID = re.compile(r"<([^<>\s]+)>")
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_LOOSE_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


def header(msg: Message, name: str) -> str:
    """The decoded value of the first `name` header ("" when absent), never raising."""
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return decode_words(str(value))
    return ""


def decode_words(raw: str) -> str:
    """RFC 2047 encoded words (any charset, unknown ones too) decoded, unfolded, NFC."""
    try:
        pieces = decode_header(raw)
        text = "".join(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk
                       for chunk, charset in pieces)
    except Exception:   # a malformed encoded word: show the raw text rather than nothing
        text = raw
    return " ".join(clean(text).split())


def message_ids(value: str) -> list[str]:
    """The ids in a Message-ID, In-Reply-To or References header, without brackets."""
    return [_id_key(found) for found in _ID.findall(value or "")]


def _id_key(message_id: str) -> str:
    """How an id is stored: as written, or hashed when it is too long for the column."""
    message_id = message_id.strip().strip("<>")
    if len(message_id) > 250:
        return "sha256:" + hashlib.sha256(message_id.encode()).hexdigest()
    return message_id


def _sender(msg: Message) -> ContactRef:
    """From (else Sender, Reply-To); a header too broken to parse still yields its address."""
    for name in ("From", "Sender", "Reply-To"):
        values = [str(v) for k, v in msg.raw_items() if k.lower() == name.lower()]
        for display, address in getaddresses(values):
            address = clean(address).strip().lower()
            if _ADDRESS.match(address) and len(address) <= 254:
                return ContactRef("email", address, decode_words(display)[:200] or None)
        for found in _LOOSE_ADDRESS.findall(" ".join(values)):
            if len(found) <= 254:
                return ContactRef("email", clean(found).lower())
    raise BadPayload("the message has no sender address (From)")


@dataclass
class _Parts:
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[InboundAttachment] = field(default_factory=list)
    inline_images: int = 0


def _text_of(part: Message) -> str:
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return decode_bytes(part.get_payload(decode=True), charset)


def _is_body(part: Message) -> bool:
    return part.get_content_type() in ("text/plain", "text/html") and \
        part.get_content_disposition() != "attachment" and not part.get_filename()


def _attachment(part: Message, out: _Parts) -> None:
    kind = part.get_content_type()
    try:
        filename = decode_words(part.get_filename() or "")
    except Exception:
        filename = ""
    if not filename:
        filename = f"tep-{len(out.attachments) + 1}{mimetypes.guess_extension(kind) or '.bin'}"
    if kind.startswith("image/") and part.get("Content-ID"):
        out.inline_images += 1
    out.attachments.append(InboundAttachment(filename, kind, part.get_payload(decode=True) or b""))


def _forwarded(inner: Message, out: _Parts, depth: int) -> None:
    """A mail attached to the mail: its text follows, its files join the attachments."""
    out.texts.append("---------- Forwarded message ----------\n"
                     f"From: {header(inner, 'From')}\nDate: {header(inner, 'Date')}\n"
                     f"Subject: {header(inner, 'Subject')}")
    collect(inner, out, depth + 1)


def _alternative(children: list, out: _Parts, depth: int) -> None:
    """multipart/alternative: the plain version for text, the richest HTML for display."""
    versions = []
    for child in children:
        version = _Parts()
        collect(child, version, depth + 1)
        versions.append(version)
    plain = next((v for v in versions if v.texts), None)
    rich = next((v for v in reversed(versions) if v.htmls), None)
    if plain is not None:
        out.texts.extend(plain.texts)
    elif rich is not None:
        out.texts.append(html_to_text("\n".join(rich.htmls)))
    if rich is not None:
        out.htmls.extend(rich.htmls)
    for version in versions:
        out.attachments.extend(version.attachments)
        out.inline_images += version.inline_images


def collect(part: Message, out: _Parts, depth: int = 0) -> None:
    """Walk the MIME tree: body text and HTML, attachments; reports only their first part."""
    if depth > MAX_DEPTH:
        return
    kind = part.get_content_type()
    payload = part.get_payload()
    if kind == "message/rfc822" and isinstance(payload, list) and payload:
        _forwarded(payload[0], out, depth)
    elif kind.startswith("multipart/") and not isinstance(payload, list):
        out.texts.append(_text_of(part))           # no usable boundary: read it as text
    elif part.is_multipart() and isinstance(payload, list):
        if kind == "multipart/alternative":
            _alternative(payload, out, depth)
            return
        for child in payload[:1] if kind == "multipart/report" else payload:
            collect(child, out, depth + 1)
    elif _is_body(part):
        target = out.htmls if kind == "text/html" else out.texts
        target.append(_text_of(part))
    else:
        _attachment(part, out)


def _defects(msg: Message) -> list[str]:
    names = {type(defect).__name__ for part in msg.walk() for defect in part.defects}
    return sorted(names)[:10]


def _date(msg: Message) -> str | None:
    try:
        return parsedate_to_datetime(header(msg, "Date")).astimezone(timezone.utc).isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def _addresses(msg: Message, name: str) -> list[str]:
    values = [str(v) for k, v in msg.raw_items() if k.lower() == name.lower()]
    return [clean(a).lower() for _n, a in getaddresses(values) if "@" in a][:20]


def _meta(msg: Message, raw: bytes, text: str, html: str | None, parts: _Parts,
          sender: ContactRef, subject: str) -> dict:
    meta = {"message_id": (message_ids(header(msg, "Message-ID")) or [None])[0],
            "in_reply_to": message_ids(header(msg, "In-Reply-To")),
            "references": message_ids(header(msg, "References"))[-20:],
            "from": sender.address, "date": _date(msg), "to": _addresses(msg, "To"),
            "cc": _addresses(msg, "Cc"),
            "size": len(raw)}
    if (at := quote_start(text)) is not None:
        meta["quote_at"] = at
    if count := remote_images(html):
        meta["remote_images"] = count
    if parts.inline_images:
        meta["inline_images"] = parts.inline_images
    if defects := _defects(msg):
        meta["defects"] = defects
    if automatic := classify(lambda name: header(msg, name), msg, sender.address, subject):
        meta["automatic"], meta["automatic_reason"] = automatic
        if automatic[0] == BOUNCE:
            meta["bounce"] = bounce_details(msg, text)
    return meta


def _parse(raw: bytes, parse_policy, received_at: datetime,
           headers_only: bool = False) -> InboundMessage:
    msg = BytesParser(policy=parse_policy).parsebytes(raw, headersonly=headers_only)
    sender = _sender(msg)
    subject = header(msg, "Subject")[:300]
    parts = _Parts()
    collect(msg, parts)
    html = "\n".join(h for h in parts.htmls if h.strip())[:MAX_TEXT] or None
    text = "\n\n".join(t.strip() for t in parts.texts if t.strip()) or html_to_text(html)
    meta = _meta(msg, raw, text, html, parts, sender, subject)
    if parse_policy is policy.compat32:
        meta["legacy_parser"] = True
    if headers_only:
        meta["unreadable_mime"] = True
    if len(text) > MAX_TEXT:
        text, meta["truncated"] = text[:MAX_TEXT], True
    ids = [*meta["in_reply_to"], *meta["references"]]
    return InboundMessage(
        channel="email", sender=sender, received_at=received_at, text=text, html=html,
        subject=subject or None, attachments=tuple(parts.attachments), meta=meta,
        external_id=meta["message_id"] or "sha256:" + hashlib.sha256(raw).hexdigest(),
        thread_hint=" ".join([*ids, subject]).strip() or None)


def parse_message(raw: bytes, received_at: datetime | None = None) -> InboundMessage:
    """The message in `raw`; raises BadPayload when it is empty or has no sender address."""
    if not raw or not raw.strip():
        raise BadPayload("the message is empty")
    received_at = received_at or datetime.now(timezone.utc)
    # The modern policy first; the legacy one is laxer; a tree neither can walk (nested
    # thousands deep) is kept as its headers and its body as text.
    attempts = ((policy.default, False), (policy.compat32, False), (policy.compat32, True))
    for parse_policy, headers_only in attempts:
        try:
            return _parse(raw, parse_policy, received_at, headers_only)
        except BadPayload:
            raise
        except Exception as exc:
            failure = exc
    raise BadPayload(f"the message cannot be read: {type(failure).__name__}") from failure
