"""Open-data downloads of the six public registers (CSV, JSON, XLSX): the list page's rows and filters,
public fields only, formula neutralising, the XLSX cap, headers in the file's language, bounded queries,
and files that import again."""

from __future__ import annotations

import csv
import datetime
import io
import json
from dataclasses import dataclass

import openpyxl
import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from brands.exports import BRANDS, TRADEMARKS
from brands.importers import BrandImporter, TrademarkImporter
from brands.models import BrandKind, BrandStatus
from certifications.exports import CERTIFICATIONS, ZONES
from certifications.importers import CertificationImporter, DemonstrationZoneImporter
from certifications.models import ZoneKind
from core.exports import FORMATS, RegisterExport, column, csv_cell, export_response, neutralise, xlsx_cell
from core.exports_registers import ENTERPRISES
from core.importers import EnterpriseImporter
from core.models import Enterprise, Industry, Region
from geo_indications.exports import GI_PRODUCTS
from geo_indications.importers import GIProductImporter
from tests.factories import (
    BrandFactory,
    CertificationFactory,
    DemonstrationZoneFactory,
    EnterpriseFactory,
    GIMarkUserFactory,
    GIProductFactory,
    TrademarkFactory,
    make_uscc,
)
from tests.factories_site import parse, row_links, table_rows

pytestmark = pytest.mark.django_db

