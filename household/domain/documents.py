"""Professionals' verification documents: checked by content, stored privately under random names."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy.orm import object_session

from household.domain import changes
from household.domain.errors import DomainError, InvalidInput
from household.models import Professional, utcnow

MAX_BYTES = 5 * 1024 * 1024
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)


class TooLarge(DomainError):
    status = 413
    default_message = "The document is larger than 5 MB."


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the first bytes, or None when it is not a PDF, PNG or JPEG."""
    for magic, ctype, ext in SIGNATURES:
        if head.startswith(magic):
            return ctype, ext
    return None


def save_document(pro: Professional, stream, filename: str | None, upload_dir: str) -> Path | None:
    """Store an uploaded document for `pro`; returns the previous file's path (to delete after commit)."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise TooLarge()
    if not data:
        raise InvalidInput(fields={"document": ["The file is empty."]})
    kind = sniff(data[:16])
    if kind is None:
        raise InvalidInput(fields={"document": ["Upload a PDF, PNG or JPEG file."]})
    ctype, ext = kind
    folder = Path(upload_dir)
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16) + ext
    tmp = folder / (name + ".part")
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, folder / name)
    previous = Path(upload_dir) / pro.document_path if pro.document_path else None
    pro.document_path = name
    pro.document_name = _display_name(filename, ext)
    pro.document_content_type = ctype
    pro.document_size = len(data)
    pro.document_uploaded_at = utcnow()
    s = object_session(pro)
    changes.event(s, "document_uploaded", professional_id=pro.id)  # the admin reviews it
    # An approved professional with a document is shown as verified in the package lists.
    changes.record(s, changes.CATALOGUE)
    return previous


def _display_name(filename: str | None, ext: str) -> str:
    base = os.path.basename(filename or "").strip() or "document"
    safe = "".join(c for c in base if c.isalnum() or c in "._- ")[:100].strip() or "document"
    if not safe.lower().endswith(ext) and not (ext == ".jpg" and safe.lower().endswith(".jpeg")):
        safe += ext
    return safe


def document_file(pro: Professional, upload_dir: str) -> Path | None:
    if not pro.document_path:
        return None
    path = Path(upload_dir) / pro.document_path
    return path if path.is_file() else None
