"""Mail that no person wrote: auto-replies, bounces and bulk mail.

Such mail is stored but never opens a ticket and never gets an answer, or two auto-
responders would write to each other for ever. Headers decide first (RFC 3834
`Auto-Submitted`, `Precedence`, the X-Autoreply family, list headers, delivery reports,
mailer-daemon senders); the subject catches the vacation replies that set no header.
A bounce also tells which of our mails failed, from its delivery-status report.
"""
from __future__ import annotations

import re
from email.message import Message
from email.parser import BytesHeaderParser
from typing import Callable

from channels.email_text import clean

BOUNCE, AUTO_REPLY, BULK = "bounce", "auto_reply", "bulk"

SYSTEM_SENDERS = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.I)
AUTO_SUBJECT = re.compile(
    r"^\s*(?:(?:re|tl|aw|fw|fwd)\s*:\s*)*(?:out of (?:the )?office|automatic reply|auto[- ]?reply|"
    r"autoreply|auto response|trả lời tự động|tự động trả lời|thư trả lời tự động|vắng mặt|"
    r"đang nghỉ phép|vacation)\b", re.I)
BOUNCE_SUBJECT = re.compile(
    r"^\s*(?:undeliverable|undelivered mail|delivery status notification \(failure\)|"
    r"mail delivery failed|returned mail|failure notice|delivery failure|"
    r"không gửi được thư|thư không được gửi)", re.I)
EXCHANGE_SUPPRESS = {"all", "dr", "autoreply", "oof"}
MESSAGE_ID = re.compile(r"^message-id:\s*(<[^>\s]+>)", re.I | re.M)

Headers = Callable[[str], str]


def classify(get: Headers, msg: Message, sender: str, subject: str) -> tuple[str, str] | None:
    """(kind, reason) when the mail was sent by a machine, else None."""
    content_type = msg.get_content_type()
    report_type = (msg.get_param("report-type") or "")
    report_type = report_type.lower() if isinstance(report_type, str) else ""
    if content_type == "multipart/report" and report_type == "delivery-status":
        return BOUNCE, "Content-Type: multipart/report; report-type=delivery-status"
    if SYSTEM_SENDERS.match(sender):
        return BOUNCE, f"From: {sender}"
    if content_type == "multipart/report":
        return AUTO_REPLY, f"Content-Type: multipart/report; report-type={report_type or '?'}"
    if (value := get("Auto-Submitted").strip().lower()) and value != "no":
        return AUTO_REPLY, f"Auto-Submitted: {value}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponse"):
        if get(name):
            return AUTO_REPLY, f"{name}: {get(name).strip()}"
    suppress = {v.strip().lower() for v in get("X-Auto-Response-Suppress").split(",")}
    if suppress & EXCHANGE_SUPPRESS:
        return AUTO_REPLY, f"X-Auto-Response-Suppress: {get('X-Auto-Response-Suppress')}"
    precedence = get("Precedence").strip().lower()
    if precedence == "auto_reply":
        return AUTO_REPLY, "Precedence: auto_reply"
    if precedence in ("bulk", "junk", "list"):
        return BULK, f"Precedence: {precedence}"
    for name in ("List-Id", "List-Unsubscribe"):
        if get(name):
            return BULK, f"{name}: {get(name).strip()[:100]}"
    if BOUNCE_SUBJECT.match(subject):
        return BOUNCE, f"Subject: {subject[:100]}"
    if AUTO_SUBJECT.match(subject):
        return AUTO_REPLY, f"Subject: {subject[:100]}"
    if get("Return-Path").strip() == "<>":
        return AUTO_REPLY, "Return-Path: <>"
    return None


def _recipient_fields(report: Message) -> dict[str, str]:
    """The first per-recipient block of a message/delivery-status part."""
    blocks = report.get_payload() if report.is_multipart() else []
    for block in blocks[1:] or blocks:
        if isinstance(block, Message) and (block.get("Action") or block.get("Status")):
            return {k.lower(): " ".join(str(v).split()) for k, v in block.items()}
    return {}


def _original_message_id(part: Message) -> str | None:
    if part.get_content_type() == "message/rfc822" and part.is_multipart():
        inner = part.get_payload()[0]
        return inner.get("Message-ID") if isinstance(inner, Message) else None
    headers = BytesHeaderParser().parsebytes(part.get_payload(decode=True) or b"")
    return headers.get("Message-ID")


def bounce_details(msg: Message, text: str) -> dict:
    """What a bounce says: the failed mail's Message-ID, the recipient, status and reason."""
    fields, original = {}, None
    for part in msg.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status" and not fields:
            fields = _recipient_fields(part)
        elif kind in ("message/rfc822", "text/rfc822-headers",
                      "message/rfc822-headers") and original is None:
            original = _original_message_id(part)
    if original is None and (found := MESSAGE_ID.search(text)):
        original = found.group(1)
    recipient = fields.get("final-recipient", fields.get("original-recipient", ""))
    action, status = fields.get("action", "").lower(), fields.get("status", "")
    diagnostic = fields.get("diagnostic-code", "").partition(";")[2].strip()
    permanent = action == "failed" or status.startswith("5") or (
        not fields and not re.search(r"delay|will retry|trì hoãn|warning", text, re.I))
    return {
        "original_message_id": clean(str(original)).strip().strip("<>") or None
        if original else None,
        "recipient": recipient.partition(";")[2].strip() or recipient,
        "action": action or None, "status": status or None,
        "diagnostic": clean(diagnostic)[:300] or None, "permanent": permanent,
        "reason": clean(" ".join(filter(None, (status, diagnostic))))[:480]
        or " ".join(text.split())[:300] or "bounce",
    }
