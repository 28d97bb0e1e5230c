"""The certificate PDF renderer and the shared PDF helpers (core/pdf.py).

Certificates here are unsaved records with a real Ed25519-signed payload: no test in this file may touch the
database (pytest-django refuses it without the ``django_db`` mark), which shows the renderer is pure.
"""

from __future__ import annotations

import datetime
import io
import random
import re
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils.translation import override
from PIL import Image
from pypdf import PdfReader
from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from awards.certificates import pdf as certificate_pdf
from awards.certificates.models import Certificate
from awards.certificates.pdf import CertificateRenderError, render_certificate_pdf
from awards.certificates.signing import Payload, b64url_encode, key_id_for, qr_url
from awards.models import AwardProgramme, SubjectKind
from core import pdf as core_pdf
from core.pdf import CJK_FONT, escape_markup, missing_glyphs, qr_code_rows, register_cjk_font


@pytest.fixture(autouse=True)
def english_messages():
    """These tests read the command's and renderer's messages in English (the suite runs in Chinese)."""
    with override("en"):
        yield


HOLDER = "内蒙古伊利实业集团股份有限公司"
USCC = "911500001140023720"
NUMBER = "NMPP-2026-000123"
MONGOLIAN = "ᠮᠣᠩᠭᠣᠯ"  # Mongolian script: WenQuanYi Micro Hei has none of it
HOSTILE_NAME = '<font size=40>X</font><img src="/etc/passwd"/> & 株式会社'
SIGNING_KEY = Ed25519PrivateKey.generate()


def programme(**fields) -> AwardProgramme:
    values = {
        "code": "brand-recognition",
        "name_zh": "内蒙古品牌认定",
        "name_en": "Inner Mongolia brand recognition",
        "subject_kind": SubjectKind.BRAND,
        "certificate_prefix": "NMPP",
    }
    return AwardProgramme(**(values | fields))


def certificate(*, programme_fields: dict | None = None, **fields) -> Certificate:
    """An unsaved certificate signed like a real one; ``fields`` override the record."""
    values = {
        "number": NUMBER,
        "holder_name": HOLDER,
        "holder_uscc": USCC,
        "subject_name": "伊利",
        "subject_name_en": "Yili",
        "issued_on": datetime.date(2026, 11, 27),
        "valid_until": datetime.date(2029, 11, 26),
        "version": 1,
    } | fields
    key_id = key_id_for(SIGNING_KEY.public_key())
    raw = Payload(
        values["number"],
        values["holder_name"],
        values["holder_uscc"],
        values["subject_name"],
        values["valid_until"].isoformat(),
        key_id,
    ).to_bytes()
    return Certificate(
        prefix="NMPP",
        year=2026,
        serial=123,
        programme=programme(**(programme_fields or {})),
        key_id=key_id,
        payload=b64url_encode(raw),
        signature=b64url_encode(SIGNING_KEY.sign(raw)),
        **values,
    )


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def page_text(pdf: bytes) -> str:
    return reader(pdf).pages[0].extract_text()


