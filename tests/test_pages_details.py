"""Detail pages of every register: public fields, related records, no contact data, 404 for unknown ids."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from brands.models import TrademarkTier
from certifications.models import CertificationStatus, ZoneStage
from core.models import Region
from geo_indications.models import GIMarkUserStatus
from tests.factories import (
    BrandFactory,
    CertificationFactory,
    DemonstrationZoneFactory,
    EnterpriseFactory,
    GIMarkUserFactory,
    GIProductFactory,
    TrademarkFactory,
)
from tests.factories_site import BrandEvaluationFactory, parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    """Pages in English, so that assertions on labels hold once the Chinese catalogue is filled in."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


SECRET_EMAIL = "private-contact@example.cn"
SECRET_PHONE = "13987654321"
SECRET_NAME = "联系人王某某"


@pytest.fixture
def nice_classes(regions):
    from brands.reference import load_nice_classes

    load_nice_classes()


@pytest.fixture
def enterprise(nice_classes):
    return EnterpriseFactory(
        name="内蒙古草原乳业有限公司",
        region=Region.objects.get(code="150102"),
        address="呼和浩特市新城区某路1号",
        contact_name=SECRET_NAME,
        contact_email=SECRET_EMAIL,
        contact_phone=SECRET_PHONE,
    )


@pytest.fixture
def records(enterprise):
    gi = GIProductFactory(name_zh="锡林郭勒羊肉", specification="肉质鲜嫩。")
    gi.protected_area.set(["152502", "152501"])
    brand = BrandFactory(name="草原之星", enterprise=enterprise, recognised=True, gi_product=gi)
    return {
        "gi": gi,
        "brand": brand,
        "trademark": TrademarkFactory(mark_text="星牌", enterprise=enterprise, brand=brand, nice_classes=[29, 32]),
        "certification": CertificationFactory(certificate_number="124OP2400077", enterprise=enterprise),
        "zone": DemonstrationZoneFactory(name="新城有机示范区", stage=ZoneStage.NAMED),
        "mark_use": GIMarkUserFactory(gi_product=gi, enterprise=enterprise),
    }


def detail_urls(r, enterprise) -> list[str]:
    return [
        f"/brands/{r['brand'].pk}/",
        f"/trademarks/{r['trademark'].pk}/",
        f"/gi-products/{r['gi'].pk}/",
        f"/certifications/{r['certification'].pk}/",
        f"/zones/{r['zone'].pk}/",
        f"/enterprises/{enterprise.pk}/",
    ]


def test_every_detail_page_answers_with_a_title_and_one_h1_and_no_contact_data(client, records, enterprise):
    for url in detail_urls(records, enterprise):
        response = client.get(url)
        assert response.status_code == 200, url
        page = parse(response)
        assert len(page.find_all("h1")) == 1, url
        assert page.find("title").text(), url
        body = response.content.decode()
        for secret in (SECRET_EMAIL, SECRET_PHONE, SECRET_NAME):
            assert secret not in body, (url, secret)


@pytest.mark.parametrize("prefix", ["brands", "trademarks", "gi-products", "certifications", "zones", "enterprises"])
def test_an_unknown_id_is_404(client, regions, prefix):
    assert client.get(f"/{prefix}/999999/").status_code == 404


def test_brand_shows_its_trademarks_gi_product_and_evaluations(client, records):
    BrandEvaluationFactory(brand=records["brand"], value_cny_10k="12345.60", rank=7)

    page = parse(client.get(f"/brands/{records['brand'].pk}/"))

    main = page.find("main")
    assert page.find("h1").text() == "草原之星"
    assert "星牌" in main.find("section", aria_labelledby="trademarks-heading").text()
    assert main.find("a", href=f"/gi-products/{records['gi'].pk}/").text() == "锡林郭勒羊肉"
    assert main.find("a", href=f"/enterprises/{records['brand'].enterprise_id}/") is not None
    assert "12,345.6" in main.find("section", aria_labelledby="evaluations-heading").text()


