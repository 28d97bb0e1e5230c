"""Image uploads (core.images.clean_image): checked by content, capped, re-encoded, with a thumbnail."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.images import THUMBNAIL_SIZE, clean_image


def picture(fmt: str = "PNG", size: tuple[int, int] = (400, 300), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def upload(data: bytes, name: str = "logo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def opened(content) -> Image.Image:
    content.seek(0)
    return Image.open(io.BytesIO(content.read()))


@pytest.mark.parametrize(("fmt", "ext"), [("PNG", "png"), ("JPEG", "jpg")])
def test_a_valid_picture_is_re_encoded_and_gets_a_thumbnail(fmt, ext):
    result = clean_image(upload(picture(fmt), f"logo.{ext}"), name="logo")
    assert result.image.name == f"logo.{ext}"
    assert result.thumbnail.name == f"logo-thumb.{ext}"
    assert (result.width, result.height) == (400, 300)
    assert opened(result.image).format == fmt
    thumb = opened(result.thumbnail)
    assert thumb.width <= THUMBNAIL_SIZE[0]
    assert thumb.height <= THUMBNAIL_SIZE[1]


def test_metadata_is_dropped_by_re_encoding():
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "secret description"  # ImageDescription
    Image.new("RGB", (50, 50)).save(out, format="JPEG", exif=exif)
    result = clean_image(upload(out.getvalue(), "a.jpg"))
    result.image.seek(0)
    assert b"secret description" not in result.image.read()


def test_a_text_file_renamed_png_is_refused():
    with pytest.raises(ValidationError) as exc:
        clean_image(upload(b"<html><script>alert(1)</script></html>", "evil.png"))
    assert exc.value.code == "image_invalid"


def test_an_oversize_file_is_refused_before_it_is_decoded(settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 10_000
    data = picture("PNG") + b"\0" * 20_000
    with pytest.raises(ValidationError) as exc:
        clean_image(upload(data))
    assert exc.value.code == "image_too_large"


def test_a_pixel_flood_is_refused_with_the_too_many_pixels_code():
    # 20000 x 20000 pixels of one colour: tens of KB on disk, 400 megapixels once decoded.
    # Built with zlib row by row: Pillow would need the whole bitmap in memory to save it.
    flood = _png_with_size(20000, 20000)
    assert len(flood) < 100_000
    with pytest.raises(ValidationError) as exc:
        clean_image(upload(flood))
    assert exc.value.code == "image_too_many_pixels"


def test_a_picture_just_over_the_pixel_limit_is_refused(settings):
    settings.IMAGE_MAX_PIXELS = 100 * 100
    with pytest.raises(ValidationError) as exc:
        clean_image(upload(picture("PNG", size=(101, 100))))
    assert exc.value.code == "image_too_many_pixels"


def test_a_polyglot_is_accepted_but_the_payload_is_not_stored():
    payload_html = b"<html><script>alert('polyglot')</script></html>"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("payload.txt", "zip payload inside a png")
    data = picture("PNG") + payload_html + archive.getvalue()
    result = clean_image(upload(data))
    result.image.seek(0)
    stored = result.image.read()
    assert b"<script>" not in stored
    assert b"payload.txt" not in stored
    assert opened(result.image).size == (400, 300)


def test_an_unsupported_image_type_is_refused():
    with pytest.raises(ValidationError) as exc:
        clean_image(upload(picture("BMP"), "logo.bmp"))
    assert exc.value.code == "image_type"


def _png_with_size(width: int, height: int) -> bytes:
    """A real, compressed PNG of ``width`` x ``height`` pixels, written chunk by chunk with zlib
    (Pillow would need the whole bitmap in memory to save it)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\0" + b"\0" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
