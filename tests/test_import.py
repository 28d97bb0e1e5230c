"""Bulk import of register records (core.importing and each app's importers)."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from brands.models import Brand, Trademark
from certifications.models import Certification, DemonstrationZone
from core.importing import Importer, ImportFileError, get_importer, importer_kinds
from core.models import AuditEvent, Enterprise
from geo_indications.models import GIProduct
from tests.factories import BrandFactory, CertificationFactory, EnterpriseFactory, GIProductFactory, make_uscc

pytestmark = pytest.mark.django_db

GOOD_USCC = make_uscc("150102", 900001)
BAD_USCC = GOOD_USCC[:-1] + ("0" if GOOD_USCC[-1] != "0" else "1")


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A small archive that unpacks to 200 MB of zeros."""
    import zipfile

    out = io.BytesIO()
    block = b"\0" * (1024 * 1024)
    with (
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w") as member,
    ):
        for _ in range(200):
            member.write(block)
    return out.getvalue()


def run(kind: str, rows: list[list[str]], *, name: str = "file.csv", **kwargs):
    data = xlsx_bytes(rows) if name.endswith(".xlsx") else csv_bytes(rows)
    return get_importer(kind).run(data, file_name=name, **kwargs)


def only_error(report):
    assert report.failed == 1, report.errors
    return report.errors[0]


ENTERPRISE_ROWS = [
    ["统一社会信用代码", "企业名称", "所在旗县区", "行业"],
    [GOOD_USCC, "内蒙古好企业有限公司", "150102", "dairy"],
    [BAD_USCC, "内蒙古坏企业有限公司", "150102", "dairy"],
]


# --- the generic behaviour, shown with enterprises ------------------------------------------------


@pytest.mark.parametrize("name", ["enterprises.csv", "enterprises.xlsx"])
def test_a_good_row_is_imported_and_a_bad_row_is_reported_with_row_column_and_rule(regions, name):
    rows = [ENTERPRISE_ROWS[0], [GOOD_USCC, "内蒙古好企业有限公司", "150102", "dairy"], ENTERPRISE_ROWS[2]]
    report = run("enterprises", rows, name=name)
    assert (report.rows, report.created, report.updated, report.unchanged, report.failed) == (2, 1, 0, 0, 1)
    assert list(Enterprise.objects.values_list("uscc", flat=True)) == [GOOD_USCC]
    error = only_error(report)
    assert (error.row, error.column, error.code) == (3, "统一社会信用代码", "uscc_check_character")
    assert "校验码错误" in error.message  # Chinese by default: "check character is wrong"


@pytest.mark.parametrize("name", ["enterprises.csv", "enterprises.xlsx"])
def test_re_importing_the_same_file_changes_nothing(regions, name):
    rows = [ENTERPRISE_ROWS[0], [GOOD_USCC, "内蒙古好企业有限公司", "150102", "dairy"], ENTERPRISE_ROWS[2]]
    run("enterprises", rows, name=name)
    before = list(Enterprise.objects.values())
    again = run("enterprises", rows, name=name)
    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 1, 1)
    assert list(Enterprise.objects.values()) == before


def test_a_changed_row_is_updated_and_only_that_row(regions):
    other = EnterpriseFactory()
    rows = [["USCC", "Name", "Region"], [GOOD_USCC, "旧名称", "150102"], [other.uscc, other.name, "150102"]]
    run("enterprises", rows)
    rows[1][1] = "新名称"
    report = run("enterprises", rows)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert Enterprise.objects.get(uscc=GOOD_USCC).name == "新名称"


def test_columns_absent_from_the_file_are_left_alone(regions):
    enterprise = EnterpriseFactory(contact_email="keep@example.cn", industry="dairy")
    report = run("enterprises", [["USCC", "Name", "Region"], [enterprise.uscc, "改名", "150102"]])
    assert report.updated == 1
    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.contact_email, enterprise.industry) == ("改名", "keep@example.cn", "dairy")


@pytest.mark.parametrize(
    "headers",
    [
        ["统一社会信用代码", "企业名称", "所在旗县区", "行业"],
        ["USCC", "Name", "Region", "Industry"],
        [" uscc ", "NAME", "region", "industry "],
        ["统一社会信用代码", "Name", "所在地区", "Industry"],
    ],
)
def test_chinese_english_and_mixed_headers_are_accepted_whatever_the_case_and_spacing(regions, headers):
    report = run("enterprises", [headers, [GOOD_USCC, "内蒙古好企业有限公司", "150102", "dairy"]])
    assert report.created == 1, report.errors


