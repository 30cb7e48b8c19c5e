"""Outbound mail: one UTF-8 message built with the stdlib, handed to SMTP_URL with smtplib.

Every mail gets our own Message-ID `<CODE.m<id>.<random>@domain-of-MAIL_FROM>`: a reply
quotes it in In-Reply-To/References, so it threads by the ticket code even when the
customer rewrites the subject, and by the stored id otherwise. Notices (no agent behind
them) say `Auto-Submitted: auto-generated`, so well-behaved auto-responders stay quiet.
"""
from __future__ import annotations

import html
import re
import secrets
import smtplib
import ssl
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import unquote, urlsplit

from channels.base import OutboundMessage, SendResult

CODE = re.compile(r"\bYC\d{4}-\d{6,}\b")
TIMEOUT = 30


def _code(message: OutboundMessage) -> str | None:
    if code := message.meta.get("ticket_code"):
        return str(code)
    found = CODE.search(message.subject or "")
    return found.group(0) if found else None


def new_message_id(message: OutboundMessage, mail_from: str) -> str:
    """`CODE.m<id>.<random>@domain` (without brackets), the code left out off-ticket."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    number = message.idempotency_key.rpartition("-")[2]
    local = ".".join(filter(None, (_code(message), f"m{number}", secrets.token_hex(6))))
    return f"{local}@{domain}"


def _html_version(text: str) -> str:
    """The same words as simple, escaped HTML: paragraphs and line breaks, nothing else."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    body = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return f'<!DOCTYPE html><html lang="vi"><meta charset="utf-8"><body>{body}</body></html>'


def build_message(message: OutboundMessage, mail_from: str,
                  now: datetime | None = None) -> tuple[EmailMessage, str]:
    """The MIME message and its Message-ID (without brackets); ValueError on a bad address."""
    if "@" not in parseaddr(message.to.address)[1]:
        raise ValueError(f"not an e-mail address: {message.to.address!r}")
    mail = EmailMessage(policy=policy.SMTP)
    message_id = new_message_id(message, mail_from)
    first_line = next((line.strip() for line in message.text.splitlines() if line.strip()), "")
    mail["From"] = mail_from
    mail["To"] = message.to.address
    mail["Subject"] = " ".join((message.subject or first_line[:78] or "CSKH").split())
    mail["Date"] = format_datetime(now or datetime.now(timezone.utc))
    mail["Message-ID"] = f"<{message_id}>"
    references = [r for r in message.meta.get("references") or [] if r]
    if message.in_reply_to:
        mail["In-Reply-To"] = f"<{message.in_reply_to}>"
        references = [r for r in references if r != message.in_reply_to] + [message.in_reply_to]
    if references:
        mail["References"] = " ".join(f"<{r}>" for r in references[-10:])
    if message.meta.get("event"):
        mail["Auto-Submitted"] = "auto-generated"
    # Quoted-printable keeps the wire 7-bit for relays without 8BITMIME.
    mail.set_content(message.text, charset="utf-8", cte="quoted-printable")
    mail.add_alternative(_html_version(message.text), subtype="html", charset="utf-8",
                         cte="quoted-printable")
    return mail, message_id


def _client(url: str) -> smtplib.SMTP:
    """A connected, logged-in client for smtp:// (STARTTLS when offered) or smtps://."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("SMTP_URL must look like smtp://user:pass@host:587 or smtps://…")
    context = ssl.create_default_context()
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(parts.hostname, parts.port or 465, timeout=TIMEOUT,
                                  context=context)
    else:
        client = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=TIMEOUT)
        client.ehlo()
        if client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
    if parts.username:
        client.login(unquote(parts.username), unquote(parts.password or ""))
    return client


def _failure(code: int, text) -> SendResult:
    """4xx: the server may take it later (retry); 5xx: it never will."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return SendResult(ok=False, retryable=not 500 <= code < 600, error=f"SMTP {code} {text}"[:500])


def deliver(url: str, mail: EmailMessage, mail_from: str, message_id: str) -> SendResult:
    """Hand the message to the SMTP server; errors come back in the result, never raised."""
    try:
        client = _client(url)
        try:
            client.send_message(mail, from_addr=parseaddr(mail_from)[1],
                                to_addrs=[parseaddr(str(mail["To"]))[1]])
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                pass
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        return _failure(code, text)
    except smtplib.SMTPResponseException as exc:
        return _failure(exc.smtp_code, exc.smtp_error)
    except UnicodeEncodeError:          # smtplib sends AUTH credentials as ASCII only
        return SendResult(ok=False, error="SMTP_URL: user and password must be ASCII")
    except ValueError as exc:
        return SendResult(ok=False, error=str(exc))
    except (smtplib.SMTPException, OSError) as exc:      # disconnects, time-outs, refused
        return SendResult(ok=False, retryable=True, error=f"{type(exc).__name__}: {exc}"[:500])
    return SendResult(ok=True, external_id=message_id)
