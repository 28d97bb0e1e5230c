"""The annual progress report: the PDF on the demo data (targets/report.py), the command that stores it
(annual_report), and the pages that list and serve it to the leadership group and the programme office only
(targets/views_reports.py)."""

from __future__ import annotations

import datetime
import hashlib
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from core.models import AuditEvent, Role
from core.selectors import leagues
from targets import report as report_module
from targets.models import AnnualReport, Plan
from targets.report import ReportError, build_annual_report, render_annual_report
from tests.factories import UserFactory

TODAY = timezone.localdate()


@pytest.fixture(scope="module")
def demo_report(django_db_setup, django_db_blocker):
    """The report of the current plan on the demo data, rendered once for this module; the data are rolled back
    so that no other test sees them."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_reference", stdout=io.StringIO())
        call_command("load_demo", "--force", stdout=io.StringIO())
        plan = Plan.objects.current()
        rendered = build_annual_report(plan, year=TODAY.year, as_of=TODAY)
        facts = {
            "plan": (plan.name_zh, plan.name_en),
            "codes": list(plan.targets.values_list("code", flat=True)),
            "registry_codes": list(plan.targets.filter(measured_by="registry").values_list("code", flat=True)),
            "leagues": [(league.name_zh, league.name_en) for league in leagues()],
        }
        transaction.set_rollback(True)
    return rendered, facts


@pytest.fixture(scope="module")
def pages(demo_report) -> list[str]:
    rendered, _facts = demo_report
    return [page.extract_text() for page in PdfReader(io.BytesIO(rendered.pdf)).pages]


# --- the PDF ------------------------------------------------------------------------------------------------


def test_the_report_prints_every_target_of_the_plan(demo_report, pages):
    _rendered, facts = demo_report
    text = "\n".join(pages)
    assert len(facts["codes"]) > 30
    missing = [code for code in facts["codes"] if code not in text]
    assert not missing


def test_the_cover_names_the_plan_the_year_the_date_and_the_issuer(demo_report, pages):
    _rendered, facts = demo_report
    cover = pages[0]
    for expected in (
        *facts["plan"],
        f"{TODAY.year} 年度进展报告",
        f"Annual progress report {TODAY.year}",
        TODAY.isoformat(),
        settings.CERTIFICATE_ISSUER_ZH,
    ):
        assert expected in cover, expected


def test_the_summary_gives_each_target_its_trajectory_in_chinese_and_english(pages):
    summary = "\n".join(page for page in pages[1:6] if "Summary of all targets" in page or "Trajectory" in page)
    assert "一、目标完成情况总表" in summary
    assert "进展顺利" in summary and "On track" in summary
    assert "Expected at" in summary


def test_each_registry_target_has_a_page_with_its_trend_and_the_leagues_compared(demo_report, pages):
    _rendered, facts = demo_report
    for code in facts["registry_codes"]:
        page = next((p for p in pages if f"年度趋势 Yearly trend · {code}" in p), None)
        assert page is not None, code
        assert f"盟市比较 Leagues and cities · {code}" in page
        assert "目标 Goal" in page and "全区 Total" in page  # the numbers' tables beside the charts


def test_each_league_or_city_has_a_page_of_its_own(demo_report, pages):
    _rendered, facts = demo_report
    assert len(facts["leagues"]) == 12
    league_pages = []
    for name_zh, name_en in facts["leagues"]:
        found = [i for i, page in enumerate(pages) if page.split("\n")[4:6] == [name_zh, name_en]]
        assert len(found) == 1, (name_zh, found)
        page = pages[found[0]]
        assert "考核排名" in page or "未排名" in page
        assert f"{name_zh}占全区的比重" in page  # its chart on the same page
        league_pages.append(found[0])
    assert league_pages == sorted(league_pages) and len(set(league_pages)) == 12


def test_the_metadata_name_the_report(demo_report):
    rendered, facts = demo_report
    meta = PdfReader(io.BytesIO(rendered.pdf)).metadata
    assert meta.subject == f"annual progress report {TODAY.year}"
    assert facts["plan"][0] in meta.title
    assert settings.CERTIFICATE_ISSUER_ZH in meta.author


def test_every_font_is_embedded(demo_report):
    rendered, _facts = demo_report
    reader = PdfReader(io.BytesIO(rendered.pdf))
    fonts = {id(f): f.get_object() for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert fonts
    for font in fonts.values():
        assert font["/Subtype"] == "/TrueType"
        assert "/FontFile2" in font["/FontDescriptor"].get_object()


def test_the_page_count_is_the_pdfs(demo_report):
    rendered, _facts = demo_report
    assert rendered.pages == len(PdfReader(io.BytesIO(rendered.pdf)).pages)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils (pdftoppm)")
def test_the_first_page_is_not_blank(demo_report, tmp_path):
    rendered, _facts = demo_report
    source = tmp_path / "report.pdf"
    source.write_bytes(rendered.pdf)
    subprocess.run(  # noqa: S603 - a fixed command on our own file
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(source), str(tmp_path / "page")],  # noqa: S607
        check=True,
    )
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    dark = sum(image.histogram()[:235])
    assert dark / (image.width * image.height) > 0.08


@pytest.mark.django_db
def test_names_from_the_data_are_printed_literally_never_obeyed(reference_data):
    plan = Plan.objects.current()
    plan.name_zh = '规划 <font size="40">大</font> & <img src="/etc/passwd"/>'
    plan.save()
    target = plan.targets.get(code="BR-01")
    target.name_zh = "品牌 <b>加粗</b> &amp;"
    target.save()
    pdf = render_annual_report(plan, year=2020, as_of=datetime.date(2020, 12, 31))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert '<font size="40">大</font> & <img src="/etc/passwd"/>' in text
    assert "品牌 <b>加粗</b> &amp;" in text


@pytest.mark.django_db
def test_the_date_must_fall_in_the_year(reference_data):
    with pytest.raises(ReportError):
        render_annual_report(Plan.objects.current(), year=2020, as_of=datetime.date(2021, 1, 1))


# --- the command --------------------------------------------------------------------------------------------


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("annual_report", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)  # the old file is deleted once the new row is committed
def test_the_command_stores_the_report_and_a_second_run_replaces_it(reference_data):
    first_output = run("--year", "2020", "--as-of", "2020-12-31")
    first = AnnualReport.objects.get()
    first_path = Path(first.file.path)
    pdf = first_path.read_bytes()
    assert pdf[:5] == b"%PDF-"
    assert first.plan == Plan.objects.current() and first.year == 2020
    assert first.as_of == datetime.date(2020, 12, 31)
    assert first.size == len(pdf) and first.sha256 == hashlib.sha256(pdf).hexdigest()
    assert first.pages == len(PdfReader(io.BytesIO(pdf)).pages) > 12
    assert re.search(rf"sha256:\s+{first.sha256}", first_output)
    assert f"pages:   {first.pages}" in first_output and str(first_path) in first_output
    assert not str(first_path).startswith(str(settings.MEDIA_ROOT))  # private, never under a public URL

    run("--year", "2020", "--as-of", "2020-12-31")
    second = AnnualReport.objects.get()
    assert second.pk == first.pk
    assert second.sha256 == first.sha256  # the same data on the same date give the same bytes
    assert second.generated_at > first.generated_at
    assert Path(second.file.path).exists() and not first_path.exists()
    assert AuditEvent.objects.filter(action="annual_report.generate", object_id=str(first.pk)).count() == 2


@pytest.fixture
def fake_renderer(monkeypatch) -> list[tuple]:
    """Records what the command asks for instead of rendering (the real rendering is tested above)."""
    calls = []

    def build(plan, *, year, as_of):
        calls.append((plan, year, as_of))
        return report_module.RenderedReport(b"%PDF-1.4 fake", 1)

    monkeypatch.setattr(report_module, "build_annual_report", build)
    return calls


@pytest.mark.django_db
def test_the_command_defaults_to_the_current_plan_this_year_and_today(reference_data, fake_renderer):
    run()
    report = AnnualReport.objects.get()
    assert (report.plan, report.year, report.as_of) == (Plan.objects.current(), TODAY.year, TODAY)
    assert fake_renderer == [(report.plan, TODAY.year, TODAY)]


@pytest.mark.django_db
def test_a_past_year_is_reported_as_of_its_last_day(reference_data, fake_renderer):
    run("--plan", "plan-2015", "--year", "2019")
    report = AnnualReport.objects.get()
    assert (report.year, report.as_of) == (2019, datetime.date(2019, 12, 31))


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_plan_and_a_date_outside_the_year(reference_data):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nope"):
        run("--plan", "nope")
    with pytest.raises(CommandError, match="2021-01-01"):
        run("--year", "2020", "--as-of", "2021-01-01")
    assert not AnnualReport.objects.exists()


# --- the pages ----------------------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n% annual report of the test\n"


@pytest.fixture
def stored(reference_data) -> AnnualReport:
    plan = Plan.objects.current()
    report = AnnualReport(
        plan=plan,
        year=2020,
        as_of=datetime.date(2020, 12, 31),
        sha256="a" * 64,
        size=len(PDF),
        pages=1,
        generated_at=timezone.now(),
        generated_by="test",
    )
    report.file.save("plan-2020.pdf", ContentFile(PDF), save=False)
    report.save()
    return report


def client_for(role: str | None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if role is not None:
        client.force_login(UserFactory(username=f"user-{role}", role=role))
    return client


def urls(report: AnnualReport) -> list[str]:
    return [reverse("reports:list"), reverse("reports:download", args=[report.plan.code, report.year])]


def test_the_addresses_are_under_progress():
    assert reverse("reports:list") == "/progress/reports/"
    assert reverse("reports:download", args=["plan-2015", 2026]) == "/progress/reports/plan-2015/2026.pdf"


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.LEADERSHIP, Role.STAFF])
def test_the_leadership_group_and_the_office_list_and_download_reports(stored, role):
    client = client_for(role)
    page = client.get(reverse("reports:list"))
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    html = page.content.decode()
    assert html.count("<h1") == 1
    assert reverse("reports:download", args=[stored.plan.code, 2020]) in html
    response = client.get(reverse("reports:download", args=[stored.plan.code, 2020]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert f'filename="{stored.plan.code}-2020.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.REVIEWER, Role.COMMITTEE])
def test_anyone_else_signed_in_is_refused_and_sees_nothing_of_the_report(stored, role):
    client = client_for(role)
    for url in urls(stored):
        response = client.get(url)
        assert response.status_code == 403, url
        body = response.content
        assert PDF not in body and stored.sha256.encode() not in body
        assert b"Download the" not in body and f"{stored.plan.code}-2020.pdf".encode() not in body


@pytest.mark.django_db
def test_signed_out_visitors_are_sent_to_sign_in(stored):
    client = client_for(None)
    for url in urls(stored):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
        assert b"PDF" not in response.content


@pytest.mark.django_db
def test_an_unknown_report_is_a_404_and_a_post_is_refused(stored):
    client = client_for(Role.STAFF)
    assert client.get(reverse("reports:download", args=[stored.plan.code, 2019])).status_code == 404
    assert client.get(reverse("reports:download", args=["nope", 2020])).status_code == 404
    assert client.post(reverse("reports:list")).status_code == 405


@pytest.mark.django_db
def test_the_list_says_when_there_is_no_report(reference_data):
    response = client_for(Role.LEADERSHIP).get(reverse("reports:list"))
    assert response.status_code == 200
    assert "No report has been generated yet." in response.content.decode()
