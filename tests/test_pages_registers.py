"""The six public register lists: filters, sorting, pagination, invalid input and query counts."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from brands.models import BrandKind, BrandStatus, TrademarkTier
from certifications.models import CertificationKind, ZoneKind, ZoneStage
from core.models import Region
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


@pytest.fixture
def client(client):
    """Pages in English, so that assertions on labels hold once the Chinese catalogue is filled in."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


LIST_URLS = ["/brands/", "/trademarks/", "/gi-products/", "/certifications/", "/zones/", "/enterprises/"]


@pytest.fixture
def nice_classes(regions):
    from brands.reference import load_nice_classes

    load_nice_classes()


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def names(client, url: str, **params) -> list[str]:
    response = client.get(url, params)
    assert response.status_code == 200
    return row_links(parse(response))


def h1_count(response) -> int:
    return len(parse(response).find_all("h1"))


# --- every list page ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", LIST_URLS)
def test_every_list_page_answers_with_one_h1_and_a_filter_form(client, nice_classes, url):
    GIMarkUserFactory()
    BrandFactory(recognised=True)
    TrademarkFactory()
    CertificationFactory()
    DemonstrationZoneFactory()

    response = client.get(url)

    assert response.status_code == 200
    page = parse(response)
    assert len(page.find_all("h1")) == 1
    form = page.find("form", role="search")
    assert form.attrs["method"] == "get"
    assert form.find("input", name="q") is not None
    assert form.find("select", name="page_size") is not None
    assert len(table_rows(page)) >= 1


@pytest.mark.parametrize("url", LIST_URLS)
def test_an_empty_result_says_so(client, regions, url):
    response = client.get(url, {"q": "不存在的名称"})

    assert response.status_code == 200
    assert "No records match your search." in response.content.decode()
    assert table_rows(parse(response)) == []


def _make_rows(url: str, n: int) -> None:
    """``n`` records for the list at ``url``, spread over a few enterprises with varied relations."""
    enterprises = [EnterpriseFactory(region=region(code)) for code in ("150102", "150105", "150202", "152502")]
    gi = GIProductFactory()
    for i in range(n):
        owner = enterprises[i % 4]
        if url == "/brands/":
            BrandFactory(enterprise=owner, recognised=i % 2 == 0, gi_product=gi if i % 3 == 0 else None)
        elif url == "/trademarks/":
            TrademarkFactory(enterprise=owner, nice_classes=[29, 30 + i % 3])
        elif url == "/gi-products/":
            GIMarkUserFactory(gi_product=GIProductFactory(region=owner.region), enterprise=owner)
        elif url == "/certifications/":
            CertificationFactory(enterprise=owner)
        elif url == "/zones/":
            DemonstrationZoneFactory(region=owner.region.parent, kind=ZoneKind.values[i % len(ZoneKind.values)])
        else:
            EnterpriseFactory(region=owner.region)


@pytest.mark.parametrize("url", LIST_URLS)
def test_query_count_is_the_same_for_10_and_100_rows(client, nice_classes, url):
    _make_rows(url, 105)
    counts = {}
    for size in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"page_size": size, "q": ""})
        assert response.status_code == 200
        assert len(table_rows(parse(response))) == size
        counts[size] = len(queries)
    assert counts[10] == counts[100], counts


@pytest.mark.parametrize("url", LIST_URLS)
def test_query_count_is_the_same_with_every_filter_set(client, nice_classes, url):
    _make_rows(url, 30)
    params = {"league": "150100", "q": "", "ordering": ""}
    with CaptureQueriesContext(connection) as few:
        client.get(url, {**params, "page_size": 10})
    with CaptureQueriesContext(connection) as many:
        client.get(url, {**params, "page_size": 50})
    assert len(few) == len(many)


# --- pagination --------------------------------------------------------------------------------