@pytest.mark.parametrize("industry", ["dairy", "DAIRY", "Dairy", " dairy "])
def test_choices_by_value_or_english_label(regions, industry):
    rows = [["USCC", "Name", "Region", "Industry"], [GOOD_USCC, "企业", "150102", industry]]
    assert run("enterprises", rows).created == 1
    assert Enterprise.objects.get().industry == "dairy"


def test_a_choice_by_english_label(regions):
    rows = [["USCC", "Name", "Region", "Industry"], [GOOD_USCC, "企业", "150102", "Mongolian and Chinese medicine"]]
    assert run("enterprises", rows).created == 1
    assert Enterprise.objects.get().industry == "medicine"


def test_an_unknown_choice_gets_the_models_own_message(regions):
    error = only_error(
        run("enterprises", [["USCC", "Name", "Region", "Industry"], [GOOD_USCC, "企业", "150102", "航天"]])
    )
    assert (error.column, error.code) == ("Industry", "invalid_choice")


def test_a_region_by_exact_chinese_name(regions):
    assert run("enterprises", [["USCC", "Name", "Region"], [GOOD_USCC, "企业", "新城区"]]).created == 1
    assert Enterprise.objects.get().region_id == "150102"


def test_an_enterprise_in_a_league_not_a_county_is_refused(regions):
    error = only_error(run("enterprises", [["USCC", "Name", "Region"], [GOOD_USCC, "企业", "呼和浩特市"]]))
    assert (error.row, error.column, error.code) == (2, "Region", "region_not_county")


def test_an_unknown_region_is_refused(regions):
    error = only_error(run("enterprises", [["USCC", "Name", "Region"], [GOOD_USCC, "企业", "999999"]]))
    assert error.code == "region_not_found"


def test_a_lower_case_uscc_is_stored_in_capitals(regions):
    uscc = make_uscc("150102", 900002)
    body = uscc[:8] + "ma" + uscc[10:]
    code = body.upper()
    from core.validators import uscc_check_character

    code = code[:17] + uscc_check_character(code[:17])
    assert run("enterprises", [["USCC", "Name", "Region"], [code.lower(), "企业", "150102"]]).created == 1
    assert Enterprise.objects.get().uscc == code


def test_an_empty_required_cell_is_reported(regions):
    error = only_error(run("enterprises", [["USCC", "Name", "Region"], [GOOD_USCC, "", "150102"]]))
    assert (error.column, error.code) == ("Name", "required")


def test_every_error_of_a_row_is_reported(regions):
    report = run("enterprises", [["USCC", "Name", "Region", "Industry"], [BAD_USCC, "", "999999", "x"]])
    assert report.failed == 1
    assert {e.code for e in report.errors} == {"uscc_check_character", "required", "region_not_found", "invalid_choice"}


def test_blank_rows_are_ignored_and_row_numbers_stay_those_of_the_sheet(regions):
    rows = [["USCC", "Name", "Region"], ["", "", ""], [GOOD_USCC, "企业", "150102"], [BAD_USCC, "企业2", "150102"]]
    report = run("enterprises", rows, name="f.xlsx")
    assert report.rows == 2
    assert only_error(report).row == 4


def test_a_row_repeated_in_the_file_is_refused(regions):
    rows = [["USCC", "Name", "Region"], [GOOD_USCC, "企业", "150102"], [GOOD_USCC.lower(), "企业二", "150102"]]
    report = run("enterprises", rows)
    assert report.created == 1
    error = only_error(report)
    assert (error.row, error.code) == (3, "duplicate_row")
    assert "与第 2 行重复" in error.message  # "duplicate of row 2"


