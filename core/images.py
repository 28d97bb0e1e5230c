"""Image uploads: check the type by content, cap the size, re-encode with Pillow, make a thumbnail.

Re-encoding drops anything that is not pixels (metadata, appended payloads of polyglot files),
and Pillow's decompression-bomb limit refuses pixel floods before they are decoded.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "png", "WEBP": "png"}
THUMBNAIL_SIZE = (240, 240)


@dataclass(frozen=True)
class CleanImage:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def _encode(img: Image.Image, ext: str) -> bytes:
    out = io.BytesIO()
    if ext == "jpg":
        img.convert("RGB").save(out, format="JPEG", quality=88, optimize=True)
    else:
        if img.mode not in ("RGB", "RGBA", "L", "LA"):
            img = img.convert("RGBA")
        img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def clean_image(uploaded, *, name: str = "image") -> CleanImage:
    """Validate an uploaded image file and return re-encoded image and thumbnail files."""
    size = getattr(uploaded, "size", None)
    if size is None:
        uploaded.seek(0, io.SEEK_END)
        size = uploaded.tell()
    if size > settings.IMAGE_UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("The image is too large: %(size)d KB, the limit is %(limit)d KB."),
            code="image_too_large",
            params={"size": size // 1024, "limit": settings.IMAGE_UPLOAD_MAX_BYTES // 1024},
        )
    uploaded.seek(0)
    data = uploaded.read()
    Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                width, height = probe.size
                if width * height > settings.IMAGE_MAX_PIXELS:
                    raise Image.DecompressionBombError("too many pixels")
                probe.verify()
            img = Image.open(io.BytesIO(data))
            img.load()
            # Keep the pixels only: Pillow's writers copy parts of the file's metadata back into the new file
            # (a JPEG's COM segment, which can carry a PHP or HTML payload). Transparency is pixel data.
            img.info = {key: value for key, value in img.info.items() if key == "transparency"}
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("The image has too many pixels (the limit is %(limit)d megapixels)."),
            code="image_too_many_pixels",
            params={"limit": settings.IMAGE_MAX_PIXELS // 1_000_000},
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            _("The file is not a valid image. Upload a PNG, JPEG, GIF or WebP picture."),
            code="image_invalid",
        ) from None
    if fmt not in ALLOWED_FORMATS:
        raise ValidationError(
            _("Image type %(format)s is not accepted. Upload a PNG, JPEG, GIF or WebP picture."),
            code="image_type",
            params={"format": fmt},
        )
    ext = ALLOWED_FORMATS[fmt]
    if getattr(img, "is_animated", False):
        img.seek(0)
    main = _encode(img, ext)
    thumb = img.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    thumb_bytes = _encode(thumb, ext)
    return CleanImage(
        image=ContentFile(main, name=f"{name}.{ext}"),
        thumbnail=ContentFile(thumb_bytes, name=f"{name}-thumb.{ext}"),
        width=width,
        height=height,
    )