def test_enterprise_shows_its_brands_trademarks_certifications_and_mark_uses(client, records, enterprise):
    page = parse(client.get(f"/enterprises/{enterprise.pk}/"))

    sections = {s.attrs.get("aria-labelledby"): s.text() for s in page.find("main").find_all("section")}
    assert "草原之星" in sections["brands-heading"]
    assert "星牌" in sections["trademarks-heading"]
    assert "124OP2400077" in sections["certifications-heading"]
    assert "锡林郭勒羊肉" in sections["gi-heading"]
    assert enterprise.uscc in sections["facts-heading"]


def test_gi_product_shows_its_protected_area_and_only_authorised_mark_users(client, records, enterprise):
    revoked = GIMarkUserFactory(
        gi_product=records["gi"],
        enterprise=EnterpriseFactory(name="已撤销用标企业"),
        status=GIMarkUserStatus.REVOKED,
    )

    page = parse(client.get(f"/gi-products/{records['gi'].pk}/"))

    area = page.find("section", aria_labelledby="area-heading").text()
    assert "Xilinhot City" in area and "Erenhot City" in area
    users = page.find("section", aria_labelledby="users-heading").text()
    assert enterprise.name in users and enterprise.uscc in users
    assert revoked.enterprise.name not in users


def test_certification_shows_its_effective_status_and_revocation_reason(client, enterprise):
    expired = CertificationFactory(expires_on=datetime.date(2021, 1, 1), issued_on=datetime.date(2018, 1, 1))
    revoked = CertificationFactory(
        status=CertificationStatus.REVOKED,
        revoked_on=datetime.date(2024, 6, 1),
        revocation_reason="抽检不合格",
        enterprise=enterprise,
    )

    expired_page = parse(client.get(f"/certifications/{expired.pk}/"))
    revoked_page = parse(client.get(f"/certifications/{revoked.pk}/"))

    assert expired_page.find("span", class_="badge").text() == "Expired"
    assert revoked_page.find("span", class_="badge").text() == "Revoked"
    assert "抽检不合格" in revoked_page.find("main").text()


def test_a_well_known_trademark_is_a_recorded_fact_with_the_article_14_note(client, enterprise):
    trademark = TrademarkFactory(
        mark_text="驰名之标",
        enterprise=enterprise,
        tier=TrademarkTier.WELL_KNOWN,
        tier_recognised_on=datetime.date(2010, 1, 1),
        tier_authority="国家工商行政管理总局商标局",
    )

    page = parse(client.get(f"/trademarks/{trademark.pk}/"))

    tier = page.find("section", aria_labelledby="tier-heading")
    assert "Well-known trademark" in tier.text()
    assert "Trademark Law, art. 14" in tier.find("p", class_="notice").text()
    badges = [b.text() for b in page.find_all("span", class_="badge")]
    assert "Well-known trademark" not in badges


def test_a_registered_trademark_has_no_recognition_note(client, enterprise):
    trademark = TrademarkFactory(enterprise=enterprise)

    page = parse(client.get(f"/trademarks/{trademark.pk}/"))

    assert page.find("section", aria_labelledby="tier-heading").find("p", class_="notice") is None


def test_enterprise_detail_query_count_does_not_grow_with_its_records(client, enterprise):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/enterprises/{enterprise.pk}/").status_code == 200
        return len(queries)

    BrandFactory(enterprise=enterprise)
    TrademarkFactory(enterprise=enterprise)
    CertificationFactory(enterprise=enterprise)
    GIMarkUserFactory(enterprise=enterprise)
    few = count()
    for _ in range(8):
        BrandFactory(enterprise=enterprise)
        TrademarkFactory(enterprise=enterprise, nice_classes=[29, 30])
        CertificationFactory(enterprise=enterprise)
        GIMarkUserFactory(enterprise=enterprise)

    assert count() == few
