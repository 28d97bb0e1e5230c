"""Certificate PDF benchmark (DESIGN section 9): ``.venv/bin/python bench/certificates.py [--count N]``.

Renders N distinct certificates (unsaved records with real Ed25519-signed payloads; no database) in this one
process and thread, and, interleaved with them in the same run, as many bare one-line A4 pages with the same
embedded CJK font, to show the speed of the machine at that moment. Budgets: at least 40 certificates/s on
one core, measured in CPU time of this process (on a shared machine, other processes cut the wall-clock
figure, which is printed too), and every PDF under 100 KB. Exits 1 when a budget fails.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import reportlab  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from reportlab.graphics.barcode.qr import QrCodeWidget  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from awards.certificates.models import Certificate  # noqa: E402
from awards.certificates.pdf import PAGE_HEIGHT, PAGE_WIDTH, render_certificate_pdf  # noqa: E402
from awards.certificates.signing import Payload, b64url_encode, key_id_for, qr_url  # noqa: E402
from awards.models import AwardProgramme, SubjectKind  # noqa: E402
from bench.common import cpu_model  # noqa: E402
from core.pdf import CJK_FONT, qr_code_rows, register_cjk_font  # noqa: E402

MIN_RATE = 40.0  # certificates per second of CPU on one core
MAX_SIZE_KB = 100.0
ROUNDS = 10
HOLDERS = (
    ("内蒙古伊利实业集团股份有限公司", "伊利", "Yili"),
    ("内蒙古蒙牛乳业（集团）股份有限公司", "蒙牛", "Mengniu"),
    ("鄂尔多斯市东胜区羊绒制品有限责任公司", "鄂尔多斯羊绒", "Erdos Cashmere"),
    ("锡林郭勒盟草原肉业股份有限公司", "锡林郭勒羊肉", ""),
    ("呼伦贝尔农垦集团有限公司", "呼伦贝尔大豆", "Hulunbuir Soybean"),
)


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float


def sample_certificates(count: int) -> list[Certificate]:
    """``count`` distinct certificates, signed like real ones, never saved."""
    key = Ed25519PrivateKey.generate()
    key_id = key_id_for(key.public_key())
    programme = AwardProgramme(
        code="brand-recognition",
        name_zh="内蒙古品牌认定",
        name_en="Inner Mongolia brand recognition",
        subject_kind=SubjectKind.BRAND,
        certificate_prefix="NMPP",
    )
    issued_on = datetime.date(2026, 11, 27)
    certificates = []
    for serial in range(1, count + 1):
        holder, subject, subject_en = HOLDERS[serial % len(HOLDERS)]
        number = f"NMPP-2026-{serial:06d}"
        uscc = f"9115{serial:014d}"
        valid_until = issued_on.replace(year=issued_on.year + 3) - datetime.timedelta(days=1)
        payload = Payload(number, holder, uscc, subject, valid_until.isoformat(), key_id).to_bytes()
        certificates.append(
            Certificate(
                number=number,
                prefix="NMPP",
                year=2026,
                serial=serial,
                programme=programme,
                holder_name=holder,
                holder_uscc=uscc,
                subject_name=subject,
                subject_name_en=subject_en,
                issued_on=issued_on,
                valid_until=valid_until,
                key_id=key_id,
                payload=b64url_encode(payload),
                signature=b64url_encode(key.sign(payload)),
                version=1 + serial % 2,
            )
        )
    return certificates


def bare_page(number: str) -> bytes:
    """One line of text on an A4 landscape page, with the same embedded font and settings."""
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1, pageCompression=1, initialFontName=CJK_FONT
    )
    canvas.setFont(CJK_FONT, 14)
    canvas.drawString(72, PAGE_HEIGHT - 72, f"证书 Certificate {number}")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def timed(render: Callable[[], object]) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    render()
    return Timing(time.perf_counter() - wall, time.process_time() - cpu)


def run(certificates: Sequence[Certificate]) -> tuple[Timing, Timing, list[int]]:
    """Certificates and bare pages in alternating rounds, so that both see the same machine."""
    sizes: list[int] = []
    cert_wall = cert_cpu = bare_wall = bare_cpu = 0.0
    for start in range(ROUNDS):
        batch = certificates[start::ROUNDS]
        t = timed(lambda batch=batch: sizes.extend(len(render_certificate_pdf(c)) for c in batch))
        cert_wall, cert_cpu = cert_wall + t.wall, cert_cpu + t.cpu
        t = timed(lambda batch=batch: [bare_page(c.number) for c in batch])
        bare_wall, bare_cpu = bare_wall + t.wall, bare_cpu + t.cpu
    return Timing(cert_wall, cert_cpu), Timing(bare_wall, bare_cpu), sizes


def qr_comparison(certificates: Sequence[Certificate], count: int = 20) -> tuple[float, float]:
    """CPU milliseconds per QR code: ReportLab's own QrCodeWidget encoding (make()), and core.pdf's."""
    urls = [qr_url(c.number, c.payload, c.signature) for c in certificates[:count]]
    start = time.process_time()
    for url in urls:
        QrCodeWidget(url, barLevel="M").qr.make()
    reportlab_ms = 1000 * (time.process_time() - start) / len(urls)
    start = time.process_time()
    for url in urls:
        qr_code_rows(url)
    return reportlab_ms, 1000 * (time.process_time() - start) / len(urls)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Certificate PDF benchmark (DESIGN section 9).")
    parser.add_argument("--count", type=int, default=300, help="certificates to render (default 300)")
    args = parser.parse_args(argv)
    count = max(args.count, ROUNDS)
    register_cjk_font()
    certificates = sample_certificates(count)
    for certificate in certificates[:3]:  # warm up: font tables, seal image, QR tables
        render_certificate_pdf(certificate)
        bare_page(certificate.number)

    cert, bare, sizes = run(certificates)
    cert_rate, cert_cpu_rate = count / cert.wall, count / cert.cpu
    bare_rate, bare_cpu_rate = count / bare.wall, count / bare.cpu
    average_kb, largest_kb = sum(sizes) / len(sizes) / 1024, max(sizes) / 1024
    reportlab_qr_ms, qr_ms = qr_comparison(certificates)

    print(
        f"Certificate PDF benchmark, {datetime.date.today():%Y-%m-%d}: {count} certificates in 1 process, 1 thread; "
        f"{cpu_model()}, nproc {os.cpu_count()}, load {os.getloadavg()[0]:.1f}; "
        f"Python {platform.python_version()}, ReportLab {reportlab.Version}"
    )
    print(f"  bare one-line page:  {bare_rate:8.1f} pages/s wall, {bare_cpu_rate:8.1f}/s CPU")
    print(
        f"  certificate:         {cert_rate:8.1f} certificates/s wall, {cert_cpu_rate:8.1f}/s CPU "
        f"({1000 * cert.cpu / count:.1f} ms CPU each)"
    )
    print(f"  ratio:               a certificate costs {cert.cpu / bare.cpu:.1f} bare pages (CPU)")
    print(f"  PDF size:            {average_kb:.1f} KB on average, {largest_kb:.1f} KB at most")
    print(f"  QR code alone:       {qr_ms:.1f} ms CPU (ReportLab's own make(): {reportlab_qr_ms:.1f} ms)")
    checks = [
        (
            f">= {MIN_RATE:.0f} certificates/s on one core (CPU time)",
            cert_cpu_rate >= MIN_RATE,
            f"{cert_cpu_rate:.1f}/s",
        ),
        (f"< {MAX_SIZE_KB:.0f} KB per PDF", largest_kb < MAX_SIZE_KB, f"largest {largest_kb:.1f} KB"),
    ]
    for label, ok, figure in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {label}: {figure}")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
