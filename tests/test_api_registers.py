"""The public registers under /api/v1/: whole payloads, 404s, and what is never public."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from brands.models import BrandKind, BrandStatus, TrademarkTier
from brands.reference import load_nice_classes
from certifications.models import CertificationKind, CertificationStatus, ZoneKind, ZoneLevel, ZoneStage
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
from tests.factories_api import PlanFactory, TargetFactory, api_client, find_keys

pytestmark = pytest.mark.django_db

XINCHENG = {
    "code": "150102",
    "name_zh": "新城区",
    "name_en": "Xincheng District",
    "level": "county",
    "league": "150100",
}
HOHHOT = {"code": "150100", "name_zh": "呼和浩特市", "name_en": "Hohhot", "level": "prefecture", "league": "150100"}
PROVINCE = {
    "code": "150000",
    "name_zh": "内蒙古自治区",
    "name_en": "Inner Mongolia Autonomous Region",
    "level": "province",
    "league": None,
}
USCC = make_uscc("150102", 424242)


@pytest.fixture
def refs(regions):
    """Regions and Nice classes: what these registers refer to (faster than all reference data)."""
    load_nice_classes()


@pytest.fixture
def enterprise(refs):
    return EnterpriseFactory(
        name="内蒙古草原乳业有限公司",
        uscc=USCC,
        address="呼和浩特市新城区成吉思汗大街1号",
        website="https://dairy.example.cn",
        contact_name="王经理",
        contact_phone="0471-1234567",
        contact_email="wang@dairy.example.cn",
    )


def holder(enterprise) -> dict:
    return {"id": enterprise.id, "name": "内蒙古草原乳业有限公司", "uscc": USCC, "region": XINCHENG}


def get_json(url: str) -> dict:
    response = api_client().get(url)
    assert response.status_code == 200, response.content
    return response.json()


def test_enterprise_detail_is_the_public_profile(enterprise):
    assert get_json(f"/api/v1/enterprises/{enterprise.id}/") == {
        "id": enterprise.id,
        "name": "内蒙古草原乳业有限公司",
        "uscc": USCC,
        "region": XINCHENG,
        "industry": "food",
        "industry_display": "Food and beverages",
        "address": "呼和浩特市新城区成吉思汗大街1号",
        "website": "https://dairy.example.cn",
    }


@pytest.mark.parametrize(
    ("code", "expected"),
    [("150102", XINCHENG), ("150100", HOHHOT), ("150000", PROVINCE)],
    ids=["county", "league", "province"],
)
def test_region_detail(regions, code, expected):
    assert get_json(f"/api/v1/regions/{code}/") == expected


def test_nice_class_detail(refs):
    assert get_json("/api/v1/nice-classes/29/") == {
        "number": 29,
        "kind": "goods",
        "kind_display": "Goods",
        "name_zh": "食品",
        "name_en": "Meats and Processed Foods",
        "heading_en": (
            "Meat, fish, poultry and game; preserved fruits and vegetables; eggs; milk and milk products; "
            "edible oils and fats"
        ),
    }


def test_gi_product_detail_and_its_authorised_users(enterprise):
    gi = GIProductFactory(
        name_zh="测试羊肉",
        name_en="Test mutton",
        category="畜产品",
        announcement_number="2015年第44号",
        year=2015,
        specification="放牧饲养",
        source="国家知识产权局公告",
    )
    gi.protected_area.set(["150102", "150100"])
    mark_user = GIMarkUserFactory(gi_product=gi, enterprise=enterprise)
    GIMarkUserFactory(gi_product=gi, status="revoked")  # not listed as an authorised user

    assert get_json(f"/api/v1/gi-products/{gi.id}/") == {
        "id": gi.id,
        "name_zh": "测试羊肉",
        "name_en": "Test mutton",
        "protection_type": "gi_product",
        "protection_type_display": "GI-protected product",
        "category": "畜产品",
        "region": HOHHOT,
        "protected_area": [HOHHOT, XINCHENG],
        "announcement_number": "2015年第44号",
        "announced_on": "2015-06-01",
        "year": 2015,
        "specification": "放牧饲养",
        "status": "protected",
        "status_display": "Protected",
        "revoked_on": None,
        "authorised_users": 2,
        "source": "国家知识产权局公告",
    }
    assert get_json(f"/api/v1/gi-products/{gi.id}/mark-users/") == {
        "count": 1,
        "count_capped": False,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": mark_user.id,
                "enterprise": holder(enterprise),
                "status": "authorised",
                "status_display": "Authorised",
                "authorised_on": "2020-01-01",
            }
        ],
    }


@pytest.mark.parametrize(
    ("valid_until", "effective", "effective_display"),
    [
        (datetime.date(2099, 2, 28), "recognised", "Recognised"),
        (datetime.date(2025, 2, 28), "expired", "Expired"),
    ],
    ids=["in-force", "past-valid-until"],
)
def test_brand_detail(enterprise, valid_until, effective, effective_display):
    gi = GIProductFactory(name_zh="测试羊肉")
    brand = BrandFactory(
        name="草原红",
        enterprise=enterprise,
        gi_product=gi,
        description="草原上的红色品牌",
        status=BrandStatus.RECOGNISED,
        recognised_on=datetime.date(2022, 3, 1),
        valid_until=valid_until,
    )
    assert get_json(f"/api/v1/brands/{brand.id}/") == {
        "id": brand.id,
        "name": "草原红",
        "enterprise": holder(enterprise),
        "kind": "product",
        "kind_display": "Product brand",
        "industry": "food",
        "industry_display": "Food and beverages",
        "region": XINCHENG,
        "gi_product": {"id": gi.id, "name_zh": "测试羊肉"},
        "description": "草原上的红色品牌",
        "logo": None,
        "logo_thumbnail": None,
        "status": "recognised",
        "status_display": "Recognised",
        "effective_status": effective,
        "effective_status_display": effective_display,
        "recognised_on": "2022-03-01",
        "valid_until": valid_until.isoformat(),
        "revoked_on": None,
    }


def test_trademark_detail_with_owner_in_the_registry(enterprise):
    brand = BrandFactory(name="草原红", enterprise=enterprise)
    mark = TrademarkFactory(
        registration_number="12345678",
        mark_text="草原红",
        enterprise=enterprise,
        brand=brand,
        nice_classes=[30, 29],
        tier=TrademarkTier.FAMOUS,
        tier_recognised_on=datetime.date(2016, 1, 10),
        tier_valid_until=datetime.date(2019, 1, 9),
        tier_authority="内蒙古自治区工商行政管理局",
        source="自治区著名商标名单",
    )
    assert get_json(f"/api/v1/trademarks/{mark.id}/") == {
        "id": mark.id,
        "registration_number": "12345678",
        "mark_text": "草原红",
        "mark_image": None,
        "nice_classes": [29, 30],
        "enterprise": holder(enterprise),
        "owner": "内蒙古草原乳业有限公司",
        "region": XINCHENG,
        "brand": {"id": brand.id, "name": "草原红"},
        "registered_on": "2012-05-01",
        "expires_on": None,
        "status": "valid",
        "status_display": "Valid",
        "tier": "famous",
        "tier_display": "Famous trademark (provincial)",
        "tier_recognised_on": "2016-01-10",
        "tier_valid_until": "2019-01-09",
        "tier_authority": "内蒙古自治区工商行政管理局",
        "source": "自治区著名商标名单",
    }


def test_trademark_detail_with_owner_only_as_published(refs):
    mark = TrademarkFactory(
        registration_number=None, mark_text="草原星", enterprise=None, owner_name="某公司", region=None
    )
    payload = get_json(f"/api/v1/trademarks/{mark.id}/")
    assert {key: payload[key] for key in ("registration_number", "enterprise", "owner", "region", "brand")} == {
        "registration_number": None,
        "enterprise": None,
        "owner": "某公司",
        "region": None,
        "brand": None,
    }


@pytest.mark.parametrize(
    ("changes", "status", "effective"),
    [
        ({}, ("valid", "Valid"), ("valid", "Valid")),
        ({"expires_on": datetime.date(2025, 4, 30)}, ("valid", "Valid"), ("expired", "Expired")),
        (
            {"status": "revoked", "revoked_on": datetime.date(2025, 1, 2), "revocation_reason": "抽检不合格"},
            ("revoked", "Revoked"),
            ("revoked", "Revoked"),
        ),
    ],
    ids=["valid", "past-expiry", "revoked"],
)
def test_certification_detail(enterprise, changes, status, effective):
    fields = {
        "certificate_number": "124OP2400001",
        "enterprise": enterprise,
        "issued_on": datetime.date(2024, 5, 1),
        "expires_on": datetime.date(2099, 4, 30),
        **changes,
    }
    cert = CertificationFactory(**fields)
    assert get_json(f"/api/v1/certifications/{cert.id}/") == {
        "id": cert.id,
        "kind": "organic",
        "kind_display": "Organic product",
        "certificate_number": "124OP2400001",
        "enterprise": holder(enterprise),
        "product": "有机牛奶",
        "certifying_body": "中绿华夏有机产品认证中心",
        "issued_on": "2024-05-01",
        "expires_on": fields["expires_on"].isoformat(),
        "status": status[0],
        "status_display": status[1],
        "effective_status": effective[0],
        "effective_status_display": effective[1],
        "suspended_on": None,
        "suspended_until": None,
        "revoked_on": "2025-01-02" if "revoked_on" in changes else None,
        "revocation_reason": changes.get("revocation_reason", ""),
        "cancelled_on": None,
    }


def test_zone_detail(regions):
    zone = DemonstrationZoneFactory(name="呼和浩特有机示范区", description="有机认证示范")
    assert get_json(f"/api/v1/zones/{zone.id}/") == {
        "id": zone.id,
        "name": "呼和浩特有机示范区",
        "kind": "organic_demo",
        "kind_display": "Organic product certification demonstration zone",
        "level": "national",
        "level_display": "National",
        "region": HOHHOT,
        "lead_body": "呼和浩特市市场监督管理局",
        "stage": "named",
        "stage_display": "Named",
        "applied_on": "2016-03-01",
        "approved_on": "2016-09-01",
        "named_on": "2019-12-01",
        "revoked_on": None,
        "description": "有机认证示范",
    }


def test_plan_detail_lists_its_targets(db):
    plan = PlanFactory(code="plan-2021", name_zh="十四五规划", name_en="14th five-year plan", source="政府文件")
    target = TargetFactory(plan=plan, code="T-1", name_zh="合格率", name_en="Pass rate", note="稳定")
    assert get_json(f"/api/v1/plans/{plan.id}/") == {
        "id": plan.id,
        "code": "plan-2021",
        "name_zh": "十四五规划",
        "name_en": "14th five-year plan",
        "period_start": "2021-01-01",
        "period_end": "2025-12-31",
        "source": "政府文件",
        "is_current": False,
        "targets": [
            {
                "id": target.id,
                "plan": "plan-2021",
                "code": "T-1",
                "group": {"code": "product_quality", "name_zh": "产品质量", "name_en": "Product quality"},
                "name_zh": "合格率",
                "name_en": "Pass rate",
                "comparator": ">=",
                "comparator_display": "at least",
                "value": "90.00",
                "unit": "percent",
                "deadline": "2025-12-31",
                "measured_by": "reported",
                "measured_by_display": "Reported measurement",
                "metric": "",
                "note": "稳定",
            }
        ],
    }


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/enterprises/999999/",
        "/api/v1/regions/159999/",
        "/api/v1/nice-classes/46/",
        "/api/v1/gi-products/999999/",
        "/api/v1/gi-products/999999/mark-users/",
        "/api/v1/brands/999999/",
        "/api/v1/trademarks/999999/",
        "/api/v1/certifications/999999/",
        "/api/v1/zones/999999/",
        "/api/v1/plans/999999/",
        "/api/v1/targets/999999/",
    ],
)
def test_unknown_id_is_404(db, url):
    assert api_client().get(url).status_code == 404


def test_contact_details_never_leave_through_the_api(enterprise):
    gi = GIProductFactory()
    GIMarkUserFactory(gi_product=gi, enterprise=enterprise)
    BrandFactory(enterprise=enterprise)
    TrademarkFactory(enterprise=enterprise)
    CertificationFactory(enterprise=enterprise)
    urls = [
        "/api/v1/enterprises/",
        f"/api/v1/enterprises/{enterprise.id}/",
        f"/api/v1/enterprises/?uscc={USCC}",
        "/api/v1/brands/",
        "/api/v1/trademarks/",
        "/api/v1/certifications/",
        f"/api/v1/gi-products/{gi.id}/mark-users/",
    ]
    private = {"contact_name", "contact_phone", "contact_email", "credit_grade", "credit_records"}
    for url in urls:
        response = api_client().get(url)
        assert response.status_code == 200
        assert find_keys(response.json(), private) == set(), url
        for value in ("王经理", "0471-1234567", "wang@dairy.example.cn"):
            assert value not in response.content.decode(), url


# --- filters: the same FilterSets as the public pages ------------------------------------------


def result_ids(url: str) -> list[int]:
    return [row["id"] for row in get_json(url)["results"]]


@pytest.fixture
def two_leagues(refs):
    """A brand in Hohhot (county 新城区) and one in Baotou (county 东河区)."""
    hohhot = BrandFactory(
        name="草原红",
        description="呼和浩特的乳品品牌",
        enterprise=EnterpriseFactory(name="草原乳业"),
        recognised=True,
    )
    baotou = BrandFactory(
        name="黄河鲤",
        kind=BrandKind.REGIONAL,
        enterprise=EnterpriseFactory(name="黄河渔业", region=Region.objects.get(code="150202")),
        recognised_on=datetime.date(2019, 5, 1),
    )
    return hohhot, baotou


def test_brand_league_filter_includes_its_counties(two_leagues):
    hohhot, baotou = two_leagues
    assert result_ids("/api/v1/brands/?league=150100") == [hohhot.id]
    assert result_ids("/api/v1/brands/?league=150200") == [baotou.id]
    assert result_ids("/api/v1/brands/?county=150202") == [baotou.id]
    assert result_ids("/api/v1/enterprises/?league=150200") == [baotou.enterprise_id]


def test_unknown_league_is_refused(two_leagues):
    response = api_client().get("/api/v1/brands/?league=150102")  # a county, not a league
    assert response.status_code == 400
    assert set(response.json()) == {"league"}


def test_brand_search_with_a_chinese_word(two_leagues):
    hohhot, baotou = two_leagues
    assert result_ids("/api/v1/brands/?q=草原") == [hohhot.id]
    assert result_ids("/api/v1/brands/?q=乳品") == [hohhot.id]  # in the description
    assert result_ids("/api/v1/brands/?q=渔业") == [baotou.id]  # the owner's name
    assert result_ids("/api/v1/enterprises/?q=乳业") == [hohhot.enterprise_id]


def test_brand_ordering_kind_and_year(two_leagues):
    hohhot, baotou = two_leagues
    # Default order is the name: 草 (cao) sorts before 黄 (huang) by code point.
    assert result_ids("/api/v1/brands/") == [hohhot.id, baotou.id]
    assert result_ids("/api/v1/brands/?ordering=-name") == [baotou.id, hohhot.id]
    assert result_ids("/api/v1/brands/?ordering=recognised_on") == [baotou.id, hohhot.id]
    assert result_ids("/api/v1/brands/?kind=regional") == [baotou.id]
    assert result_ids("/api/v1/brands/?year=2025") == [hohhot.id]
    assert api_client().get("/api/v1/brands/?ordering=contact_email").status_code == 400


def test_brand_status_filter_knows_derived_expiry(refs):
    today = timezone.localdate()
    in_force = BrandFactory(recognised=True, valid_until=today)
    lapsed = BrandFactory(recognised=True, valid_until=today - datetime.timedelta(days=1))
    stored_expired = BrandFactory(status=BrandStatus.EXPIRED, recognised_on=datetime.date(2020, 1, 1))
    cultivating = BrandFactory()
    assert result_ids("/api/v1/brands/?status=recognised") == [in_force.id]
    assert sorted(result_ids("/api/v1/brands/?status=expired")) == sorted([lapsed.id, stored_expired.id])
    assert result_ids("/api/v1/brands/?status=cultivating") == [cultivating.id]
    assert get_json(f"/api/v1/brands/{lapsed.id}/")["effective_status"] == "expired"


def test_certification_filters(refs):
    today = timezone.localdate()
    organic = CertificationFactory(product="有机牛奶", expires_on=today)
    lapsed = CertificationFactory(product="有机羊肉", expires_on=today - datetime.timedelta(days=1))
    green = CertificationFactory(
        kind=CertificationKind.GREEN_FOOD,
        certificate_number="GF150102240012",
        product="绿色小米",
        issued_on=datetime.date(2023, 1, 1),
        enterprise=EnterpriseFactory(region=Region.objects.get(code="150202")),
    )
    assert result_ids("/api/v1/certifications/?status=valid") == [organic.id, green.id]  # newest issue first
    assert result_ids(f"/api/v1/certifications/?status={CertificationStatus.EXPIRED}") == [lapsed.id]
    assert result_ids("/api/v1/certifications/?kind=green_food") == [green.id]
    assert result_ids("/api/v1/certifications/?q=小米") == [green.id]
    assert result_ids("/api/v1/certifications/?league=150200") == [green.id]  # the holder's region
    assert result_ids("/api/v1/certifications/?year=2023") == [green.id]
    assert result_ids("/api/v1/certifications/?ordering=expires_on")[0] == lapsed.id


def test_trademark_gi_and_zone_filters(refs):
    famous = TrademarkFactory(tier=TrademarkTier.FAMOUS, mark_text="草原星", nice_classes=[30])
    TrademarkFactory(mark_text="黄河星")
    assert result_ids("/api/v1/trademarks/?tier=famous") == [famous.id]
    assert result_ids("/api/v1/trademarks/?nice_class=30") == [famous.id]
    assert result_ids("/api/v1/trademarks/?q=草原星") == [famous.id]

    gi = GIProductFactory(
        name_zh="测试奶酪", protection_type="agricultural_gi", region=Region.objects.get(code="152501")
    )
    assert result_ids("/api/v1/gi-products/?league=152500&protection_type=agricultural_gi") == [gi.id]
    assert result_ids("/api/v1/gi-products/?q=奶酪") == [gi.id]

    named = DemonstrationZoneFactory(kind=ZoneKind.QUALITY_CITY)
    applied = DemonstrationZoneFactory(
        stage=ZoneStage.APPLIED, named_on=None, level=ZoneLevel.REGIONAL, region=Region.objects.get(code="150200")
    )
    assert result_ids("/api/v1/zones/?stage=named") == [named.id]
    assert result_ids("/api/v1/zones/?kind=quality_city&year=2019") == [named.id]
    assert result_ids("/api/v1/zones/?level=regional&league=150200") == [applied.id]


def test_region_filters(regions):
    leagues = get_json("/api/v1/regions/?level=prefecture")
    assert leagues["count"] == 12
    counties = get_json("/api/v1/regions/?parent=150200&page_size=100")["results"]
    assert counties and {row["league"] for row in counties} == {"150200"}
    assert api_client().get("/api/v1/regions/?level=planet").status_code == 400


def test_enterprise_uscc_filter_checks_the_code(enterprise):
    assert result_ids(f"/api/v1/enterprises/?uscc={USCC.lower()}") == [enterprise.id]
    response = api_client().get("/api/v1/enterprises/?uscc=91150102MA0N0000XX")
    assert response.status_code == 400
    assert "uscc" in response.json()


# --- pagination --------------------------------------------------------------------------------


def test_pagination_envelope(refs):
    BrandFactory.create_batch(25)
    first = get_json("/api/v1/brands/")
    assert (first["count"], len(first["results"]), first["previous"]) == (25, 20, None)
    assert first["next"] == "http://testserver/api/v1/brands/?page=2"
    second = get_json("/api/v1/brands/?page=2")
    assert (len(second["results"]), second["next"]) == (5, None)
    assert second["previous"] == "http://testserver/api/v1/brands/"
    assert api_client().get("/api/v1/brands/?page=3").status_code == 404


def test_page_size_is_capped_at_100(regions):
    page = get_json("/api/v1/regions/?page_size=1000")
    assert (page["count"], len(page["results"])) == (116, 100)
    assert page["next"] == "http://testserver/api/v1/regions/?page=2&page_size=1000"


def test_the_registers_are_read_only(refs, staff_user):
    brand = BrandFactory()
    for client in (api_client(), api_client(staff_user)):
        assert client.post("/api/v1/brands/", {"name": "x"}).status_code in {403, 405}
        assert client.delete(f"/api/v1/brands/{brand.id}/").status_code in {403, 405}
    assert api_client(staff_user).post("/api/v1/brands/", {"name": "x"}).status_code == 405
