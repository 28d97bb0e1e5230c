"""Hostile input (issue 6, point 5): upload attacks on every upload, and markup/script payloads in user
text, through the HTML pages, the certificate PDF, the annual report and the CSV/XLSX exports.

Uploads: clean_image (brand logos, image attachments), clean_attachment (application files), the admin
import form (CSV/XLSX) and the /verify/ PDF upload. Each attack is refused with a clear message and
leaves nothing behind, or (a polyglot picture) is accepted only as re-encoded pixels.
"""

from __future__ import annotations

import csv
import datetime
import io
import struct
import zlib
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from PIL import Image
from pypdf import PdfReader

from awards.attachments import clean_attachment
from awards.certificates import verification
from awards.models import Attachment
from awards.reference import load_programmes
from awards.services import attachment_add
from brands.models import Brand
from core.admin import ImportFileForm
from core.exports import csv_cell, neutralise, xlsx_cell
from core.images import clean_image
from core.importing import ImportFileError, check_file, read_table

# --- payloads --------------------------------------------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7*7 }}",
    "</textarea><svg onload=alert(1)>",
]
PAYLOAD_IDS = ["script", "attr-break", "js-url", "template", "textarea-svg"]
# What must never reach a page unescaped: the live parts of the payloads.
LIVE = ["<script>alert(1)", "<img src=x onerror", "<svg onload", "</textarea><svg", 'href="javascript:']
DDE = "=cmd|' /C calc'!A0"

HTML_PAYLOAD = b"<html><body><script>alert(document.cookie)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"


# --- files -------------------------------------------------------------------------------------------------------


def picture(fmt: str = "PNG", size: tuple[int, int] = (64, 48), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt, **save)
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def pixel_flood(width: int = 50_000, height: int = 50_000) -> bytes:
    """A tiny real PNG whose IHDR is patched to declare ``width`` x ``height`` pixels (the CRC made valid)."""
    data = picture("PNG", (8, 8))
    assert data[12:16] == b"IHDR"
    body = bytearray(data[16:29])
    body[0:8] = struct.pack(">II", width, height)
    patched = data[:8] + _chunk(b"IHDR", bytes(body)) + data[33:]
    assert len(patched) < 1024
    return patched


def gif_polyglot() -> bytes:
    """A real GIF followed by an HTML page with a script (what a browser sniffing content would run)."""
    return picture("GIF") + HTML_PAYLOAD


def png_polyglot() -> bytes:
    return picture("PNG") + HTML_PAYLOAD


def jpeg_comment_polyglot() -> bytes:
    """A JPEG whose COM segment carries PHP and HTML."""
    return picture("JPEG", comment=b"<?php system($_GET['c']); ?>" + HTML_PAYLOAD)


POLYGLOTS = {"gif+html": gif_polyglot, "png+html": png_polyglot, "jpeg-comment": jpeg_comment_polyglot}
LIARS = {"html.png": ("evil.png", HTML_PAYLOAD), "exe.png": ("setup.png", EXE), "html.jpg": ("x.jpg", HTML_PAYLOAD)}
TRAVERSAL_NAMES = [
    "../../etc/passwd.png",
    "..\\..\\x.png",
    "/etc/cron.d/evil.png",
    "C:\\Windows\\evil.png",
    "evil\x00.png",
    "a" * 1000 + ".png",
]