def test_pagination_pages_through_the_results_and_keeps_the_filters(client, regions):
    owner = EnterpriseFactory(region=region("150102"))
    for i in range(25):
        BrandFactory(enterprise=owner, name=f"草原{i:02d}", kind=BrandKind.PRODUCT)
    BrandFactory(name="包头品牌", enterprise=EnterpriseFactory(region=region("150202")))

    first = parse(client.get("/brands/", {"league": "150100", "page_size": 10, "ordering": "name"}))
    third = client.get("/brands/", {"league": "150100", "page_size": 10, "ordering": "name", "page": 3})

    assert row_links(first) == [f"草原{i:02d}" for i in range(10)]
    assert row_links(parse(third)) == [f"草原{i:02d}" for i in range(20, 25)]
    nav = first.find("nav", class_="pagination")
    hrefs = [a.attrs["href"] for a in nav.find_all("a")]
    assert any("page=2" in h and "league=150100" in h and "ordering=name" in h and "page_size=10" in h for h in hrefs)
    assert nav.find("a", aria_current="page").text().endswith("1")
    assert "25 records found." in first.text()


def test_page_size_is_limited_to_the_offered_sizes(client, regions):
    owner = EnterpriseFactory()
    BrandFactory.create_batch(25, enterprise=owner)

    assert len(table_rows(parse(client.get("/brands/", {"page_size": 7})))) == 20
    assert len(table_rows(parse(client.get("/brands/", {"page_size": "all"})))) == 20
    assert len(table_rows(parse(client.get("/brands/", {"page_size": 10})))) == 10
    assert len(table_rows(parse(client.get("/brands/", {"page_size": 50})))) == 25


def test_a_page_number_out_of_range_shows_the_last_page(client, regions):
    BrandFactory.create_batch(3, enterprise=EnterpriseFactory())

    response = client.get("/brands/", {"page": 99})
    bad = client.get("/brands/", {"page": "x"})

    assert response.status_code == bad.status_code == 200
    assert len(table_rows(parse(response))) == 3


# --- brands ------------------------------------------------------------------------------------


@pytest.fixture
def brand_set(regions):
    hohhot = EnterpriseFactory(name="呼和浩特乳业有限公司", region=region("150102"))
    baotou = EnterpriseFactory(name="包头稀土有限公司", region=region("150202"))
    return {
        "star": BrandFactory(name="草原之星", enterprise=hohhot, recognised=True, kind=BrandKind.PRODUCT),
        "old": BrandFactory(
            name="老字号",
            enterprise=hohhot,
            status=BrandStatus.RECOGNISED,
            recognised_on=datetime.date(2019, 3, 1),
            valid_until=datetime.date(2022, 2, 28),
            kind=BrandKind.ENTERPRISE,
        ),
        "steel": BrandFactory(name="钢铁之城", enterprise=baotou, kind=BrandKind.REGIONAL),
        "league_brand": BrandFactory(name="青城", enterprise=baotou, region=region("150100"), kind=BrandKind.REGIONAL),
    }


def test_brand_league_filter_includes_its_counties(client, brand_set):
    assert sorted(names(client, "/brands/", league="150100")) == sorted(["草原之星", "老字号", "青城"])
    assert names(client, "/brands/", league="150200") == ["钢铁之城"]


def test_brand_county_filter(client, brand_set):
    assert sorted(names(client, "/brands/", county="150102")) == sorted(["草原之星", "老字号"])
    assert names(client, "/brands/", county="150202") == ["钢铁之城"]


def test_brand_kind_filter(client, brand_set):
    assert sorted(names(client, "/brands/", kind="regional")) == sorted(["钢铁之城", "青城"])


def test_brand_status_filter_derives_expired_from_the_validity(client, brand_set):
    assert names(client, "/brands/", status="recognised") == ["草原之星"]
    assert names(client, "/brands/", status="expired") == ["老字号"]
    page = parse(client.get("/brands/", {"status": "expired"}))
    assert table_rows(page)[0].find("span", class_="badge").text() == "Expired"


def test_brand_year_filter(client, brand_set):
    assert names(client, "/brands/", year=2025) == ["草原之星"]
    assert names(client, "/brands/", year=2019) == ["老字号"]


def test_brand_text_search_finds_a_chinese_word_in_the_name_or_the_owner(client, brand_set):
    assert names(client, "/brands/", q="草原") == ["草原之星"]
    assert sorted(names(client, "/brands/", q="稀土")) == sorted(["钢铁之城", "青城"])