INJECTIONS = ['=HYPERLINK("http://x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\tTAB", "\rCR"]


@dataclass(frozen=True)
class Register:
    name: str
    list_url: str
    export: RegisterExport
    first_cell: str  # the key whose value the list page shows in each row's first cell
    query: dict  # a filter the test data answers with some rows, not all
    importer: type


REGISTERS = [
    Register("brands", "/brands/", BRANDS, "name", {"league": "150100", "status": "recognised"}, BrandImporter),
    Register("trademarks", "/trademarks/", TRADEMARKS, "mark_text", {"league": "150100"}, TrademarkImporter),
    Register("gi-products", "/gi-products/", GI_PRODUCTS, "name_zh", {"league": "150100"}, GIProductImporter),
    Register(
        "certifications",
        "/certifications/",
        CERTIFICATIONS,
        "certificate_number",
        {"league": "150100", "status": "valid"},
        CertificationImporter,
    ),
    Register("zones", "/zones/", ZONES, "name", {"league": "150100"}, DemonstrationZoneImporter),
    Register("enterprises", "/enterprises/", ENTERPRISES, "name", {"league": "150100"}, EnterpriseImporter),
]
BY_NAME = {r.name: r for r in REGISTERS}


@pytest.fixture
def nice_classes(regions):
    from brands.reference import load_nice_classes

    load_nice_classes()


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def make_rows(register: Register, n: int, *, county: str = "150102") -> None:
    """``n`` records of ``register`` in ``county`` (matching ``register.query`` when in Hohhot)."""
    owner = EnterpriseFactory(region=region(county))
    for i in range(n):
        if register.name == "brands":
            BrandFactory(enterprise=owner, recognised=True, kind=BrandKind.PRODUCT)
        elif register.name == "trademarks":
            TrademarkFactory(enterprise=owner, nice_classes=[29, 30 + i % 3])
        elif register.name == "gi-products":
            product = GIProductFactory(region=owner.region)
            product.protected_area.set([owner.region, region("150100")])
            GIMarkUserFactory(gi_product=product, enterprise=owner)
        elif register.name == "certifications":
            CertificationFactory(enterprise=owner)
        elif register.name == "zones":
            DemonstrationZoneFactory(region=owner.region.parent, kind=ZoneKind.values[i % len(ZoneKind.values)])
        else:
            EnterpriseFactory(region=owner.region)


def make_mixed(register: Register) -> None:
    """25 records that match ``register.query`` (more than one page) and some that do not."""
    make_rows(register, 25, county="150102")
    make_rows(register, 3, county="150202")  # Baotou: outside the league
    if register.name == "brands":
        BrandFactory(enterprise=EnterpriseFactory(region=region("150102")))  # cultivating, not recognised
    elif register.name == "certifications":
        CertificationFactory(
            enterprise=EnterpriseFactory(region=region("150102")),
            issued_on=datetime.date(2018, 1, 1),
            expires_on=datetime.date(2021, 1, 1),  # expired: not "valid"
        )


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def read(register: Register, response, fmt: str, lang: str = "zh-hans") -> list[dict]:
    """The downloaded rows as dicts keyed by the columns' stable keys, whatever the format."""
    assert response.status_code == 200, body(response)[:500]
    data = body(response)
    if fmt == "json":
        return json.loads(data.decode("utf-8"))
    keys = {c.header(lang): c.key for c in register.export.columns}
    if fmt == "csv":
        assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, for Excel
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        # Empty cells are not written: a row may stop at its last value.
        rows = [r + [None] * (len(rows[0]) - len(r)) for r in rows]
    header, *records = rows
    assert [keys[h] for h in header] == [c.key for c in register.export.columns]
    return [dict(zip([keys[h] for h in header], record, strict=True)) for record in records]


def export_url(register: Register, fmt: str) -> str:
    return f"{register.list_url}export.{fmt}"


# --- rows and filters: the list page's ---------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("register", REGISTERS, ids=lambda r: r.name)
def test_a_download_holds_the_rows_of_the_list_page_for_the_same_querystring_on_every_page(
    client, nice_classes, register, fmt
):
    make_mixed(register)
    ordering = {"name_zh": "-name", "certificate_number": "-certificate_number", "mark_text": "-mark_text"}
    query = {**register.query, "ordering": ordering.get(register.first_cell, "-name")}

    shown = row_links(parse(client.get(register.list_url, {**query, "page_size": 100})))
    # page and page_size belong to the page, not to the download: every page is downloaded.
    rows = read(register, client.get(export_url(register, fmt), {**query, "page": 2, "page_size": 10}), fmt)

    assert len(shown) > 20  # more than the default page
    assert [str(row[register.first_cell]) for row in rows] == shown


@pytest.mark.parametrize("register", REGISTERS, ids=lambda r: r.name)
def test_without_filters_everything_is_downloaded_in_the_list_order(client, nice_classes, register):
    make_mixed(register)

    shown = row_links(parse(client.get(register.list_url, {"page_size": 100})))
    rows = read(register, client.get(export_url(register, "json")), "json")

    assert [str(row[register.first_cell]) for row in rows] == shown
    assert len(rows) >= 28


def test_the_derived_status_filters_match_the_page(client, regions):
    hohhot = EnterpriseFactory(region=region("150102"))
    BrandFactory(name="有效品牌", enterprise=hohhot, recognised=True)
    BrandFactory(
        name="过期品牌",
        enterprise=hohhot,
        status=BrandStatus.RECOGNISED,
        recognised_on=datetime.date(2019, 3, 1),
        valid_until=datetime.date(2022, 2, 28),
    )

    expired = read(BY_NAME["brands"], client.get("/brands/export.json", {"status": "expired"}), "json")

    assert [(b["name"], b["status"], b["effective_status"]) for b in expired] == [("过期品牌", "recognised", "expired")]


def test_filters_the_list_page_refuses_are_refused_with_the_reason(client, regions):
    response = client.get("/brands/export.csv", {"year": "abc"})

    assert response.status_code == 400
    text = response.content.decode()
    assert "The filters are not valid" in text and "year" in text


@pytest.mark.parametrize("path", ["/brands/export.pdf", "/brands/export.", "/brands/export", "/zones/export.CSV"])
def test_an_unknown_format_is_not_found(client, regions, path):
    assert client.get(path).status_code == 404


# --- the file: name, type, columns -------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("register", REGISTERS, ids=lambda r: r.name)
def test_the_file_is_an_attachment_named_after_the_register_and_the_day(client, nice_classes, register, fmt):
    make_rows(register, 2)

    response = client.get(export_url(register, fmt))

    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="{register.name}-{today}.{fmt}"'
    expected_type = {
        "csv": "text/csv; charset=utf-8",
        "json": "application/json; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    assert response["Content-Type"] == expected_type[fmt]
    assert response.streaming or fmt == "xlsx"
    body(response)


# The whole contract of each JSON record: its keys, in order (the CSV and XLSX columns follow the same order).
COLUMNS = {
    "brands": (
        "enterprise_uscc enterprise_name name kind kind_display industry industry_display region_code "
        "region_name gi_product gi_protection_type description status effective_status "
        "effective_status_display recognised_on valid_until revoked_on"
    ),
    "trademarks": (
        "registration_number mark_text nice_classes enterprise_uscc owner_name owner region_code region_name "
        "brand registered_on expires_on status status_display tier tier_display tier_recognised_on "
        "tier_valid_until tier_authority source"
    ),
    "gi-products": (
        "name_zh protection_type protection_type_display name_en category region_code region_name "
        "protected_area announcement_number announced_on year specification status status_display revoked_on "
        "authorised_users source"
    ),
    "certifications": (
        "certificate_number kind kind_display enterprise_uscc enterprise_name region_code region_name product "
        "certifying_body issued_on expires_on status effective_status effective_status_display suspended_on "
        "suspended_until revoked_on revocation_reason cancelled_on"
    ),
    "zones": (
        "name kind kind_display level level_display region_code region_name lead_body stage stage_display "
        "applied_on approved_on named_on revoked_on description"
    ),
    "enterprises": "uscc name region_code region_name industry industry_display address website",
}
EXPECTED_KEYS = {name: keys.split() for name, keys in COLUMNS.items()}


@pytest.mark.parametrize("register", REGISTERS, ids=lambda r: r.name)
def test_the_json_download_is_an_array_of_objects_with_stable_english_keys(client, nice_classes, register):
    make_rows(register, 2)

    data = json.loads(body(client.get(export_url(register, "json"))))

    assert isinstance(data, list) and len(data) >= 2
    assert all(list(record) == EXPECTED_KEYS[register.name] for record in data)


def test_a_brand_record_in_full(client, regions):
    uscc = make_uscc("150102", 4242)
    owner = EnterpriseFactory(name="呼和浩特乳业有限公司", region=region("150102"), uscc=uscc)
    gi = GIProductFactory(name_zh="武川莜麦", protection_type="agricultural_gi")
    BrandFactory(
        name="草原之星", enterprise=owner, industry="dairy", recognised=True, gi_product=gi, description="简介"
    )

    (record,) = json.loads(body(client.get("/brands/export.json")))

    assert record == {
        "enterprise_uscc": uscc,
        "enterprise_name": "呼和浩特乳业有限公司",
        "name": "草原之星",
        "kind": "product",
        "kind_display": str(BrandKind.PRODUCT.label),
        "industry": "dairy",
        "industry_display": str(Industry.DAIRY.label),
        "region_code": "150102",
        "region_name": f"{region('150100').name_zh} · {region('150102').name_zh}",
        "gi_product": "武川莜麦",
        "gi_protection_type": "agricultural_gi",
        "description": "简介",
        "status": "recognised",
        "effective_status": "recognised",
        "effective_status_display": str(BrandStatus.RECOGNISED.label),
        "recognised_on": "2025-03-01",
        "valid_until": "2028-02-29",
        "revoked_on": None,
    }


# --- public fields only ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("register", REGISTERS, ids=lambda r: r.name)
def test_contact_details_and_credit_grades_never_leave_in_any_format(client, nice_classes, register, fmt):
    make_rows(register, 2)
    Enterprise.objects.update(
        contact_name="隐藏的联系人",
        contact_phone="13912345678",
        contact_email="hidden-contact@example.cn",
        credit_grade="D",
    )

    for lang in ("zh-hans", "en"):
        response = client.get(export_url(register, fmt), {"lang": lang})
        data = body(response)
        if fmt == "xlsx":
            sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
            text = "\n".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None)
        else:
            text = data.decode("utf-8")
        for secret in ("隐藏的联系人", "13912345678", "hidden-contact@example.cn", "contact", "credit", "信用等级"):
            assert secret not in text.lower(), (register.name, fmt, secret)


# --- formula injection -------------------------------------------------------------------------


def test_neutralise_prefixes_text_that_a_spreadsheet_would_run_and_leaves_the_rest():
    for text in INJECTIONS:
        assert neutralise(text) == "'" + text
    assert neutralise("草原之星") == "草原之星"
    assert neutralise("a=b") == "a=b"
    assert neutralise("") == ""
    assert neutralise(-5) == -5
    assert neutralise(-2.5) == -2.5
    assert neutralise(None) is None
    assert csv_cell(-5) == -5
    assert csv_cell(datetime.date(2026, 1, 2)) == "2026-01-02"
    assert xlsx_cell("=1+1") == "'=1+1"
    assert xlsx_cell(-5) == -5


@pytest.fixture
def injected_brands(regions):
    owner = EnterpriseFactory(region=region("150102"))
    for name in INJECTIONS:
        BrandFactory(name=name, enterprise=owner)
    BrandFactory(name="普通品牌", enterprise=owner)


def test_csv_shows_injected_names_with_an_apostrophe(client, injected_brands):
    text = body(client.get("/brands/export.csv", {"ordering": "name"})).decode("utf-8-sig")

    assert '\'=HYPERLINK(""http://x"")' in text  # as a text editor shows the file
    names = [row[2] for row in list(csv.reader(io.StringIO(text)))[1:]]
    assert sorted(names) == sorted(["'" + n for n in INJECTIONS] + ["普通品牌"])
    assert ",普通品牌," in text


def test_json_keeps_injected_names_as_they_are(client, injected_brands):
    data = json.loads(body(client.get("/brands/export.json")))

    assert sorted(b["name"] for b in data) == sorted([*INJECTIONS, "普通品牌"])


def test_xlsx_holds_injected_names_as_apostrophed_text_numbers_as_numbers_and_dates_as_dates(client, regions):
    owner = EnterpriseFactory(region=region("150102"))
    BrandFactory(name='=HYPERLINK("http://x")', enterprise=owner, recognised=True)
    gi = GIProductFactory(name_zh="-2+3", year=2015)
    GIMarkUserFactory(gi_product=gi, enterprise=owner)

    brands = openpyxl.load_workbook(io.BytesIO(body(client.get("/brands/export.xlsx")))).worksheets[0]
    gis = openpyxl.load_workbook(io.BytesIO(body(client.get("/gi-products/export.xlsx")))).worksheets[0]

    name_cell = brands["C2"]
    assert name_cell.value == '\'=HYPERLINK("http://x")'
    assert name_cell.data_type == "s"  # text, not a formula
    recognised = brands.cell(row=2, column=EXPECTED_KEYS["brands"].index("recognised_on") + 1)
    assert recognised.value == datetime.datetime(2025, 3, 1)
    assert recognised.number_format == "yyyy-mm-dd"
    assert brands["A1"].font.bold
    row = {key: gis.cell(row=2, column=i + 1).value for i, key in enumerate(EXPECTED_KEYS["gi-products"])}
    assert row["name_zh"] == "'-2+3"
    assert row["year"] == 2015 and isinstance(row["year"], int)
    assert row["authorised_users"] == 1 and isinstance(row["authorised_users"], int)


def test_a_negative_number_is_written_as_a_number_and_negative_text_is_neutralised():
    columns = [column("number", "数值", "Number"), column("text", "文字", "Text"), column("day", "日期", "Day")]
    rows = [{"number": -5, "text": "-5", "day": datetime.date(2026, 1, 2)}]

    csv_text = body(export_response(rows, columns, "csv", "x.csv", lang="en")).decode("utf-8-sig")
    data = json.loads(body(export_response(rows, columns, "json", "x.json")))
    sheet = openpyxl.load_workbook(io.BytesIO(body(export_response(rows, columns, "xlsx", "x.xlsx")))).active

    assert csv_text.splitlines() == ["Number,Text,Day", "-5,'-5,2026-01-02"]
    assert data == [{"number": -5, "text": "-5", "day": "2026-01-02"}]
    assert [c.value for c in sheet[2]] == [-5, "'-5", datetime.datetime(2026, 1, 2)]
    assert sheet["A2"].data_type == "n"


# --- the XLSX cap ------------------------------------------------------------------------------


@override_settings(EXPORT_XLSX_MAX_ROWS=3)
def test_xlsx_above_the_cap_is_refused_with_a_bilingual_message(client, regions):
    make_rows(BY_NAME["brands"], 4)

    response = client.get("/brands/export.xlsx")

    assert response.status_code == 400
    text = response.content.decode()
    assert "Download CSV or JSON instead, or narrow the filters" in text
    assert "请下载 CSV 或 JSON，或缩小筛选范围" in text
    assert "4" in text and "3" in text
    assert client.get("/brands/export.csv").status_code == 200  # CSV and JSON have no cap
    assert client.get("/brands/export.json").status_code == 200


@override_settings(EXPORT_XLSX_MAX_ROWS=3)
def test_xlsx_at_the_cap_or_narrowed_below_it_is_served(client, regions):
    make_rows(BY_NAME["brands"], 3, county="150102")
    make_rows(BY_NAME["brands"], 2, county="150202")

    assert client.get("/brands/export.xlsx").status_code == 400
    assert len(read(BY_NAME["brands"], client.get("/brands/export.xlsx", {"league": "150100"}), "xlsx")) == 3


@override_settings(EXPORT_XLSX_MAX_ROWS=3)
def test_the_list_page_offers_no_xlsx_link_above_the_cap_and_says_why(client, regions):
    make_rows(BY_NAME["brands"], 4)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = parse(client.get("/brands/"))
    box = page.find("div", class_="downloads")
    hrefs = [a.attrs["href"] for a in box.find_all("a")]

    assert [h.split("?")[0] for h in hrefs] == ["/brands/export.csv", "/brands/export.json"]
    assert "at most 3 records" in box.find("p", class_="downloads__note").text()


# --- queries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("register", REGISTERS, ids=lambda r: r.name)
def test_the_query_count_is_the_same_for_5_and_50_rows(client, nice_classes, register, fmt):
    counts = {}
    for n in (5, 50):
        make_rows(register, n - len(counts) * 5)  # 5 rows, then 45 more
        with CaptureQueriesContext(connection) as queries:
            response = client.get(export_url(register, fmt), {"league": "150100"})
            rows = read(register, response, fmt)
        assert len(rows) >= n
        counts[n] = len(queries)
    assert counts[5] == counts[50], counts
    # The league filter's lookup and the codes of its regions (core.filters.region_filter_q), the XLSX count,
    # the rows, the regions (once), a to-many relation per batch.
    assert counts[50] <= 6, counts


# --- language ----------------------------------------------------------------------------------


def test_headers_and_labels_are_chinese_by_default_and_english_on_request(client, regions):
    BrandFactory(kind=BrandKind.PRODUCT)

    zh = body(client.get("/brands/export.csv")).decode("utf-8-sig").splitlines()
    en = body(client.get("/brands/export.csv", {"lang": "en"})).decode("utf-8-sig").splitlines()

    assert zh[0].startswith("所属企业统一社会信用代码,所属企业名称,品牌名称,品牌类型,品牌类型名称")
    assert en[0].startswith("Owner USCC,Owner name,Brand name,Kind,Kind (label)")
    with translation.override("zh-hans"):
        zh_label = str(BrandKind.PRODUCT.label)
    assert ",product,Product brand," in en[1]
    assert f",product,{zh_label}," in zh[1] and zh_label != "Product brand"


def test_headers_follow_the_active_language(client, regions):
    BrandFactory()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    en = body(client.get("/brands/export.csv")).decode("utf-8-sig").splitlines()[0]
    zh = body(client.get("/brands/export.csv", {"lang": "zh-hans"})).decode("utf-8-sig").splitlines()[0]
    sheet = openpyxl.load_workbook(io.BytesIO(body(client.get("/brands/export.xlsx"))), read_only=True).worksheets[0]

    assert en.startswith("Owner USCC,")
    assert zh.startswith("所属企业统一社会信用代码,")
    assert next(sheet.iter_rows(values_only=True))[2] == "Brand name"


def test_region_names_follow_the_file_language(client, regions):
    EnterpriseFactory(region=region("150102"))

    (zh,) = json.loads(body(client.get("/enterprises/export.json")))
    (en,) = json.loads(body(client.get("/enterprises/export.json", {"lang": "en"})))

    assert zh["region_name"] == f"{region('150100').name_zh} · {region('150102').name_zh}"
    assert en["region_name"] == f"{region('150100').name_en} · {region('150102').name_en}"


# --- the Download box on every list page -------------------------------------------------------


@pytest.mark.parametrize("register", REGISTERS, ids=lambda r: r.name)
def test_every_list_page_offers_the_three_downloads_with_its_filters(client, nice_classes, register):
    make_rows(register, 2)

    page = parse(client.get(register.list_url, {"league": "150100", "page": 1, "page_size": 10, "q": ""}))
    box = page.find("div", class_="downloads")
    hrefs = [a.attrs["href"] for a in box.find_all("a")]

    assert [h.split("?")[0] for h in hrefs] == [export_url(register, f) for f in ("csv", "xlsx", "json")]
    for href in hrefs:
        query = href.split("?", 1)[1]
        assert "league=150100" in query
        assert "page=" not in query and "page_size" not in query


def test_an_empty_result_offers_no_download(client, regions):
    page = parse(client.get("/brands/", {"q": "不存在的名称"}))

    assert page.find("div", class_="downloads") is None
    assert table_rows(page) == []


# --- round trip: a download imports again ------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("register", REGISTERS, ids=lambda r: r.name)
def test_a_downloaded_file_imports_again_without_errors_or_changes(client, nice_classes, register, fmt):
    make_rows(register, 4)
    if register.name == "trademarks":
        TrademarkFactory(enterprise=None, owner_name="外部权利人", region=None, nice_classes=[35])
    elif register.name == "brands":
        BrandFactory(gi_product=GIProductFactory(protection_type="agricultural_gi"), description="简介\n第二行")

    for lang in ("zh-hans", "en"):
        data = body(client.get(export_url(register, fmt), {"lang": lang}))
        report = register.importer().run(data, file_name=f"export.{fmt}", dry_run=True)

        assert report.errors == [] and report.failed == 0
        assert report.rows >= 4
        assert report.unchanged == report.rows, report.counts()