def squeezed(text: str) -> str:
    """Without whitespace: a paragraph may wrap anywhere."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def sample_pdf() -> bytes:
    return render_certificate_pdf(certificate(version=2))


# --- the page ----------------------------------------------------------------------------------------------


def test_the_certificate_is_one_a4_landscape_page(sample_pdf):
    pages = reader(sample_pdf).pages
    assert len(pages) == 1
    assert float(pages[0].mediabox.width) == pytest.approx(841.89, abs=0.01)
    assert float(pages[0].mediabox.height) == pytest.approx(595.28, abs=0.01)


def test_the_cjk_font_is_embedded_as_a_subset_and_is_the_only_font(sample_pdf):
    fonts = [font.get_object() for font in reader(sample_pdf).pages[0]["/Resources"]["/Font"].values()]
    assert fonts
    for font in fonts:
        assert font["/Subtype"] == "/TrueType"
        assert re.fullmatch(r"/[A-Z]{6}\+WenQuanYiMicroHei-\d+", font["/BaseFont"])
        assert "/FontFile2" in font["/FontDescriptor"].get_object()


def test_the_page_says_who_holds_what_since_when_and_until_when(sample_pdf):
    text = page_text(sample_pdf)
    for expected in (
        "证书",
        "CERTIFICATE",
        "内蒙古品牌认定",
        "Inner Mongolia brand recognition",
        HOLDER,
        USCC,
        "经审定，“伊利”符合“内蒙古品牌认定”条件，予以认定，特发此证。",
        'Upon review, "Yili" meets the requirements of "Inner Mongolia brand recognition"',
        NUMBER,
        "2026年11月27日  2026-11-27",
        "2029年11月26日  2029-11-26",
        "第 2 次出具 / rendering 2",
        "扫码验证 / Scan to verify",
        "内蒙古自治区质量强区工作领导小组办公室",
    ):
        assert squeezed(expected) in squeezed(text), expected


def test_the_first_rendering_does_not_count_itself():
    text = page_text(render_certificate_pdf(certificate(version=1)))
    assert "rendering" not in text
    assert "次出具" not in text


def test_the_issuer_comes_from_the_settings(settings):
    settings.CERTIFICATE_ISSUER_ZH = "乌兰察布市市场监督管理局"
    settings.CERTIFICATE_ISSUER_EN = "Ulanqab Market Regulation Administration"
    pdf = render_certificate_pdf(certificate())
    assert "乌兰察布市市场监督管理局" in page_text(pdf)
    assert "Ulanqab Market Regulation Administration" in reader(pdf).metadata.author


def test_the_metadata_carries_the_number_payload_signature_and_key(sample_pdf):
    cert = certificate(version=2)
    metadata = reader(sample_pdf).metadata
    assert metadata.title == f"{NUMBER} 内蒙古品牌认定 / Inner Mongolia brand recognition"
    assert metadata.subject == NUMBER
    assert metadata.author.startswith("内蒙古自治区质量强区工作领导小组办公室")
    keywords = dict(item.split("=", 1) for item in metadata["/Keywords"].split())
    assert keywords["number"] == NUMBER
    assert keywords["payload"] == cert.payload
    assert keywords["signature"] == cert.signature
    assert keywords["key"] == cert.key_id


def test_the_qr_code_carries_the_signed_verification_address(sample_pdf, tmp_path):
    if shutil.which("pdftoppm") is None or shutil.which("zbarimg") is None:
        pytest.skip("needs pdftoppm (poppler-utils) and zbarimg (zbar-tools)")
    png = rasterise(sample_pdf, tmp_path, dpi=150)
    zbarimg = [shutil.which("zbarimg"), "--raw", "-q", str(png)]
    decoded = subprocess.run(zbarimg, capture_output=True, text=True, check=True)  # noqa: S603 - fixed arguments
    cert = certificate(version=2)
    assert decoded.stdout.strip() == qr_url(cert.number, cert.payload, cert.signature)


def test_the_pdf_stays_under_100_kb(sample_pdf):
    assert len(sample_pdf) < 100 * 1024


# --- the same bytes every time ------------------------------------------------------------------------------


def test_rendering_the_same_certificate_again_gives_the_same_bytes():
    assert render_certificate_pdf(certificate()) == render_certificate_pdf(certificate())


def test_a_new_rendering_gives_a_different_file():
    assert render_certificate_pdf(certificate(version=1)) != render_certificate_pdf(certificate(version=2))


def test_renderings_in_parallel_threads_are_the_ones_made_one_by_one():
    certificates = [certificate(number=f"NMPP-2026-{n:06d}", version=1 + n % 3) for n in range(1, 13)]
    one_by_one = [render_certificate_pdf(cert) for cert in certificates]
    with ThreadPoolExecutor(max_workers=6) as pool:
        in_parallel = list(pool.map(render_certificate_pdf, certificates))
    assert in_parallel == one_by_one


# --- user text -----------------------------------------------------------------------------------------------


def test_markup_in_user_text_is_printed_not_obeyed():
    pdf = render_certificate_pdf(certificate(holder_name=HOSTILE_NAME, subject_name='O\'Brien "牌" <b>'))
    text = page_text(pdf)
    assert squeezed(HOSTILE_NAME) in squeezed(text)
    assert squeezed('“O\'Brien "牌" <b>”') in squeezed(text)
    xobjects = reader(pdf).pages[0]["/Resources"]["/XObject"]
    assert len(xobjects) == 1  # the seal: no <img> was loaded


def test_a_certificate_naming_a_well_known_trademark_is_refused():
    with pytest.raises(ValueError, match=r"Trademark Law art\. 14"):
        render_certificate_pdf(certificate(subject_name="驰名商标伊利"))
    with pytest.raises(CertificateRenderError, match=r"Trademark Law art\. 14"):
        render_certificate_pdf(certificate(programme_fields={"name_en": "Well-known trademark recognition"}))


def test_a_name_the_font_cannot_show_is_refused_with_the_characters_named():
    assert missing_glyphs(MONGOLIAN) == set(MONGOLIAN)
    with pytest.raises(ValueError, match=r"U\+182E") as refused:
        render_certificate_pdf(certificate(holder_name=f"{MONGOLIAN} 内蒙古乳业有限公司"))
    assert "cannot be printed" in str(refused.value)
    assert refused.value.code == "certificate_unprintable"


def test_long_names_are_set_smaller_and_still_fit():
    pdf = render_certificate_pdf(certificate(holder_name="呼和浩特市" * 40, subject_name="伊利牌" * 66))
    assert squeezed("呼和浩特市" * 40) in squeezed(page_text(pdf))


def test_names_too_long_for_any_size_are_refused():
    with pytest.raises(CertificateRenderError, match="too long"):
        render_certificate_pdf(certificate(holder_name="呼和浩特市" * 400))


# --- how it looks -----------------------------------------------------------------------------------------------


def rasterise(pdf: bytes, folder: Path, *, dpi: int) -> Path:
    source = folder / "certificate.pdf"
    source.write_bytes(pdf)
    pdftoppm = [shutil.which("pdftoppm"), "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile"]
    subprocess.run([*pdftoppm, str(source), str(folder / "page")], check=True, timeout=60)  # noqa: S603
    return folder / "page.png"


def test_the_page_shows_text_a_border_and_a_red_seal(sample_pdf, tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is missing: apt-get install poppler-utils (CI installs it)")
    with Image.open(rasterise(sample_pdf, tmp_path, dpi=50)) as image:
        page = image.convert("RGB")
    assert page.size == (585, 414)  # A4 landscape at 50 dpi
    pixels = list(page.get_flattened_data())
    non_white = sum(1 for r, g, b in pixels if min(r, g, b) < 235)
    dark = sum(1 for r, g, b in pixels if max(r, g, b) < 100)
    assert non_white > 0.06 * len(pixels)  # about 12%: border, text, QR code, seal
    assert dark > 2000  # about 3,000: the text and the QR code
    # Lower right, inside the frame and its corner brackets: only the seal is red there (about 800 pixels).
    seal_corner = page.crop((351, 228, 585 - 56, 414 - 56)).get_flattened_data()
    assert sum(1 for r, g, b in seal_corner if r > 150 and g < 100 and b < 100) > 300


# --- the seal ----------------------------------------------------------------------------------------------------


def test_a_large_seal_is_scaled_down_once_and_keeps_its_transparency(settings, tmp_path):
    big = Image.new("RGBA", (1200, 1200), (0, 0, 0, 0))
    big.paste((200, 20, 30, 255), (300, 300, 900, 900))
    path = tmp_path / "seal.png"
    big.save(path)
    settings.CERTIFICATE_SEAL_IMAGE = path
    seal = certificate_pdf.seal_image()
    assert seal.getSize() == (certificate_pdf.SEAL_MAX_PIXELS, certificate_pdf.SEAL_MAX_PIXELS)
    assert seal._dataA is not None
    assert certificate_pdf.seal_image() is seal
    assert render_certificate_pdf(certificate()).startswith(b"%PDF")


# --- core.pdf -------------------------------------------------------------------------------------------------------


def test_the_font_is_registered_once_whatever_the_number_of_threads():
    barrier = threading.Barrier(8)

    def register() -> object:
        barrier.wait()
        register_cjk_font()
        return pdfmetrics.getFont(CJK_FONT)

    with ThreadPoolExecutor(max_workers=8) as pool:
        fonts = list(pool.map(lambda _: register(), range(8)))
    assert all(font is fonts[0] for font in fonts)
    assert fonts[0] is core_pdf.cjk_font()
    assert fonts[0].face.name == b"WenQuanYiMicroHei"


def test_bold_markup_works_with_the_cjk_font():
    register_cjk_font()
    style = ParagraphStyle("t", fontName=CJK_FONT, fontSize=12, leading=16)
    canvas = Canvas(io.BytesIO())
    paragraph = Paragraph("<b>粗体</b> <i>斜体</i> <b><i>两者</i></b>", style)
    paragraph.wrap(300, 100)
    paragraph.drawOn(canvas, 10, 10)


def test_escape_markup_makes_text_literal():
    escaped = "&lt;img src=&quot;/etc/passwd&quot;/&gt; &amp; 株式会社"
    assert escape_markup('<img src="/etc/passwd"/> & 株式会社') == escaped
    assert escape_markup(None) == ""


def test_missing_glyphs_lists_only_what_the_font_lacks():
    assert missing_glyphs("内蒙古伊利（集团）· ABC-123 “引号”") == set()
    assert missing_glyphs("伊利 𠀀 😀") == {"𠀀", "😀"}
    assert missing_glyphs(" \t\n") == set()


def reportlab_symbols(text: str) -> list[list[str]]:
    """The eight symbols ReportLab's own encoder makes for ``text``, one per mask."""
    symbols = []
    for mask in range(8):
        qr = QrCodeWidget(text, barLevel="M").qr
        qr.version = qr.calculate_version()
        qr.makeImpl(False, mask)
        symbols.append(["".join("1" if dark else "0" for dark in row) for row in qr.modules])
    return symbols