def test_brand_ordering(client, brand_set):
    ascending = names(client, "/brands/", ordering="recognised_on", status="recognised")
    assert ascending == ["草原之星"]
    by_name = names(client, "/brands/", ordering="name")
    assert by_name == sorted(by_name)
    assert names(client, "/brands/", ordering="-name") == list(reversed(by_name))


def test_sorting_links_toggle_the_direction_and_keep_the_filters(client, brand_set):
    page = parse(client.get("/brands/", {"league": "150100", "ordering": "name", "page": 1}))
    header = page.find("th", aria_sort="ascending")
    href = header.find("a").attrs["href"]
    assert "ordering=-name" in href and "league=150100" in href and "page=" not in href


def test_a_bad_year_shows_the_error_and_does_not_crash(client, brand_set):
    response = client.get("/brands/", {"year": "abc"})

    assert response.status_code == 200
    page = parse(response)
    assert page.find("input", name="year").attrs.get("aria-invalid") == "true"
    assert page.find("ul", class_="errorlist") is not None
    assert "The search could not be run" in page.text()
    assert table_rows(page) == []


def test_a_year_out_of_range_is_an_error(client, brand_set):
    page = parse(client.get("/brands/", {"year": 1800}))
    assert page.find("ul", class_="errorlist") is not None


# --- trademarks --------------------------------------------------------------------------------


def test_trademark_filters(client, nice_classes):
    hohhot = EnterpriseFactory(region=region("150105"))
    baotou = EnterpriseFactory(region=region("150202"))
    TrademarkFactory(mark_text="伊利", enterprise=hohhot, tier=TrademarkTier.WELL_KNOWN, nice_classes=[29])
    TrademarkFactory(
        mark_text="小肥羊",
        enterprise=baotou,
        tier=TrademarkTier.FAMOUS,
        tier_recognised_on=datetime.date(2016, 5, 1),
        nice_classes=[43],
    )
    TrademarkFactory(mark_text="草原羊绒", enterprise=baotou, nice_classes=[25])

    assert names(client, "/trademarks/", league="150100") == ["伊利"]
    assert sorted(names(client, "/trademarks/", county="150202")) == sorted(["小肥羊", "草原羊绒"])
    assert names(client, "/trademarks/", tier="well_known") == ["伊利"]
    assert names(client, "/trademarks/", nice_class=43) == ["小肥羊"]
    assert names(client, "/trademarks/", year=2016) == ["小肥羊"]
    assert names(client, "/trademarks/", q="羊绒") == ["草原羊绒"]


def test_trademark_tier_is_plain_text_with_the_article_14_note(client, nice_classes):
    TrademarkFactory(mark_text="伊利", tier=TrademarkTier.WELL_KNOWN)

    page = parse(client.get("/trademarks/"))

    cells = table_rows(page)[0].find_all("td")
    tier_cell = next(c for c in cells if c.text() == "Well-known trademark")
    assert tier_cell.find("span") is None  # a fact in the table, not a badge
    assert "Trademark Law, art. 14" in page.find("main").text()


# --- GI products, certifications, zones, enterprises --------------------------------------------


def test_gi_filters(client, regions):
    GIProductFactory(name_zh="锡林郭勒羊肉", region=region("152502"), year=2008, announced_on=None)
    GIProductFactory(name_zh="托县辣椒", region=region("150100"), protection_type="agricultural_gi")

    assert names(client, "/gi-products/", league="152500") == ["锡林郭勒羊肉"]
    assert names(client, "/gi-products/", county="152502") == ["锡林郭勒羊肉"]
    assert names(client, "/gi-products/", protection_type="agricultural_gi") == ["托县辣椒"]
    assert names(client, "/gi-products/", year=2008) == ["锡林郭勒羊肉"]
    assert names(client, "/gi-products/", q="辣椒") == ["托县辣椒"]
    assert names(client, "/gi-products/", ordering="-name") == sorted(["锡林郭勒羊肉", "托县辣椒"], reverse=True)