def test_utf8_with_bom_and_gb18030_are_read(regions):
    rows = [["统一社会信用代码", "企业名称", "所在旗县区"], [GOOD_USCC, "内蒙古好企业有限公司", "新城区"]]
    importer = get_importer("enterprises")
    assert importer.run(csv_bytes(rows, "utf-8-sig"), file_name="a.csv").created == 1
    rows[1][1] = "改名企业"
    assert get_importer("enterprises").run(csv_bytes(rows, "gb18030"), file_name="b.csv").updated == 1
    assert Enterprise.objects.get().name == "改名企业"


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"PK\x03\x04 not really a zip", "a.xlsx", "not_xlsx"),
        (b"plain text", "a.xlsx", "not_xlsx"),
        (b"\x00\x01\x02binary", "a.csv", "not_text"),
        (b"\xff\xfe\xfa\xfb" * 10, "a.csv", "encoding"),
        (b"a,b", "a.pdf", "file_type"),
        (b"", "a.csv", "no_header"),
        ("统一社会信用代码,企业名称\n".encode(), "a.csv", "missing_columns"),
        ("USCC,统一社会信用代码,Name,Region\n".encode(), "a.csv", "duplicate_column"),
        (zip_bomb(), "bomb.xlsx", "xlsx_bomb"),
    ],
)
def test_an_unreadable_file_is_refused_as_a_whole(regions, data, name, code):
    with pytest.raises(ImportFileError) as exc:
        get_importer("enterprises").run(data, file_name=name)
    assert exc.value.code == code
    assert not AuditEvent.objects.exists()


def test_an_unknown_column_is_ignored_with_a_warning(regions):
    report = run("enterprises", [["USCC", "Name", "Region", "Colour"], [GOOD_USCC, "企业", "150102", "red"]])
    assert report.created == 1
    assert any("Colour" in w for w in report.warnings)


def test_one_audit_event_per_import_with_the_counts_and_the_file_name(regions, staff_user):
    run("enterprises", ENTERPRISE_ROWS, name="batch-1.csv", actor=staff_user)
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.object_type) == ("registry.import", staff_user, "core.enterprise")
    assert event.after == {
        "kind": "enterprises",
        "file": "batch-1.csv",
        "rows": 2,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "failed": 1,
        "skipped": 0,
    }


def test_a_dry_run_checks_every_row_and_saves_nothing(regions):
    report = run("enterprises", ENTERPRISE_ROWS, dry_run=True)
    assert (report.dry_run, report.created, report.failed) == (True, 1, 1)
    assert not Enterprise.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_number_of_queries_does_not_grow_with_the_rows(regions):
    holders = [EnterpriseFactory() for _ in range(3)]

    def certificate_rows(start: int, count: int) -> list[list[str]]:
        header = ["证书编号", "认证类别", "获证企业统一社会信用代码", "产品或范围", "认证机构", "颁证日期", "有效期至"]
        return [header] + [
            [f"124OP24{n:05d}", "organic", holders[n % 3].uscc, "牛奶", "认证中心", "2024-05-01", "2027-04-30"]
            for n in range(start, start + count)
        ]

    with CaptureQueriesContext(connection) as few:
        run("certifications", certificate_rows(0, 5))
    with CaptureQueriesContext(connection) as many:
        run("certifications", certificate_rows(100, 300))
    assert Certification.objects.count() == 305
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as again:
        report = run("certifications", certificate_rows(100, 300))
    assert report.unchanged == 300
    assert len(again) <= len(few)


def test_a_conflict_in_a_batch_falls_back_to_row_by_row_and_keeps_the_good_rows(regions, monkeypatch):
    rows = [["USCC", "Name", "Region"]] + [[make_uscc("150102", 910000 + n), f"企业{n}", "150102"] for n in range(4)]
    doomed = rows[3][0]
    original = Importer._insert

    def insert(self, objs):
        if len(objs) > 1 or objs[0].uscc == doomed:
            raise IntegrityError("simulated conflict")
        return original(self, objs)

    monkeypatch.setattr(Importer, "_insert", insert)
    report = run("enterprises", rows)
    assert (report.created, report.failed) == (3, 1)
    assert only_error(report).row == 4
    assert Enterprise.objects.count() == 3


def test_every_register_has_an_importer():
    assert set(importer_kinds()) == {"enterprises", "brands", "trademarks", "gi_products", "certifications", "zones"}


