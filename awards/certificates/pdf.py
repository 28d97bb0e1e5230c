"""The certificate PDF: ``render_certificate_pdf(certificate) -> bytes`` (DESIGN section 5).

A pure function of the certificate record (and of the settings naming the issuer and the seal): it writes
nothing, and the same record always gives the same bytes (``invariant=1``), so the SHA-256 stored when a
rendering is issued recognises the genuine file later.

User text (holder, subject, programme names) goes into Paragraph markup only through ``escape_markup``;
``drawString`` takes raw text. The renderer refuses text that names well-known trademarks (Trademark Law
art. 14) and text with characters the embedded font cannot show (they would vanish from the page).

Speed (DESIGN section 9, bench/certificates.py): the QR code is encoded once (``core.pdf.draw_qr_code``); the
seal image, the paragraph styles and the border paths are built once and shared by every rendering (and
every thread: nothing shared is written after it is built).
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import threading
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.pathobject import PDFPathObject
from reportlab.platypus import Paragraph

from awards.certificates.guardrail import mentions_well_known_trademark
from awards.certificates.models import Certificate
from awards.certificates.signing import qr_url
from core.errors import DomainError
from core.pdf import CJK_FONT, DOCUMENT_LOCK, draw_qr_code, escape_markup, missing_glyphs, register_cjk_font

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
CENTER_X = PAGE_WIDTH / 2
QR_SIZE = 35 * mm
SEAL_SIZE = 42 * mm

RED = HexColor("#9E1B1B")
GOLD = HexColor("#B08D3C")
INK = HexColor("#1F1F1F")
GREY = HexColor("#5C5C5C")


class CertificateRenderError(DomainError, ValueError):
    """The certificate cannot be printed as it stands (a rule of the domain, not a bug)."""

    code = "certificate_unprintable"


# --- what is printed ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PrintedText:
    """Every piece of text on the page that comes from data rather than from this module."""

    number: str
    holder: str
    uscc: str
    subject: str
    subject_en: str
    programme_zh: str
    programme_en: str
    issuer_zh: str
    issuer_en: str

    @classmethod
    def of(cls, certificate: Certificate) -> PrintedText:
        programme = certificate.programme
        return cls(
            number=certificate.number,
            holder=certificate.holder_name.strip(),
            uscc=certificate.holder_uscc.strip(),
            subject=certificate.subject_name.strip(),
            subject_en=(certificate.subject_name_en or "").strip(),
            programme_zh=programme.name_zh.strip(),
            programme_en=(programme.name_en or "").strip(),
            issuer_zh=settings.CERTIFICATE_ISSUER_ZH,
            issuer_en=settings.CERTIFICATE_ISSUER_EN,
        )

    def all(self) -> tuple[str, ...]:
        return dataclasses.astuple(self)


def check_printable(text: PrintedText) -> None:
    """Raise CertificateRenderError when the certificate must not, or cannot, be printed."""
    if mentions_well_known_trademark(*text.all()):
        raise CertificateRenderError(
            _(
                "Certificate %(number)s mentions a well-known trademark (驰名商标): Trademark Law art. 14 forbids "
                "using the words in promotion, so no certificate is printed."
            )
            % {"number": text.number}
        )
    missing = sorted(set().union(*(missing_glyphs(value) for value in text.all())))
    if missing:
        shown = ", ".join(f"{ch} (U+{ord(ch):04X})" for ch in missing)
        raise CertificateRenderError(
            _("Certificate %(number)s cannot be printed: the font has no glyph for %(chars)s.")
            % {"number": text.number, "chars": shown}
        )


def zh_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# --- shared, read-only resources ---------------------------------------------------------------------


def _style(name: str, size: float, *, leading: float, color: Color = INK, cjk: bool = True) -> ParagraphStyle:
    return ParagraphStyle(
        name,
        fontName=CJK_FONT,
        fontSize=size,
        leading=leading,
        textColor=color,
        alignment=TA_CENTER,
        wordWrap="CJK" if cjk else None,
    )


def _body_styles(scale: float) -> dict[str, ParagraphStyle]:
    return {
        "programme_zh": _style("programme_zh", 18 * scale, leading=24 * scale, color=RED),
        "programme_en": _style("programme_en", 10.5 * scale, leading=14 * scale, color=GREY, cjk=False),
        "label": _style("label", 9 * scale, leading=13 * scale, color=GREY, cjk=False),
        "holder": _style("holder", 24 * scale, leading=31 * scale),
        "uscc": _style("uscc", 10.5 * scale, leading=15 * scale, cjk=False),
        "sentence_zh": _style("sentence_zh", 13.5 * scale, leading=21 * scale),
        "sentence_en": _style("sentence_en", 10 * scale, leading=14 * scale, color=GREY, cjk=False),
    }


# Long names shrink the body in steps rather than run into the footer.
BODY_SCALES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)
BODY_STYLES = {scale: _body_styles(scale) for scale in BODY_SCALES}
ISSUER_ZH_STYLE = _style("issuer_zh", 13, leading=17)
ISSUER_EN_STYLE = _style("issuer_en", 7.5, leading=9.5, color=GREY, cjk=False)

# A seal 42 mm wide needs no more than 300 pixels (180 dpi). The PDF stores the image uncompressed in memory and
# compresses it for every certificate, so a larger file, such as a scan, is scaled down once when loaded.
SEAL_MAX_PIXELS = 300

_seal_lock = threading.Lock()
_seal_cache: dict[tuple[str, int, int], ImageReader] = {}


def _load_seal(path: Path) -> ImageReader:
    with Image.open(path) as img:
        rgba = img.convert("RGBA")
    if max(rgba.size) > SEAL_MAX_PIXELS:
        scale = SEAL_MAX_PIXELS / max(rgba.size)
        size = (max(1, round(rgba.width * scale)), max(1, round(rgba.height * scale)))
        # Colour and alpha scaled apart: resizing RGBA blends the colour of transparent pixels into the edges.
        colour = rgba.convert("RGB").resize(size, Image.Resampling.LANCZOS)
        alpha = rgba.getchannel("A").resize(size, Image.Resampling.LANCZOS)
        rgba = Image.merge("RGBA", (*colour.split(), alpha))
    reader = ImageReader(rgba)
    reader.getRGBData()  # decoded now, under the lock: the reader keeps its pixels and alpha mask
    reader._dataA.getRGBData()
    return reader


def seal_image() -> ImageReader:
    """The seal from CERTIFICATE_SEAL_IMAGE, loaded once per version of the file and shared by all threads."""
    path = Path(settings.CERTIFICATE_SEAL_IMAGE)
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _seal_lock:
        if key not in _seal_cache:
            _seal_cache.clear()
            _seal_cache[key] = _load_seal(path)
        return _seal_cache[key]


# --- drawing -----------------------------------------------------------------------------------------


def _diamond_band(*, inset: float, half: float, step: float) -> PDFPathObject:
    """A row of small diamonds between the gold frame and the red one, as one path."""
    path = PDFPathObject()
    left, right, bottom, top = inset, PAGE_WIDTH - inset, inset, PAGE_HEIGHT - inset
    count_x, count_y = int((right - left) // step), int((top - bottom) // step)
    gap_x, gap_y = (right - left) / count_x, (top - bottom) / count_y
    centres = [(left + i * gap_x, y) for i in range(count_x + 1) for y in (bottom, top)]
    centres += [(x, bottom + i * gap_y) for i in range(1, count_y) for x in (left, right)]
    for x, y in centres:
        path.moveTo(x - half, y)
        path.lineTo(x, y + half)
        path.lineTo(x + half, y)
        path.lineTo(x, y - half)
        path.close()
    return path


def _corner_brackets(*, inset: float, arm: float) -> PDFPathObject:
    path = PDFPathObject()
    for x, y, dx, dy in (
        (inset, inset, 1, 1),
        (PAGE_WIDTH - inset, inset, -1, 1),
        (inset, PAGE_HEIGHT - inset, 1, -1),
        (PAGE_WIDTH - inset, PAGE_HEIGHT - inset, -1, -1),
    ):
        path.moveTo(x, y + dy * arm)
        path.lineTo(x, y)
        path.lineTo(x + dx * arm, y)
        path.moveTo(x + dx * 5, y + dy * 5)
        path.lineTo(x + dx * 5, y + dy * arm * 0.6)
        path.moveTo(x + dx * 5, y + dy * 5)
        path.lineTo(x + dx * arm * 0.6, y + dy * 5)
    return path


# The border is the same on every certificate: its paths are built once (drawing only reads them).
DIAMOND_BAND = _diamond_band(inset=32, half=3.2, step=12)
CORNER_BRACKETS = _corner_brackets(inset=44, arm=34)


def _draw_border(c: Canvas) -> None:
    c.setStrokeColor(GOLD)
    c.setLineWidth(2.4)
    c.rect(20, 20, PAGE_WIDTH - 40, PAGE_HEIGHT - 40)
    c.setLineWidth(0.6)
    c.rect(26, 26, PAGE_WIDTH - 52, PAGE_HEIGHT - 52)
    c.setFillColor(GOLD)
    c.drawPath(DIAMOND_BAND, stroke=0, fill=1)
    c.setStrokeColor(RED)
    c.setLineWidth(1.1)
    c.rect(38, 38, PAGE_WIDTH - 76, PAGE_HEIGHT - 76)
    c.setLineWidth(2.2)
    c.drawPath(CORNER_BRACKETS, stroke=1, fill=0)


def _draw_title(c: Canvas) -> None:
    # Character spacing and render mode belong to the graphics state and outlive the text object.
    c.saveState()
    title = c.beginText()
    title.setFont(CJK_FONT, 38)
    title.setTextRenderMode(2)  # fill and stroke: the one-weight font reads as bold
    title.setCharSpace(22)
    c.setFillColor(RED)
    c.setStrokeColor(RED)
    c.setLineWidth(0.9)
    width = stringWidth("证书", CJK_FONT, 38) + 22
    title.setTextOrigin(CENTER_X - width / 2 + 11, 488)
    title.textOut("证书")
    c.drawText(title)
    subtitle = "CERTIFICATE"
    sub = c.beginText()
    sub.setFont(CJK_FONT, 12)
    sub.setCharSpace(5)
    sub_width = stringWidth(subtitle, CJK_FONT, 12) + 5 * (len(subtitle) - 1)
    sub.setTextOrigin(CENTER_X - sub_width / 2, 463)
    sub.textOut(subtitle)
    c.setFillColor(GOLD)
    c.drawText(sub)
    c.setStrokeColor(GOLD)
    c.setLineWidth(0.8)
    half = sub_width / 2
    c.line(CENTER_X - half - 90, 467, CENTER_X - half - 14, 467)
    c.line(CENTER_X + half + 14, 467, CENTER_X + half + 90, 467)
    c.restoreState()


def _body_paragraphs(text: PrintedText, styles: dict[str, ParagraphStyle]) -> list[tuple[Paragraph, float]]:
    """The centred body, top to bottom, each paragraph with the space to leave after it."""
    e = escape_markup
    subject_en = text.subject_en or text.subject
    programme_en = text.programme_en or text.programme_zh
    items = [
        ("programme_zh", e(text.programme_zh), 0 if text.programme_en else 20),
        ("programme_en", e(text.programme_en), 20),
        ("label", "持证单位 · Holder", 3),
        ("holder", e(text.holder), 3),
        ("uscc", f"统一社会信用代码 · Unified social credit code: {e(text.uscc)}", 20),
        ("sentence_zh", f"经审定，“{e(text.subject)}”符合“{e(text.programme_zh)}”条件，予以认定，特发此证。", 5),
        (
            "sentence_en",
            f'Upon review, "{e(subject_en)}" meets the requirements of "{e(programme_en)}" '
            "and is hereby recognised; this certificate is issued accordingly.",
            0,
        ),
    ]
    return [(Paragraph(markup, styles[style]), after) for style, markup, after in items if markup]


def _draw_body(c: Canvas, text: PrintedText, *, top: float, bottom: float, width: float) -> None:
    """Wrap the body at the largest scale that fits between ``top`` and ``bottom``, then draw it."""
    for scale in BODY_SCALES:
        placed = []
        for paragraph, after in _body_paragraphs(text, BODY_STYLES[scale]):
            h = paragraph.wrap(width, top - bottom)[1]
            placed.append((paragraph, h, after * scale))
        height = sum(h + after for _paragraph, h, after in placed)
        if height <= top - bottom:
            break
    else:
        raise CertificateRenderError(
            _("Certificate %(number)s cannot be printed: its names are too long for the page.")
            % {"number": text.number}
        )
    y = top - (top - bottom - height) * 0.42  # centred in the space, a little above the middle
    for paragraph, h, after in placed:
        y -= h
        paragraph.drawOn(c, CENTER_X - width / 2, y)
        y -= after


def _draw_particulars(c: Canvas, certificate: Certificate, *, x: float, top: float) -> None:
    rows = [
        ("证书编号 · Certificate No.", certificate.number),
        ("发证日期 · Issued on", f"{zh_date(certificate.issued_on)}  {certificate.issued_on.isoformat()}"),
        ("有效期至 · Valid until", f"{zh_date(certificate.valid_until)}  {certificate.valid_until.isoformat()}"),
    ]
    if certificate.version > 1:
        rows.append(("出具次数 · Rendering", f"第 {certificate.version} 次出具 / rendering {certificate.version}"))
    y = top
    for label, value in rows:
        c.setFillColor(GREY)
        c.setFont(CJK_FONT, 8.5)
        c.drawString(x, y + 12, label)
        c.setFillColor(INK)
        c.setFont(CJK_FONT, 11)
        c.drawString(x, y, value)
        y -= 30


def _draw_issuer(c: Canvas, text: PrintedText, issued_on: datetime.date, *, center: float, top: float) -> None:
    """The issuing office and the date under the seal, as on a paper certificate; the English name below it."""
    width = 250
    zh = Paragraph(escape_markup(text.issuer_zh), ISSUER_ZH_STYLE)
    h = zh.wrap(width, 100)[1]
    zh.drawOn(c, center - width / 2, top - h)
    date_y = top - h - 26
    c.setFillColor(INK)
    c.setFont(CJK_FONT, 12)
    c.drawCentredString(center, date_y, zh_date(issued_on))
    seal_bottom = date_y - SEAL_SIZE * 0.42
    en = Paragraph(escape_markup(text.issuer_en), ISSUER_EN_STYLE)
    h_en = en.wrap(width, 60)[1]
    en.drawOn(c, center - width / 2, seal_bottom - 6 - h_en)
    c.saveState()
    c.setBlendMode("Multiply")  # like ink on paper: the text under the seal stays legible
    c.drawImage(seal_image(), center - SEAL_SIZE / 2, seal_bottom, SEAL_SIZE, SEAL_SIZE, mask="auto")
    c.restoreState()


def _draw_qr(c: Canvas, url: str, verify_hint: str, *, x: float, y: float) -> None:
    draw_qr_code(c, url, x=x, y=y, size=QR_SIZE, color=INK)
    middle = x + QR_SIZE / 2
    c.setFillColor(INK)
    c.setFont(CJK_FONT, 8.5)
    c.drawCentredString(middle, y - 8, "扫码验证 / Scan to verify")
    size = 6.5
    while size > 4 and stringWidth(verify_hint, CJK_FONT, size) > QR_SIZE + 24:
        size -= 0.25
    c.setFont(CJK_FONT, size)
    c.setFillColor(GREY)
    c.drawCentredString(middle, y - 18, verify_hint)


def _set_metadata(c: Canvas, certificate: Certificate, text: PrintedText) -> None:
    c.setTitle(f"{certificate.number} {text.programme_zh}" + (f" / {text.programme_en}" if text.programme_en else ""))
    c.setAuthor(f"{text.issuer_zh} / {text.issuer_en}")
    c.setSubject(certificate.number)
    c.setKeywords(
        f"number={certificate.number} payload={certificate.payload} signature={certificate.signature} "
        f"key={certificate.key_id} version={certificate.version}"
    )
    c.setCreator("Inner Mongolia brand registry")


def render_certificate_pdf(certificate: Certificate) -> bytes:
    """One A4 landscape page; raises CertificateRenderError (a ValueError) when it must not be printed."""
    text = PrintedText.of(certificate)
    check_printable(text)
    register_cjk_font()
    url = qr_url(certificate.number, certificate.payload, certificate.signature)
    buffer = io.BytesIO()
    with DOCUMENT_LOCK:  # one document per process at a time: see core.pdf.DOCUMENT_LOCK
        c = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1, pageCompression=1, initialFontName=CJK_FONT)
        _set_metadata(c, certificate, text)
        _draw_border(c)
        _draw_title(c)
        _draw_body(c, text, top=440, bottom=200, width=560)
        _draw_qr(c, url, settings.CERTIFICATE_VERIFY_BASE_URL + certificate.get_absolute_url(), x=70, y=84)
        _draw_particulars(c, certificate, x=196, top=160)
        _draw_issuer(c, text, certificate.issued_on, center=640, top=176)
        c.showPage()
        c.save()
    return buffer.getvalue()
