"""Application attachments: PDF or images only, the type read from the content, the size capped."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

from core.images import clean_image

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".webp"}


@dataclass(frozen=True)
class CleanAttachment:
    content: ContentFile
    original_name: str
    content_type: str
    size: int
    sha256: str


def _safe_name(name: str) -> str:
    """The file's own name without any directory part (no path traversal) or control characters (PostgreSQL
    refuses a NUL in text), at most 150 characters."""
    printable = "".join(ch for ch in name if ch.isprintable())
    base = Path(printable.replace("\\", "/")).name.strip() or "file"
    return base[-150:]


def clean_attachment(upload) -> CleanAttachment:
    name = _safe_name(getattr(upload, "name", "") or "file")
    ext = Path(name).suffix.lower()
    size = upload.size
    limit = settings.ATTACHMENT_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _("The file is too large: %(size)d KB, the limit is %(limit)d KB."),
            code="file_too_large",
            params={"size": size // 1024, "limit": limit // 1024},
        )
    upload.seek(0)
    data = upload.read()
    if ext == ".pdf":
        if not (data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]):
            raise ValidationError(
                _("%(name)s is not a PDF file, whatever its name says."), code="content_mismatch", params={"name": name}
            )
        content, content_type = data, "application/pdf"
    elif ext in IMAGE_EXTENSIONS:
        try:
            cleaned = clean_image(upload, name=Path(name).stem)
        except ValidationError as exc:
            if exc.code == "image_invalid":
                raise ValidationError(
                    _("%(name)s is not a picture, whatever its name says."),
                    code="content_mismatch",
                    params={"name": name},
                ) from None
            raise
        content = cleaned.image.read()
        content_type = "image/jpeg" if cleaned.image.name.endswith(".jpg") else "image/png"
    else:
        raise ValidationError(_("Attach PDF files or pictures (PNG, JPEG, GIF, WebP) only."), code="file_type")
    digest = hashlib.sha256(content).hexdigest()
    stored_ext = ".pdf" if content_type == "application/pdf" else (".jpg" if content_type == "image/jpeg" else ".png")
    return CleanAttachment(
        content=ContentFile(content, name=f"{digest[:16]}{stored_ext}"),
        original_name=name,
        content_type=content_type,
        size=len(content),
        sha256=digest,
    )