def upload(data: bytes, name: str, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def no_payload(data: bytes) -> bool:
    return all(marker not in data for marker in (b"<script", b"<html", b"<?php", b"alert("))


# === 1. upload attacks ==========================================================================================

# --- pictures (brand logos; also what image attachments go through) ---------------------------------------------


def test_a_pixel_flood_picture_is_refused_before_it_is_decoded():
    with pytest.raises(ValidationError) as exc:
        clean_image(upload(pixel_flood(), "flood.png"))
    assert exc.value.code == "image_too_many_pixels"
    assert "megapixels" in str(exc.value.messages[0]) or "百万" in str(exc.value.messages[0])


@pytest.mark.parametrize("make", POLYGLOTS.values(), ids=POLYGLOTS.keys())
def test_a_polyglot_picture_comes_out_re_encoded_without_its_payload(make):
    data = make()
    assert not no_payload(data)
    result = clean_image(upload(data, "logo.gif"))
    result.image.seek(0)
    stored = result.image.read()
    result.thumbnail.seek(0)
    assert no_payload(stored) and no_payload(result.thumbnail.read())
    assert stored != data
    Image.open(io.BytesIO(stored)).verify()


def test_dropping_the_metadata_keeps_a_transparent_gif_transparent():
    gif = Image.new("P", (10, 10), 0)
    gif.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    out = io.BytesIO()
    gif.save(out, format="GIF", transparency=0, comment=HTML_PAYLOAD)
    result = clean_image(upload(out.getvalue(), "logo.gif"))
    result.image.seek(0)
    stored = result.image.read()
    assert no_payload(stored)
    assert Image.open(io.BytesIO(stored)).convert("RGBA").getpixel((0, 0))[3] == 0


@pytest.mark.parametrize(("name", "data"), LIARS.values(), ids=LIARS.keys())
def test_a_file_lying_about_being_a_picture_is_refused_by_its_content(name, data):
    with pytest.raises(ValidationError) as exc:
        clean_image(upload(data, name))
    assert exc.value.code == "image_invalid"


def test_an_empty_picture_is_refused():
    with pytest.raises(ValidationError) as exc:
        clean_image(upload(b"", "empty.png"))
    assert exc.value.code == "image_invalid"


def test_an_oversize_picture_is_refused(settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 4096
    with pytest.raises(ValidationError) as exc:
        clean_image(upload(picture() + b"\0" * 8192, "big.png"))
    assert exc.value.code == "image_too_large"


@pytest.mark.parametrize("name", TRAVERSAL_NAMES, ids=range(len(TRAVERSAL_NAMES)))
def test_a_picture_gets_a_generated_name_whatever_it_was_called(name):
    result = clean_image(upload(picture(), name), name="logo")
    assert (result.image.name, result.thumbnail.name) == ("logo.png", "logo-thumb.png")


# --- the portal's brand form (logo upload end to end) ------------------------------------------------------------


def logo_files() -> set[Path]:
    root = Path(django_settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture
def enterprise_user(regions):
    from tests.factories_portal import EnterpriseUserFactory

    return EnterpriseUserFactory(username="applicant")


BAD_LOGOS = {
    "pixel-flood": ("flood.png", pixel_flood, "image_too_many_pixels"),
    "html-as-png": ("evil.png", lambda: HTML_PAYLOAD, "image_invalid"),
    "exe-as-png": ("setup.png", lambda: EXE, "image_invalid"),
    "oversize": ("big.png", lambda: picture() + b"\0" * 8192, "image_too_large"),
}


@pytest.mark.parametrize(("name", "make", "code"), BAD_LOGOS.values(), ids=BAD_LOGOS.keys())
def test_the_brand_form_refuses_a_hostile_logo_and_saves_nothing(enterprise_user, settings, name, make, code):
    from tests.factories_portal import logged_in

    settings.IMAGE_UPLOAD_MAX_BYTES = 4096
    before = logo_files()
    data = {"name": "草原醇香", "kind": "product", "industry": "dairy", "description": "", "logo": upload(make(), name)}
    response = logged_in(enterprise_user).post("/portal/brands/add/", data)
    assert response.status_code == 200
    assert response.context["form"].has_error("logo", code=code)
    assert not Brand.objects.exists()
    assert logo_files() == before


@pytest.mark.parametrize("name", ["../../etc/passwd.png", "..\\..\\x.png", "a" * 300 + ".png"], ids=range(3))
def test_the_brand_form_stores_a_polyglot_logo_re_encoded_under_a_generated_name(enterprise_user, name):
    from tests.factories_portal import logged_in

    data = {"name": "草原醇香", "kind": "product", "industry": "dairy", "logo": upload(png_polyglot(), name)}
    response = logged_in(enterprise_user).post("/portal/brands/add/", data)
    assert response.status_code == 302
    brand = Brand.objects.get()
    root = Path(django_settings.MEDIA_ROOT).resolve()
    for field in (brand.logo, brand.logo_thumbnail):
        path = Path(field.path).resolve()
        assert path.is_relative_to(root / "brands" / "logos")
        assert path.name.startswith("logo") and ".." not in field.name
        assert no_payload(path.read_bytes())
        path.unlink()


# --- application attachments --------------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

BAD_ATTACHMENTS = {
    "pixel-flood": ("flood.png", pixel_flood, "image_too_many_pixels"),
    "html-as-pdf": ("report.pdf", lambda: HTML_PAYLOAD, "content_mismatch"),
    "exe-as-pdf": ("report.pdf", lambda: EXE, "content_mismatch"),
    "html-as-png": ("photo.png", lambda: HTML_PAYLOAD, "content_mismatch"),
    "exe-as-png": ("photo.png", lambda: EXE, "content_mismatch"),
    "html-file": ("page.html", lambda: HTML_PAYLOAD, "file_type"),
    "exe-file": ("setup.exe", lambda: EXE, "file_type"),
    "svg-file": ("logo.svg", lambda: b"<svg onload=alert(1)/>", "file_type"),
    "empty-pdf": ("empty.pdf", lambda: b"", "content_mismatch"),
    "empty-png": ("empty.png", lambda: b"", "content_mismatch"),
    "oversize": ("big.pdf", lambda: PDF[:-6] + b"%" + b"x" * 8192 + b"\n%%EOF\n", "file_too_large"),
}


@pytest.mark.parametrize(("name", "make", "code"), BAD_ATTACHMENTS.values(), ids=BAD_ATTACHMENTS.keys())
def test_a_hostile_attachment_is_refused_with_a_clear_message(settings, name, make, code):
    settings.ATTACHMENT_MAX_BYTES = 4096
    with pytest.raises(ValidationError) as exc:
        clean_attachment(upload(make(), name))
    assert exc.value.code == code
    assert exc.value.messages[0].strip()


@pytest.mark.parametrize("make", POLYGLOTS.values(), ids=POLYGLOTS.keys())
def test_a_polyglot_picture_attachment_is_stored_re_encoded(make):
    cleaned = clean_attachment(upload(make(), "photo.png"))
    assert cleaned.content_type in {"image/png", "image/jpeg"}
    cleaned.content.seek(0)
    assert no_payload(cleaned.content.read())


@pytest.fixture
def draft(regions):
    from tests.factories_portal import ApplicationFactory

    load_programmes()
    return ApplicationFactory()


def private_files() -> set[Path]:
    root = Path(Attachment._meta.get_field("file").storage.location)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.mark.parametrize(
    "name",
    [*TRAVERSAL_NAMES, "../../etc/passwd.pdf", "..\\..\\x.pdf", "evil\x00.pdf", "b" * 1000 + ".pdf"],
    ids=range(len(TRAVERSAL_NAMES) + 4),
)
def test_an_attachment_is_stored_under_a_generated_name_inside_the_storage_root(draft, name):
    data = PDF if name.endswith(".pdf") else picture()
    attachment = attachment_add(actor=draft.created_by, application=draft, upload=upload(data, name))
    root = Path(attachment.file.storage.location).resolve()
    path = Path(attachment.file.path).resolve()
    try:
        assert path.is_relative_to(root / "applications")
        assert path.parent.parent.parent == root / "applications"  # applications/<year>/<month>/<file>
        # named by its content; the storage adds a suffix when the same content is already stored
        assert path.stem.startswith(attachment.sha256[:16])
        assert path.suffix in {".pdf", ".png"}
        assert "/" not in attachment.original_name and "\\" not in attachment.original_name
        assert "\x00" not in attachment.original_name
        assert ".." not in Path(attachment.original_name).parent.parts
        assert len(attachment.original_name) <= 200
    finally:
        attachment.file.delete(save=False)


def test_a_refused_attachment_leaves_nothing_behind(draft):
    before = private_files()
    with pytest.raises(ValidationError):
        attachment_add(actor=draft.created_by, application=draft, upload=upload(pixel_flood(), "../../flood.png"))
    assert not draft.attachments.exists()
    assert private_files() == before


def test_a_pdf_with_html_after_its_end_is_kept_only_as_a_pdf_download(draft, client):
    """A PDF cannot be re-encoded: it is stored as application/pdf and served only as a download, never sniffed."""
    from tests.factories_review import committee

    attachment = attachment_add(
        actor=draft.created_by, application=draft, upload=upload(PDF + HTML_PAYLOAD, "../../x.html.pdf")
    )
    try:
        assert attachment.content_type == "application/pdf"
        assert Path(attachment.file.name).name == f"{attachment.sha256[:16]}.pdf"
        assert attachment.original_name == "x.html.pdf"
        draft.state = "submitted"
        draft.save(update_fields=["state"])
        client.force_login(committee("committee-download"))
        response = client.get(reverse("review:attachment", args=[draft.pk, attachment.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        response.close()
    finally:
        attachment.file.delete(save=False)


# --- import files (admin "Import from file") ----------------------------------------------------------------------

BAD_IMPORTS = {
    "exe-as-csv": ("enterprises.csv", EXE, "not_text"),
    "html-as-xlsx": ("enterprises.xlsx", HTML_PAYLOAD, "not_xlsx"),
    "png-as-xlsx": ("enterprises.xlsx", None, "not_xlsx"),
    "html-file": ("enterprises.html", HTML_PAYLOAD, "file_type"),
    "traversal-exe": ("../../etc/passwd", EXE, "file_type"),
    "empty-xlsx": ("enterprises.xlsx", b"", "not_xlsx"),
}


@pytest.mark.parametrize(("name", "data", "code"), BAD_IMPORTS.values(), ids=BAD_IMPORTS.keys())
def test_a_hostile_import_file_is_refused_by_its_content(name, data, code):
    data = picture() if data is None else data
    with pytest.raises(ImportFileError) as exc:
        check_file(data, name)
    assert exc.value.code == code
    form = ImportFileForm(files={"file": upload(data, name)})
    assert not form.is_valid()
    assert form.has_error("file", code="empty" if not data else code)


def test_an_empty_csv_is_refused_as_having_no_header():
    with pytest.raises(ImportFileError) as exc:
        read_table(b"", "enterprises.csv")
    assert exc.value.code == "no_header"


def test_an_oversize_import_file_is_refused(settings):
    settings.IMPORT_UPLOAD_MAX_BYTES = 1024
    form = ImportFileForm(files={"file": upload(b"name\n" + b"x\n" * 2000, "enterprises.csv")})
    assert not form.is_valid()
    assert form.has_error("file", code="file_too_large")


def test_an_xlsx_zip_bomb_is_refused():
    archive = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    with pytest.raises(ImportFileError) as exc:
        check_file(archive.getvalue(), "bomb.xlsx")
    assert exc.value.code == "xlsx_bomb"


# --- the /verify/ PDF upload --------------------------------------------------------------------------------------


def verify_upload(client, data: bytes, name: str):
    return client.post(reverse("certificates:verify"), {"file": upload(data, name, "application/pdf")})


def all_files(*roots) -> set[Path]:
    return {p for root in roots if Path(root).exists() for p in Path(root).rglob("*") if p.is_file()}


VERIFY_ATTACKS = {
    "html-as-pdf": ("certificate.pdf", HTML_PAYLOAD),
    "exe-as-pdf": ("certificate.pdf", EXE),
    "pdf-then-html": ("certificate.pdf", PDF + HTML_PAYLOAD),
    "pixel-flood-as-pdf": ("certificate.pdf", None),
    "traversal": ("../../etc/passwd.pdf", PDF),
    "backslash-traversal": ("..\\..\\x.pdf", PDF),
    "nul-name": ("evil\x00.pdf", PDF),
    "long-name": ("c" * 1000 + ".pdf", PDF),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "data"), VERIFY_ATTACKS.values(), ids=VERIFY_ATTACKS.keys())
def test_the_verify_upload_answers_unknown_file_and_stores_nothing(client, tmp_path, settings, name, data):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "tmp"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    data = pixel_flood() if data is None else data
    response = verify_upload(client, data, name)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-outcome="unknown_file"' in html
    assert "<script>alert" not in html
    assert all_files(tmp_path) == set()


@pytest.mark.django_db
def test_the_verify_upload_refuses_an_empty_and_an_oversize_file(client):
    empty = verify_upload(client, b"", "certificate.pdf")
    assert empty.context["file_form"].has_error("file", code="empty")
    assert "data-outcome" not in empty.content.decode()
    big = verify_upload(client, b"%PDF-" + b"0" * verification.UPLOAD_MAX_BYTES, "certificate.pdf")
    assert 'data-outcome="unknown_file"' in big.content.decode()


# === 2. markup payloads in the HTML pages ========================================================================


def unescaped(html: str) -> list[str]:
    return [live for live in LIVE if live in html]


@pytest.mark.parametrize("payload", PAYLOADS, ids=PAYLOAD_IDS)
def test_payloads_in_user_text_reach_every_page_escaped(reference_data, client, payload):
    from tests.factories import (
        BrandFactory,
        CertificationFactory,
        DemonstrationZoneFactory,
        EnterpriseFactory,
        GIProductFactory,
        TrademarkFactory,
    )
    from tests.factories_certificates import issued_certificate
    from tests.factories_review import ApplicationFactory, ObjectionFactory, committee, hohhot_enterprise, review
    from tests.factories_review import reviewer as make_reviewer
    from tests.factories_site import MeasurementFactory

    enterprise = EnterpriseFactory(name=f"企业{payload}")
    brand = BrandFactory(enterprise=enterprise, name=f"品牌{payload}", description=f"描述{payload}")
    trademark = TrademarkFactory(enterprise=enterprise, mark_text=f"商标{payload}")
    gi = GIProductFactory(name_zh=f"地标{payload}")
    certification = CertificationFactory(enterprise=enterprise, product=f"产品{payload}")
    zone = DemonstrationZoneFactory(name=f"示范区{payload}")
    measurement = MeasurementFactory(source=f"来源{payload}", measured_on=datetime.date(2021, 12, 31))
    target = measurement.target

    app = ApplicationFactory(
        expert_review=True,
        enterprise=hohhot_enterprise(name=f"申请企业{payload}"),
        brand__name=f"申请品牌{payload}",
        statement=f"说明{payload}",
    )
    review(app, make_reviewer("r1", "150000"), "80.00").__class__.objects.filter(assignment__application=app).update(
        comment=f"评语{payload}"
    )
    objection = ObjectionFactory(notice__application__enterprise=hohhot_enterprise(), text=f"异议{payload}")

    cert = issued_certificate(name=f"持证企业{payload}")

    public = {
        reverse("targets:enterprise_detail", args=[enterprise.pk]): [enterprise.name],
        "/enterprises/" + "?q=" + "企业": [],
        reverse("brands:brand_detail", args=[brand.pk]): [brand.name, brand.description],
        reverse("brands:brand_list"): [brand.name],
        reverse("brands:trademark_detail", args=[trademark.pk]): [trademark.mark_text],
        reverse("brands:trademark_list"): [trademark.mark_text],
        reverse("geo_indications:gi_detail", args=[gi.pk]): [gi.name_zh],
        reverse("geo_indications:gi_list"): [gi.name_zh],
        reverse("certifications:certification_detail", args=[certification.pk]): [certification.product],
        reverse("certifications:certification_list"): [certification.product],
        reverse("certifications:zone_detail", args=[zone.pk]): [zone.name],
        reverse("certifications:zone_list"): [zone.name],
        f"/progress/plans/{target.plan.code}/targets/{target.code}/": [f"来源{payload}"],
        "/progress/": [],
        reverse("certificates:verify-number", args=[cert.number]): [cert.holder_name],
        reverse("certificates:verify") + f"?number={cert.number}": [cert.holder_name],
        reverse("verify-qr", args=[cert.number]): [cert.holder_name],
        reverse("certificates:verify") + "?number=" + payload: [],
    }
    problems = []

    def check(c, url, expected):
        response = c.get(url, follow=True)
        if response.status_code != 200:
            problems.append(f"{url}: status {response.status_code}")
            return
        html = response.content.decode()
        if found := unescaped(html):
            problems.append(f"{url}: unescaped {found}")
        for value in expected:
            if escape(value) not in html:
                problems.append(f"{url}: escaped {value!r} not shown")

    for url, expected in public.items():
        check(client, url, expected)

    staff = committee("committee-hostile")
    client.force_login(staff)
    check(client, reverse("review:application", args=[app.pk]), [app.statement, f"评语{payload}"])
    check(client, reverse("review:queue"), [])
    check(client, reverse("review:application", args=[objection.notice.application.pk]), [objection.text])
    check(client, reverse("review:certificate", args=[cert.number]), [cert.holder_name])

    owner = app.created_by
    client.force_login(owner)
    check(client, reverse("portal:application_detail", args=[app.pk]), [app.statement])
    check(client, reverse("portal:home"), [])
    assert not problems, "\n".join(problems)


# === 3. the same payloads through the PDFs =======================================================================

IMG_MARKUP = '<img src="/etc/passwd"/>'
PDF_PAYLOADS = [*PAYLOADS, IMG_MARKUP, '<a href="javascript:alert(1)">x</a>', "<font size=60>X</font>&amp;"]


def squeezed(text: str) -> str:
    return "".join(text.split())


def injected(pdf: bytes, *, images: int) -> list[str]:
    problems = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages, 1):
        if "/Annots" in page:
            problems.append(f"page {number} has annotations (links)")
        xobjects = page.get("/Resources", {}).get("/XObject", {}) or {}
        if len(xobjects) > images:
            problems.append(f"page {number} has {len(xobjects)} XObjects")
    return problems


@pytest.mark.parametrize("payload", PDF_PAYLOADS)
def test_payloads_in_the_certificate_pdf_are_printed_literally(payload):
    from awards.certificates.pdf import render_certificate_pdf
    from tests.test_certificate_pdf import certificate

    pdf = render_certificate_pdf(certificate(holder_name=f"企业{payload}", subject_name=f"品牌{payload}"))
    text = squeezed(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    assert squeezed(f"企业{payload}") in text
    assert squeezed(f"品牌{payload}") in text
    assert injected(pdf, images=1) == []  # the seal only


def test_payloads_in_the_annual_report_are_printed_literally(reference_data):
    """One rendering: each payload in the name of another target, one in the plan's name."""
    from targets.models import Plan
    from targets.report import render_annual_report

    # The report prints the plan's and the targets' names (office-edited); league names are reference data
    # and measurement sources are not printed.
    plan = Plan.objects.current()
    plan.name_zh = f"规划{IMG_MARKUP}"
    plan.save()
    names = []
    for target, payload in zip(plan.targets.order_by("code"), [*PAYLOADS, IMG_MARKUP], strict=False):
        target.name_zh = f"指标{payload}"
        target.save()
        names.append(target.name_zh)
    assert len(names) == len(PAYLOADS) + 1
    pdf = render_annual_report(plan, year=2020, as_of=datetime.date(2020, 12, 31))
    text = squeezed("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    for name in [*names, plan.name_zh]:
        assert squeezed(name) in text
    assert injected(pdf, images=0) == []


# === 4. the same payloads through the CSV/XLSX exports ==========================================================

FORMULAS = [DDE, "=1+1", "+1+1", "-1+1", "@SUM(A1)", '=HYPERLINK("http://x","y")', "\t=1", "\r=1"]


@pytest.mark.parametrize("value", FORMULAS + PAYLOADS)
def test_export_cells_never_start_a_formula(value):
    for cell in (csv_cell(value), xlsx_cell(value), neutralise(value)):
        assert not str(cell).startswith(("=", "+", "-", "@"))
        assert str(cell).lstrip("'") == value or str(cell) == value


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_enterprise_export_neutralises_a_dde_name_and_keeps_markup_literal(regions, client, fmt):
    from tests.factories import EnterpriseFactory

    names = [DDE, "@SUM(1+1)*cmd|' /C calc'!A0", *PAYLOADS]
    for name in names:
        EnterpriseFactory(name=name)
    response = client.get(f"/enterprises/export.{fmt}")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        cells = [c for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for c in row]
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(body)).worksheets[0]
        cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    assert "'" + DDE in cells
    for payload in PAYLOADS:
        assert payload in cells