# --- templates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["enterprises", "brands", "trademarks", "gi_products", "certifications", "zones"])
def test_the_csv_template_has_chinese_headers_and_an_example_row_that_is_not_imported(client, regions, kind):
    response = client.get(f"/import/templates/{kind}.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    importer = get_importer(kind)
    assert rows[0] == [c.header_zh for c in importer.columns]
    assert rows[1] == [c.example for c in importer.columns]
    report = importer.run(response.content, file_name=f"{kind}.csv")
    assert (report.skipped, report.created, report.failed) == (1, 0, 0)


def test_the_xlsx_template_in_english(client):
    response = client.get("/import/templates/certifications.xlsx?lang=en")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    importer = get_importer("certifications")
    assert [c.value for c in sheet[1]] == [c.header_en for c in importer.columns]
    assert [c.value or "" for c in sheet[2]] == [c.example for c in importer.columns]
    assert len(workbook.worksheets) == 2  # the columns described


@pytest.mark.parametrize("url", ["/import/templates/nothing.csv", "/import/templates/brands.pdf"])
def test_an_unknown_template_is_404(client, url):
    assert client.get(url).status_code == 404


# --- every kind: one good row, one bad row --------------------------------------------------------


def test_gi_products(regions):
    rows = [
        ["产品名称", "保护类型", "主要地区", "保护范围", "公告日期"],
        ["测试羊肉", "农产品地理标志", "150100", "150102;新城区;150105", "2015年6月1日"],
        ["测试奶酪", "gi_product", "999999", "", "2015-06-01"],
    ]
    report = run("gi_products", rows)
    assert report.created == 1
    product = GIProduct.objects.get()
    assert (product.protection_type, str(product.announced_on)) == ("agricultural_gi", "2015-06-01")
    assert sorted(product.protected_area.values_list("code", flat=True)) == ["150102", "150105"]
    error = only_error(report)
    assert (error.row, error.column, error.code) == (3, "主要地区", "region_not_found")
    rows[1][3] = "150102"
    again = run("gi_products", rows)
    assert (again.updated, again.created) == (1, 0)
    assert list(product.protected_area.values_list("code", flat=True)) == ["150102"]


def test_brands(regions):
    owner = EnterpriseFactory()
    GIProductFactory(name_zh="测试羊肉")
    rows = [
        ["Owner USCC", "Brand name", "Region", "GI product", "Status", "Recognised on", "Valid until"],
        [owner.uscc, "草原好", "150102", "测试羊肉", "已认定", "2025-03-01", "2028-02-29"],
        [owner.uscc, "草原坏", "150102", "", "recognised", "2025-03-01", "2024-02-29"],
        [make_uscc("150102", 990001), "无主", "150102", "", "", "", ""],
    ]
    report = run("brands", rows)
    assert report.created == 1
    brand = Brand.objects.get()
    assert (brand.enterprise, brand.status, brand.gi_product.name_zh) == (owner, "recognised", "测试羊肉")
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (3, "Valid until", "date_order"),
        (4, "Owner USCC", "enterprise_not_found"),
    ]
    assert run("brands", rows).unchanged == 1


def test_a_gi_product_name_shared_by_two_types_needs_the_type(regions):
    owner = EnterpriseFactory()
    GIProductFactory(name_zh="同名", protection_type="gi_product")
    agi = GIProductFactory(name_zh="同名", protection_type="agricultural_gi")
    rows = [
        ["Owner USCC", "Brand name", "Region", "GI product", "GI protection type"],
        [owner.uscc, "甲", "150102", "同名", "农产品地理标志"],
        [owner.uscc, "乙", "150102", "同名", ""],
    ]
    report = run("brands", rows)
    assert Brand.objects.get().gi_product == agi
    assert only_error(report).code == "gi_product_ambiguous"


def test_trademarks(reference_data):
    owner = EnterpriseFactory()
    brand = BrandFactory(enterprise=owner, name="草原")
    rows = [
        ["注册号", "商标名称", "核定使用类别", "权利人统一社会信用代码", "所属品牌", "商标层级", "注册日期"],
        ["30000001", "草原", "29;30", owner.uscc.lower(), "草原", "著名商标", "2012-05-01"],
        ["30000002", "坏商标", "29;46", owner.uscc, "", "", ""],
    ]
    report = run("trademarks", rows)
    assert report.created == 1
    mark = Trademark.objects.get(registration_number="30000001")
    assert (mark.enterprise, mark.brand, mark.tier) == (owner, brand, "famous")
    assert sorted(mark.nice_classes.values_list("number", flat=True)) == [29, 30]
    error = only_error(report)
    assert (error.row, error.column, error.code) == (3, "核定使用类别", "nice_class_range")
    assert "46" in error.message
    assert run("trademarks", rows).unchanged == 1
    rows[1][2] = "29，31"
    assert run("trademarks", rows).updated == 1
    assert sorted(mark.nice_classes.values_list("number", flat=True)) == [29, 31]


