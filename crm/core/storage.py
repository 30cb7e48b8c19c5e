"""Attachment files: stored outside the web root under their SHA-256, size- and type-limited."""
from __future__ import annotations

import hashlib
import mimetypes
import os
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from crm.extensions import db
from crm.models import Attachment

#: What may be stored: documents and pictures customers and staff actually send.
ALLOWED_TYPES = {
    "image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "application/pdf",
    "text/plain", "text/csv", "application/msword", "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/zip", "audio/mpeg", "audio/wav", "audio/x-wav", "audio/ogg",
}
#: Shown in the browser; everything else is served as a download.
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"}


class AttachmentRejected(ValueError):
    """Too large or of a type we do not store; the message says which."""


def _content_type(filename: str, declared: str | None) -> str:
    declared = (declared or "").split(";")[0].strip().lower()
    if declared and declared != "application/octet-stream":
        return declared
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def display_name(filename: str) -> str:
    """The file's own name (Vietnamese kept), without paths or control characters."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(ch for ch in base if ch.isprintable()).strip(" .")
    return clean[:255] or "file"


def path_for(sha256: str) -> Path:
    return Path(current_app.config["ATTACHMENT_DIR"]) / sha256[:2] / sha256[2:4] / sha256


def store(data: bytes, filename: str, content_type: str | None = None, **links) -> Attachment:
    """Write the file (deduplicated by content) and add its Attachment row; raises AttachmentRejected."""
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    if len(data) > limit:
        raise AttachmentRejected(_("Tệp lớn hơn %(mb)s MB, không lưu được.", mb=limit // (1024 * 1024)))
    kind = _content_type(filename, content_type)
    if kind not in ALLOWED_TYPES:
        raise AttachmentRejected(_("Không nhận loại tệp %(kind)s.", kind=kind))
    digest = hashlib.sha256(data).hexdigest()
    path = path_for(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    attachment = Attachment(filename=display_name(filename), content_type=kind, size=len(data),
                            sha256=digest, **links)
    db.session.add(attachment)
    return attachment