@pytest.mark.parametrize("length", [1, 20, 60, 150, 330, 600])
def test_the_fast_qr_code_is_one_of_reportlabs_own_symbols(length):
    text = "".join(random.Random(length).choices("abcdefghijklmnopqrstuvwxyz0123456789-_?&=/:ABC证书", k=length))
    assert reportlab_symbols(text).count(qr_code_rows(text)) == 1


def test_the_fast_codewords_are_reportlabs():
    rng = random.Random(7)
    for length in range(1, 700, 47):
        for text in ("".join(rng.choices("ABCDEFGHIJ0123456789 $%*+-./:", k=length)), "证书" * length, str(10**length)):
            qr = QrCodeWidget(text[:700], barLevel="M").qr
            qr.version = qr.calculate_version()
            expected = qrencoder.QRCode.createData(qr.version, qr.errorCorrectLevel, qr.dataList)
            assert core_pdf.qr_codewords(qr) == expected


def reference_penalty(rows: list[int], size: int) -> int:
    """ISO/IEC 18004 7.8.3, written plainly."""
    lines = [format(row, f"0{size}b") for row in rows]
    columns = ["".join(column) for column in zip(*lines, strict=True)]
    score = 0
    for line in lines + columns:
        score += sum(3 + len(run) - 5 for run in re.findall(r"0{5,}|1{5,}", line))
        for pattern in ("10111010000", "00001011101"):
            score += 40 * sum(line.startswith(pattern, j) for j in range(size))
    for r in range(size - 1):
        for c in range(size - 1):
            score += 3 * (lines[r][c] == lines[r][c + 1] == lines[r + 1][c] == lines[r + 1][c + 1])
    dark = sum(line.count("1") for line in lines)
    return score + 10 * (abs(dark * 100 // (size * size) - 50) // 5)


def test_the_mask_penalty_follows_the_standard():
    rng = random.Random(3)
    for size in (21, 25, 45, 77):
        for density in (0.1, 0.5, 0.9):
            rows = [sum((rng.random() < density) << j for j in range(size)) for _ in range(size)]
            assert core_pdf.qr_penalty(rows, size) == reference_penalty(rows, size)
