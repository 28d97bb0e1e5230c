"""The Django admin: every model answers, searches work, changes are audited, the audit log is
read-only for everyone, registers import from files, and brand logos are checked."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from brands.models import Brand
from certifications.models import Certification
from core.audit import audit
from core.models import AuditEvent, CreditRecord, Enterprise, Region
from targets.models import AnnualReport, Plan
from tests.factories import (
    BrandFactory,
    CertificationFactory,
    DemonstrationZoneFactory,
    EnterpriseFactory,
    GIMarkUserFactory,
    TrademarkFactory,
    UserFactory,
    make_uscc,
)
from tests.factories_extra import (
    BrandEvaluationFactory,
    CreditRecordFactory,
    MeasurementFactory,
    RegionalAllocationFactory,
)

pytestmark = pytest.mark.django_db

OUR_APPS = {"core", "geo_indications", "brands", "certifications", "targets"}


@pytest.fixture
def one_of_each(reference_data, staff_user):
    """At least one record of every model the admin shows."""
    mark_user = GIMarkUserFactory()
    CreditRecordFactory(enterprise=mark_user.enterprise)
    brand = BrandFactory(enterprise=mark_user.enterprise, gi_product=mark_user.gi_product)
    BrandEvaluationFactory(brand=brand)
    TrademarkFactory(enterprise=mark_user.enterprise, brand=brand)
    CertificationFactory(enterprise=mark_user.enterprise)
    DemonstrationZoneFactory()
    MeasurementFactory()
    RegionalAllocationFactory()
    audit(actor=staff_user, action="test.seed", obj=brand, after={"name": brand.name})
    report = AnnualReport(
        plan=Plan.objects.current(), year=2020, as_of=datetime.date(2020, 12, 31), sha256="0" * 64, size=4, pages=1
    )
    report.generated_at, report.generated_by = timezone.now(), "test"
    report.file.save("t.pdf", ContentFile(b"%PDF"), save=False)
    report.save()


@pytest.fixture
def office(client, staff_user):
    client.force_login(staff_user)
    return client


def our_models():
    return sorted((m for m in admin.site._registry if m._meta.app_label in OUR_APPS), key=lambda m: m._meta.label_lower)


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_model_of_the_registry_apps_is_in_the_admin():
    labels = {m._meta.label for m in our_models()}
    expected = {
        "core.Region",
        "core.Enterprise",
        "core.CreditRecord",
        "core.User",
        "core.AuditEvent",
        "geo_indications.GIProduct",
        "geo_indications.GIMarkUser",
        "brands.NiceClass",
        "brands.Brand",
        "brands.Trademark",
        "brands.BrandEvaluation",
        "certifications.Certification",
        "certifications.DemonstrationZone",
        "targets.Plan",
        "targets.TargetGroup",
        "targets.Target",
        "targets.Measurement",
        "targets.RegionalAllocation",
    }
    assert expected <= labels


@pytest.mark.parametrize("model", our_models(), ids=lambda m: m._meta.label)
def test_changelist_add_and_change_pages_answer_for_a_superuser(office, one_of_each, model):
    assert office.get(admin_url(model, "changelist")).status_code == 200
    assert office.get(admin_url(model, "changelist"), {"q": "测试"}).status_code == 200
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"no {model._meta.label} to open"
    assert office.get(admin_url(model, "change", obj.pk)).status_code == 200
    expected_add = 403 if model in (AuditEvent, AnnualReport) else 200  # written by their own code only
    assert office.get(admin_url(model, "add")).status_code == expected_add


def test_the_changelist_query_count_does_not_grow_with_the_page(office, regions):
    for _ in range(3):
        CertificationFactory()
    url = admin_url(Certification, "changelist")
    office.get(url)
    with CaptureQueriesContext(connection) as few:
        office.get(url)
    for _ in range(20):
        CertificationFactory()
    with CaptureQueriesContext(connection) as many:
        office.get(url)
    assert len(many) == len(few)


def test_the_changelist_search_finds_chinese_names_and_codes(office, regions):
    milk = EnterpriseFactory(name="内蒙古草原乳业有限公司")
    EnterpriseFactory(name="包头稀土材料有限公司")
    url = admin_url(Enterprise, "changelist")
    by_name = office.get(url, {"q": "乳业"})
    assert list(by_name.context["cl"].result_list) == [milk]
    by_code = office.get(url, {"q": milk.uscc})
    assert list(by_code.context["cl"].result_list) == [milk]


def test_regions_search_by_code_and_name_and_filter_by_level(office, regions):
    url = admin_url(Region, "changelist")
    assert [r.code for r in office.get(url, {"q": "新城区"}).context["cl"].result_list] == ["150102"]
    assert [r.code for r in office.get(url, {"q": "150102"}).context["cl"].result_list] == ["150102"]
    leagues = office.get(url, {"level__exact": "prefecture"}).context["cl"]
    assert leagues.result_count == 12


def test_autocomplete_of_regions_answers(office, regions):
    response = office.get(
        reverse("admin:autocomplete"),
        {"term": "新城", "app_label": "core", "model_name": "enterprise", "field_name": "region"},
    )
    assert response.status_code == 200
    assert "150102" in {item["id"] for item in response.json()["results"]}


# --- audit --------------------------------------------------------------------------------------


def test_admin_add_change_and_delete_are_audited_with_the_changed_fields(office, regions, staff_user):
    uscc = make_uscc("150102", 700001)
    data = {
        "name": "内蒙古审计测试有限公司",
        "uscc": uscc,
        "region": "150102",
        "industry": "food",
        "credit_grade": "A",
        "credit_records-TOTAL_FORMS": "0",
        "credit_records-INITIAL_FORMS": "0",
    }
    response = office.post(admin_url(Enterprise, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    enterprise = Enterprise.objects.get(uscc=uscc)
    created = AuditEvent.objects.get(action="admin.create")
    assert (created.actor, created.object_type, created.object_id) == (
        staff_user,
        "core.enterprise",
        str(enterprise.pk),
    )
    assert created.before is None
    assert created.after["name"] == "内蒙古审计测试有限公司"

    response = office.post(admin_url(Enterprise, "change", enterprise.pk), {**data, "credit_grade": "B"})
    assert response.status_code == 302
    updated = AuditEvent.objects.get(action="admin.update")
    assert (updated.before, updated.after) == ({"credit_grade": "A"}, {"credit_grade": "B"})

    response = office.post(admin_url(Enterprise, "delete", enterprise.pk), {"post": "yes"})
    assert response.status_code == 302
    deleted = AuditEvent.objects.get(action="admin.delete")
    assert deleted.before["uscc"] == uscc
    assert deleted.after is None
    assert not Enterprise.objects.filter(pk=enterprise.pk).exists()


def test_inline_rows_are_audited(office, regions):
    enterprise = EnterpriseFactory()
    data = {
        "name": enterprise.name,
        "uscc": enterprise.uscc,
        "region": "150102",
        "industry": "food",
        "credit_grade": "A",
        "credit_records-TOTAL_FORMS": "1",
        "credit_records-INITIAL_FORMS": "0",
        "credit_records-0-kind": "violation",
        "credit_records-0-severity": "serious",
        "credit_records-0-description": "虚假宣传",
        "credit_records-0-recorded_on": "2025-01-02",
    }
    assert office.post(admin_url(Enterprise, "change", enterprise.pk), data).status_code == 302
    record = CreditRecord.objects.get()
    event = AuditEvent.objects.get(object_type="core.creditrecord")
    assert (event.action, event.object_id, event.after["severity"]) == ("admin.create", str(record.pk), "serious")


def test_a_users_password_hash_never_reaches_the_audit_log(office, regions):
    response = office.post(
        reverse("admin:core_user_add"),
        {
            "username": "reviewer1",
            "password1": "a-Long-pass-4321",
            "password2": "a-Long-pass-4321",
            "role": "reviewer",
            "jurisdiction": "150100",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="admin.create", object_type="core.user")
    assert event.after["password"] == "(changed)"
    assert "pbkdf2" not in str(event.after) and "md5" not in str(event.after)


def test_the_audit_log_cannot_be_added_changed_or_deleted_even_by_a_superuser(office, one_of_each):
    event = AuditEvent.objects.first()
    count = AuditEvent.objects.count()
    assert office.get(admin_url(AuditEvent, "add")).status_code == 403
    assert office.post(admin_url(AuditEvent, "add"), {"action": "forged"}).status_code == 403
    page = office.get(admin_url(AuditEvent, "change", event.pk))
    assert page.status_code == 200  # readable
    assert b'name="_save"' not in page.content
    assert office.post(admin_url(AuditEvent, "change", event.pk), {"action": "forged"}).status_code == 403
    assert office.get(admin_url(AuditEvent, "delete", event.pk)).status_code == 403
    assert office.post(admin_url(AuditEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    changelist = office.get(admin_url(AuditEvent, "changelist"))
    assert "delete_selected" not in changelist.context["cl"].model_admin.get_actions(changelist.wsgi_request)
    office.post(admin_url(AuditEvent, "changelist"), {"action": "delete_selected", "_selected_action": [event.pk]})
    assert AuditEvent.objects.count() == count
    event.refresh_from_db()
    assert event.action == "test.seed"


# --- import from a file in the admin ------------------------------------------------------------


def certificate_file(holder_uscc: str, name: str = "certs.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["证书编号", "认证类别", "获证企业统一社会信用代码", "产品或范围", "认证机构", "颁证日期", "有效期至"]
    )
    writer.writerow(["124OP2400001", "organic", holder_uscc, "牛奶", "中绿华夏", "2024-05-01", "2027-04-30"])
    writer.writerow(["124OP2400002", "organic", holder_uscc, "牛奶", "中绿华夏", "2024-05-01", "2023-04-30"])
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8"), content_type="text/csv")


def test_the_changelist_offers_import_to_those_who_may(office, regions):
    response = office.get(admin_url(Certification, "changelist"))
    assert admin_url(Certification, "import").encode() in response.content


def test_the_admin_import_imports_good_rows_and_shows_the_bad_row(office, regions, staff_user):
    holder = EnterpriseFactory()
    url = admin_url(Certification, "import")
    form_page = office.get(url)
    assert form_page.status_code == 200
    assert b"/import/templates/certifications.xlsx" in form_page.content
    response = office.post(url, {"file": certificate_file(holder.uscc)})
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.created, report.failed) == (1, 1)
    assert Certification.objects.get().certificate_number == "124OP2400001"
    assert "<td>3</td><td>有效期至</td>" in response.content.decode()
    event = AuditEvent.objects.get(action="registry.import")
    assert (event.actor, event.after["file"]) == (staff_user, "certs.csv")


def test_a_dry_run_in_the_admin_saves_nothing(office, regions):
    holder = EnterpriseFactory()
    response = office.post(admin_url(Certification, "import"), {"file": certificate_file(holder.uscc), "dry_run": "on"})
    assert response.context["report"].dry_run
    assert not Certification.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "code", "message"),
    [
        ("certs.pdf", b"%PDF-1.4", "file_type", "请上传 .csv 或 .xlsx 文件"),
        ("certs.xlsx", b"not a zip at all", "not_xlsx", "XLSX"),
        ("certs.csv", b"\x00\x01\x02\x03", "not_text", "CSV"),
    ],
)
def test_the_admin_import_checks_the_file_type_by_content(office, regions, name, content, code, message):
    response = office.post(admin_url(Certification, "import"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    (error,) = response.context["form"].errors.as_data()["file"]
    assert error.code == code
    assert message in str(response.context["form"].errors["file"])  # shown in Chinese, the default language


def test_the_admin_import_caps_the_file_size(office, regions, settings):
    settings.IMPORT_UPLOAD_MAX_BYTES = 100
    response = office.post(admin_url(Certification, "import"), {"file": certificate_file(make_uscc())})
    assert response.context["form"].errors.as_data()["file"][0].code == "file_too_large"
    assert response.context["form"].errors["file"][0].startswith("文件过大")
    assert not Certification.objects.exists()


def test_a_non_staff_user_cannot_reach_the_admin_import(client, regions):
    client.force_login(UserFactory(username="citizen", is_staff=False))
    response = client.get(admin_url(Certification, "import"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    client.post(admin_url(Certification, "import"), {"file": certificate_file(make_uscc())})
    assert not Certification.objects.exists()


def test_staff_without_add_and_change_permission_cannot_import(client, regions):
    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_certification"))
    client.force_login(clerk)
    response = client.get(admin_url(Certification, "changelist"))
    assert response.status_code == 200
    assert admin_url(Certification, "import").encode() not in response.content
    assert client.get(admin_url(Certification, "import")).status_code == 403
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["add_certification", "change_certification"]))
    assert client.get(admin_url(Certification, "import")).status_code == 200


# --- brand logos --------------------------------------------------------------------------------


def brand_form(enterprise: Enterprise, logo) -> dict:
    return {
        "name": "草原测试",
        "enterprise": enterprise.pk,
        "kind": "product",
        "industry": "food",
        "region": "150102",
        "status": "cultivating",
        "logo": logo,
        "evaluations-TOTAL_FORMS": "0",
        "evaluations-INITIAL_FORMS": "0",
    }


def media_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_a_logo_that_is_not_an_image_gives_a_form_error_and_saves_nothing(office, regions):
    enterprise = EnterpriseFactory()
    before = media_files()
    fake = SimpleUploadedFile("logo.png", b"<html>not a picture</html>", content_type="image/png")
    response = office.post(admin_url(Brand, "add"), brand_form(enterprise, fake))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert [e.code for e in errors.as_data()["logo"]] == ["image_invalid"]
    assert errors["logo"] == ["该文件不是有效的图片，请上传 PNG、JPEG、GIF 或 WebP 图片。"]
    assert not Brand.objects.exists()
    assert media_files() == before
    assert not AuditEvent.objects.exists()


def test_a_logo_is_re_encoded_and_gets_its_thumbnail(office, regions):
    enterprise = EnterpriseFactory()
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (10, 120, 200)).save(out, format="PNG")
    payload = b"<script>alert(1)</script>"
    upload = SimpleUploadedFile("brand.png", out.getvalue() + payload, content_type="image/png")
    response = office.post(admin_url(Brand, "add"), brand_form(enterprise, upload))
    assert response.status_code == 302, response.context["adminform"].form.errors
    brand = Brand.objects.get()
    assert brand.logo.name.startswith("brands/logos/logo")
    assert payload not in brand.logo.read()
    with Image.open(brand.logo_thumbnail) as thumb:
        assert max(thumb.size) <= 240
    assert AuditEvent.objects.get(action="admin.create").after["logo"] == brand.logo.name


def test_clearing_the_logo_clears_the_thumbnail_too(office, regions):
    enterprise = EnterpriseFactory()
    out = io.BytesIO()
    Image.new("RGB", (64, 64)).save(out, format="PNG")
    office.post(admin_url(Brand, "add"), brand_form(enterprise, SimpleUploadedFile("b.png", out.getvalue())))
    brand = Brand.objects.get()
    assert brand.logo and brand.logo_thumbnail
    data = {**brand_form(enterprise, ""), "logo-clear": "on"}
    assert office.post(admin_url(Brand, "change", brand.pk), data).status_code == 302
    brand.refresh_from_db()
    assert not brand.logo
    assert not brand.logo_thumbnail
