"""The progress page: every target of the plan, registry targets counted live, reported ones from measurements."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from brands.models import Brand, BrandStatus, Trademark, TrademarkTier
from certifications.models import Certification, CertificationKind, DemonstrationZone, ZoneKind, ZoneStage
from core.models import Region
from geo_indications.models import GIProduct
from targets.models import MeasuredBy, Plan, RegionalAllocation, Target
from tests.factories import (
    BrandFactory,
    CertificationFactory,
    DemonstrationZoneFactory,
    EnterpriseFactory,
    TrademarkFactory,
)
from tests.factories_site import MeasurementFactory, parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _zones(kind: str) -> Callable[[datetime.date], int]:
    return lambda day: DemonstrationZone.objects.named_as_of(day).filter(kind=kind).count()


def _certs(*kinds: str) -> Callable[[datetime.date], int]:
    return lambda day: Certification.objects.valid_as_of(day).filter(kind__in=kinds).count()


# What each registry target of the 2015 plan counts, written against the models directly.
DIRECT_COUNTS: dict[str, Callable[[datetime.date], int]] = {
    "BR-01": lambda day: Brand.objects.recognised_as_of(day).count(),
    "BR-02": lambda day: GIProduct.objects.protected_as_of(day).count(),
    "BR-03": lambda day: Trademark.objects.tier_as_of(TrademarkTier.WELL_KNOWN, day).count(),
    "BR-04": lambda day: Trademark.objects.tier_as_of(TrademarkTier.FAMOUS, day).count(),
    "CA-02": lambda day: (
        Certification.objects.valid_as_of(day)
        .filter(kind=CertificationKind.LOW_CARBON)
        .values("enterprise")
        .distinct()
        .count()
    ),
    "CA-03": _certs(CertificationKind.ORGANIC, CertificationKind.GREEN_FOOD, CertificationKind.POLLUTION_FREE),
    "PQ-02": _zones(ZoneKind.AGRI_STANDARDIZATION_DEMO),
    "CA-04": _zones(ZoneKind.ORGANIC_DEMO),
    "BR-05": _zones(ZoneKind.EXPORT_FOOD_DEMO),
    "BR-06": _zones(ZoneKind.EXPORT_INDUSTRIAL_DEMO),
    "BR-07": _zones(ZoneKind.QUALITY_CITY),
    "BR-08": _zones(ZoneKind.FAMOUS_BRAND_DEMO),
    "BR-09": _zones(ZoneKind.STANDARDIZATION_PILOT),
}


@pytest.fixture
def registry(reference_data):
    """A mix of records in force and not in force, in Hohhot (150100) and Baotou (150200)."""
    hohhot = EnterpriseFactory(region=Region.objects.get(code="150102"))
    baotou = EnterpriseFactory(region=Region.objects.get(code="150202"))
    BrandFactory.create_batch(3, enterprise=hohhot, recognised=True)
    BrandFactory(enterprise=baotou, recognised=True)
    BrandFactory(
        enterprise=baotou,
        status=BrandStatus.RECOGNISED,
        recognised_on=datetime.date(2018, 1, 1),
        valid_until=datetime.date(2021, 1, 1),
    )
    BrandFactory(enterprise=hohhot)  # cultivating
    TrademarkFactory(enterprise=hohhot, tier=TrademarkTier.FAMOUS, tier_recognised_on=datetime.date(2016, 1, 1))
    TrademarkFactory(enterprise=baotou, tier=TrademarkTier.WELL_KNOWN, tier_recognised_on=datetime.date(2012, 1, 1))
    CertificationFactory.create_batch(2, enterprise=hohhot)
    CertificationFactory(enterprise=baotou, issued_on=datetime.date(2015, 1, 1), expires_on=datetime.date(2018, 1, 1))
    CertificationFactory(enterprise=baotou, kind=CertificationKind.GREEN_FOOD, certificate_number="GF150202240001")
    for number in ("LC-000001", "LC-000002"):  # two certificates, one enterprise
        CertificationFactory(enterprise=hohhot, kind=CertificationKind.LOW_CARBON, certificate_number=number)
    for kind in ZoneKind.values:
        DemonstrationZoneFactory(kind=kind, region=Region.objects.get(code="150100"))
    DemonstrationZoneFactory(kind=ZoneKind.QUALITY_CITY, stage=ZoneStage.APPROVED, named_on=None)
    return {"hohhot": hohhot, "baotou": baotou}


def displayed_values(page) -> dict[str, int]:
    values = {}
    for row in page.find("main").find_all("tr"):
        code = (row.attrs.get("id") or "").removeprefix("target-")
        cell = row.find("td", class_="value-cell")
        if code and cell is not None and "data-value" in cell.attrs:
            values[code] = int(cell.attrs["data-value"].replace(",", ""))
    return values


def test_progress_page_answers_with_one_h1_and_every_target_of_the_plan(client, registry):
    response = client.get("/progress/")

    assert response.status_code == 200
    page = parse(response)
    assert len(page.find_all("h1")) == 1
    plan = Plan.objects.current()
    shown = {row.attrs["id"].removeprefix("target-") for row in page.find_all("tr") if row.attrs.get("id")}
    assert shown == set(plan.targets.values_list("code", flat=True))
    groups = [h2.text() for h2 in page.find("main").find_all("h2")]
    assert "Brand building" in groups and "Certification and accreditation" in groups


def test_every_registry_target_shows_the_count_in_the_database(client, registry):
    today = timezone.localdate()
    plan = Plan.objects.current()
    registry_codes = set(plan.targets.filter(measured_by=MeasuredBy.REGISTRY).values_list("code", flat=True))
    assert registry_codes == set(DIRECT_COUNTS), "a registry target without a direct count in this test"

    shown = displayed_values(parse(client.get("/progress/")))

    expected = {code: DIRECT_COUNTS[code](today) for code in registry_codes}
    assert {code: shown[code] for code in registry_codes} == expected
    assert expected["BR-01"] == 4 and expected["CA-02"] == 1 and expected["BR-07"] == 1


def test_a_reported_target_without_a_measurement_shows_no_data_yet(client, registry):
    page = parse(client.get("/progress/"))

    row = page.by_id("target-PQ-03")
    assert "No data yet" in row.find("td", class_="value-cell").text()
    assert "data-value" not in row.find("td", class_="value-cell").attrs


def test_a_reported_target_shows_its_latest_measurement_with_date_and_source(client, registry):
    target = Target.objects.get(code="PQ-01")
    MeasurementFactory(target=target, value=95, measured_on=datetime.date(2019, 12, 31), source="旧报告")
    MeasurementFactory(target=target, value="97.50", measured_on=datetime.date(2020, 12, 31), source="年度质量报告")

    row = parse(client.get("/progress/")).by_id("target-PQ-01")

    text = row.text()
    assert "97.5%" in text and "2020-12-31" in text and "年度质量报告" in text
    assert "Met" in row.find("span", class_="state").text()


def test_at_least_targets_show_a_bar_with_the_number_in_text(client, registry):
    row = parse(client.get("/progress/")).by_id("target-BR-01")

    bar = row.find("progress")
    assert bar.attrs["max"] == "100" and bar.attrs["value"] == "1"  # 4 of 500
    assert bar.attrs.get("aria-label")
    assert "0.8% of target" in row.text()


def test_the_league_filter_counts_within_the_league_including_its_counties(client, registry):
    hohhot = displayed_values(parse(client.get("/progress/", {"league": "150100"})))
    baotou = displayed_values(parse(client.get("/progress/", {"league": "150200"})))

    assert hohhot["BR-01"] == 3  # brands of an enterprise in county 150102
    assert baotou["BR-01"] == 1
    assert hohhot["CA-02"] == 1 and baotou["CA-02"] == 0


def test_a_league_allocation_is_the_goal_in_that_league(client, registry):
    RegionalAllocation.objects.create(
        target=Target.objects.get(code="BR-01"), region=Region.objects.get(code="150100"), value=6
    )

    page = parse(client.get("/progress/", {"league": "150100"}))

    row = page.by_id("target-BR-01")
    assert "at least 6 brands" in row.text()
    assert "50% of target" in row.text()
    assert "No allocation for this area" in page.by_id("target-BR-02").text()


def test_an_invalid_league_shows_an_error_and_the_whole_region(client, registry):
    response = client.get("/progress/", {"league": "999999"})

    assert response.status_code == 200
    page = parse(response)
    assert page.find("ul", class_="errorlist") is not None
    assert displayed_values(page)["BR-01"] == 4


def test_an_unknown_plan_is_404_and_a_known_one_is_shown(client, registry):
    assert client.get("/progress/", {"plan": "plan-1999"}).status_code == 404
    assert client.get("/progress/", {"plan": "plan-2015"}).status_code == 200


@pytest.mark.usefixtures("progress_uncached")
def test_the_query_count_does_not_grow_with_reported_or_registry_targets(client, registry):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/progress/").status_code == 200
        return len(queries)

    plan = Plan.objects.current()
    before = count()
    for i in range(5):
        target = Target.objects.create(
            plan=plan,
            code=f"XX-{i}",
            group_id="brand_building",
            name_zh=f"报告指标{i}",
            value=10,
            unit="percent",
            deadline=datetime.date(2020, 12, 31),
            measured_by=MeasuredBy.REPORTED,
        )
        MeasurementFactory(target=target)
    assert count() == before
    Target.objects.create(
        plan=plan,
        code="XX-R",
        group_id="brand_building",
        name_zh="登记指标",
        value=10,
        unit="brands",
        deadline=datetime.date(2020, 12, 31),
        measured_by=MeasuredBy.REGISTRY,
        metric="brands_recognised",
    )
    assert count() == before  # registry metrics are counted together, one query per register