def test_a_trademark_brand_needs_its_owner(reference_data):
    rows = [["Registration number", "Mark text", "Nice classes", "Brand"], ["30000003", "无主", "29", "草原"]]
    assert only_error(run("trademarks", rows)).code == "brand_owner_missing"


CERTIFICATE_HEADER = [
    "证书编号",
    "认证类别",
    "获证企业统一社会信用代码",
    "产品或范围",
    "认证机构",
    "颁证日期",
    "有效期至",
]


def test_certifications(regions):
    holder = EnterpriseFactory()
    rows = [
        CERTIFICATE_HEADER,
        ["124op2400123", "有机产品", holder.uscc, "有机牛奶", "中绿华夏", "2024/5/1", "2025-04-30"],
        ["ABC-123", "organic", holder.uscc, "有机牛奶", "中绿华夏", "2024-05-01", "2025-04-30"],
        ["124OP2400124", "organic", holder.uscc, "有机牛奶", "中绿华夏", "2024-05-01", "2024-04-30"],
        ["124OP2400125", "organic", holder.uscc, "有机牛奶", "中绿华夏", "2024-13-01", "2025-04-30"],
    ]
    report = run("certifications", rows)
    assert report.created == 1
    certificate = Certification.objects.get()
    assert (certificate.certificate_number, str(certificate.issued_on), certificate.status) == (
        "124OP2400123",
        "2024-05-01",
        "valid",
    )
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (3, "证书编号", "certificate_number_format"),
        (4, "有效期至", "date_order"),
        (5, "颁证日期", "invalid_date"),
    ]


def test_a_revoked_certificate_needs_its_reason(regions):
    holder = EnterpriseFactory()
    row = ["124OP2400126", "organic", holder.uscc, "牛奶", "中绿华夏", "2024-05-01", "2025-04-30", "撤销", ""]
    error = only_error(run("certifications", [[*CERTIFICATE_HEADER, "证书状态", "撤销原因"], row]))
    assert (error.column, error.code) == ("撤销原因", "required")


def test_re_importing_certifications_updates_the_status(regions):
    certificate = CertificationFactory()
    rows = [
        [*CERTIFICATE_HEADER, "Status", "Suspended on", "Suspended until"],
        [
            certificate.certificate_number,
            "organic",
            certificate.enterprise.uscc,
            certificate.product,
            certificate.certifying_body,
            str(certificate.issued_on),
            str(certificate.expires_on),
            "暂停",
            "2025-01-01",
            "2025-06-30",
        ],
    ]
    assert run("certifications", rows).updated == 1
    certificate.refresh_from_db()
    assert (certificate.status, str(certificate.suspended_until)) == ("suspended", "2025-06-30")


def test_zones(regions):
    rows = [
        ["名称", "类别", "所在地区", "牵头单位", "阶段", "命名日期"],
        ["测试示范区", "有机产品认证示范区", "150100", "市场监管局", "已命名", "2019-12-01"],
        ["坏示范区", "organic_demo", "150100", "市场监管局", "named", ""],
    ]
    report = run("zones", rows)
    assert report.created == 1
    zone = DemonstrationZone.objects.get()
    assert (zone.kind, zone.stage, zone.level) == ("organic_demo", "named", "national")
    error = only_error(report)
    assert (error.row, error.column, error.code) == (3, "命名日期", "required")


def test_a_certificate_holder_that_is_not_registered_is_named(regions):
    uscc = make_uscc("150102", 990002)
    row = ["124OP2400127", "organic", uscc, "牛奶", "中绿华夏", "2024-05-01", "2025-04-30"]
    error = only_error(run("certifications", [CERTIFICATE_HEADER, row]))
    assert (error.column, error.code) == ("获证企业统一社会信用代码", "enterprise_not_found")
    assert uscc in error.message


def test_a_malformed_holder_uscc_names_the_rule(regions):
    row = ["124OP2400128", "organic", "91150102", "牛奶", "中绿华夏", "2024-05-01", "2025-04-30"]
    assert only_error(run("certifications", [CERTIFICATE_HEADER, row])).code == "uscc_length"


def test_the_documentation_lists_every_column_of_every_kind():
    from django.conf import settings

    text = (settings.BASE_DIR / "docs" / "import.md").read_text(encoding="utf-8")
    for kind in importer_kinds():
        assert f"### {kind}" in text
        for column in get_importer(kind).columns:
            assert f"| {column.header_zh} | {column.header_en} |" in text, (kind, column.name)