def test_certification_filters_with_derived_expired_status(client, regions):
    hohhot = EnterpriseFactory(region=region("150102"))
    baotou = EnterpriseFactory(region=region("150202"))
    CertificationFactory(certificate_number="124OP2400001", enterprise=hohhot, product="有机牛奶")
    CertificationFactory(
        certificate_number="124OP1800002",
        enterprise=baotou,
        issued_on=datetime.date(2018, 1, 1),
        expires_on=datetime.date(2021, 1, 1),
        product="有机羊肉",
    )
    CertificationFactory(
        certificate_number="GF150202240001", kind=CertificationKind.GREEN_FOOD, enterprise=baotou, product="绿色小米"
    )

    assert names(client, "/certifications/", league="150100") == ["124OP2400001"]
    assert sorted(names(client, "/certifications/", county="150202")) == ["124OP1800002", "GF150202240001"]
    assert names(client, "/certifications/", kind="green_food") == ["GF150202240001"]
    assert names(client, "/certifications/", status="expired") == ["124OP1800002"]
    assert names(client, "/certifications/", year=2018) == ["124OP1800002"]
    assert names(client, "/certifications/", q="小米") == ["GF150202240001"]
    assert names(client, "/certifications/", ordering="expires_on")[0] == "124OP1800002"
    expired_row = table_rows(parse(client.get("/certifications/", {"status": "expired"})))[0]
    assert expired_row.find("span", class_="badge").text() == "Expired"


def test_zone_filters(client, regions):
    DemonstrationZoneFactory(name="呼和浩特有机示范区", region=region("150100"), kind=ZoneKind.ORGANIC_DEMO)
    DemonstrationZoneFactory(
        name="包头质量强市",
        region=region("150200"),
        kind=ZoneKind.QUALITY_CITY,
        stage=ZoneStage.APPROVED,
        named_on=None,
    )

    assert names(client, "/zones/", league="150200") == ["包头质量强市"]
    assert names(client, "/zones/", kind="organic_demo") == ["呼和浩特有机示范区"]
    assert names(client, "/zones/", stage="approved") == ["包头质量强市"]
    assert names(client, "/zones/", year=2019) == ["呼和浩特有机示范区"]
    assert names(client, "/zones/", q="质量") == ["包头质量强市"]


def test_enterprise_filters(client, regions):
    a = EnterpriseFactory(name="内蒙古草原乳业有限公司", region=region("150102"))
    EnterpriseFactory(name="包头钢铁有限公司", region=region("150202"), industry="metallurgy")

    assert names(client, "/enterprises/", league="150100") == [a.name]
    assert names(client, "/enterprises/", county="150202") == ["包头钢铁有限公司"]
    assert names(client, "/enterprises/", industry="metallurgy") == ["包头钢铁有限公司"]
    assert names(client, "/enterprises/", q="乳业") == [a.name]
    assert names(client, "/enterprises/", uscc=a.uscc.lower()) == [a.name]
    assert names(client, "/enterprises/", ordering="-name") == sorted([a.name, "包头钢铁有限公司"], reverse=True)


def test_enterprise_list_rejects_a_credit_code_with_a_wrong_check_character(client, regions):
    good = make_uscc("150102", 4242)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    EnterpriseFactory(uscc=good)

    response = client.get("/enterprises/", {"uscc": wrong})

    assert response.status_code == 200
    page = parse(response)
    assert "check character is wrong" in page.find("ul", class_="errorlist").text()
    assert page.find("input", name="uscc").attrs.get("aria-invalid") == "true"
    assert table_rows(page) == []


def test_list_pages_never_show_contact_details(client, regions):
    enterprise = EnterpriseFactory(contact_email="hidden-contact@example.cn", contact_phone="13912345678")
    BrandFactory(enterprise=enterprise)
    CertificationFactory(enterprise=enterprise)

    for url in ("/enterprises/", "/brands/", "/certifications/"):
        body = client.get(url).content.decode()
        assert "hidden-contact@example.cn" not in body
        assert "13912345678" not in body


def test_today_decides_the_effective_status(client, regions):
    today = timezone.localdate()
    BrandFactory(
        name="刚过期",
        status=BrandStatus.RECOGNISED,
        recognised_on=today - datetime.timedelta(days=1100),
        valid_until=today - datetime.timedelta(days=1),
    )
    BrandFactory(
        name="今天有效",
        status=BrandStatus.RECOGNISED,
        recognised_on=today - datetime.timedelta(days=1000),
        valid_until=today,
    )

    assert names(client, "/brands/", status="expired") == ["刚过期"]
    assert names(client, "/brands/", status="recognised") == ["今天有效"]
