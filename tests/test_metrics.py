"""Counting registry records as of a date: the querysets behind every registry target."""

import datetime

import pytest

from brands.models import Brand, BrandStatus, Trademark, TrademarkTier
from certifications.models import Certification, CertificationKind, CertificationStatus, DemonstrationZone, ZoneStage
from geo_indications.models import GIProduct
from targets.metrics import METRICS, get_metric
from tests.factories import (
    BrandFactory,
    CertificationFactory,
    DemonstrationZoneFactory,
    EnterpriseFactory,
    GIProductFactory,
    TrademarkFactory,
)

pytestmark = pytest.mark.django_db
D = datetime.date


def test_a_brand_counts_from_recognition_until_valid_until(regions):
    BrandFactory(status=BrandStatus.RECOGNISED, recognised_on=D(2018, 1, 1), valid_until=D(2020, 12, 31))
    assert Brand.objects.recognised_as_of(D(2017, 12, 31)).count() == 0
    assert Brand.objects.recognised_as_of(D(2018, 1, 1)).count() == 1
    assert Brand.objects.recognised_as_of(D(2020, 12, 31)).count() == 1
    assert Brand.objects.recognised_as_of(D(2021, 1, 1)).count() == 0


def test_a_suspended_brand_stops_counting_from_its_suspension(regions):
    BrandFactory(
        status=BrandStatus.SUSPENDED,
        recognised_on=D(2022, 1, 1),
        valid_until=D(2025, 12, 31),
        suspended_on=D(2023, 6, 1),
    )
    assert Brand.objects.recognised_as_of(D(2023, 5, 31)).count() == 1
    assert Brand.objects.recognised_as_of(D(2023, 6, 1)).count() == 0


def test_a_revoked_brand_counts_until_its_revocation(regions):
    BrandFactory(
        status=BrandStatus.REVOKED, recognised_on=D(2019, 1, 1), valid_until=D(2021, 12, 31), revoked_on=D(2020, 3, 1)
    )
    assert Brand.objects.recognised_as_of(D(2020, 2, 29)).count() == 1
    assert Brand.objects.recognised_as_of(D(2020, 3, 1)).count() == 0


def test_a_cultivating_brand_never_counts(regions):
    BrandFactory(status=BrandStatus.CULTIVATING)
    assert Brand.objects.recognised_as_of(D(2030, 1, 1)).count() == 0


def test_a_certificate_counts_while_issued_and_not_suspended_revoked_or_expired(regions):
    CertificationFactory(
        issued_on=D(2020, 1, 1),
        expires_on=D(2023, 1, 1),
        status=CertificationStatus.REVOKED,
        revoked_on=D(2022, 6, 1),
        revocation_reason="test",
    )
    CertificationFactory(
        issued_on=D(2020, 1, 1),
        expires_on=D(2030, 1, 1),
        status=CertificationStatus.SUSPENDED,
        suspended_on=D(2021, 1, 1),
        suspended_until=D(2021, 3, 1),
    )
    valid = Certification.objects.valid_as_of
    assert valid(D(2019, 12, 31)).count() == 0
    assert valid(D(2020, 6, 1)).count() == 2
    assert valid(D(2021, 2, 1)).count() == 1  # the suspended one is out during its suspension
    assert valid(D(2021, 3, 2)).count() == 2
    assert valid(D(2022, 6, 1)).count() == 1  # revoked
    assert valid(D(2031, 1, 1)).count() == 0  # expired


def test_low_carbon_target_counts_distinct_enterprises(regions):
    enterprise = EnterpriseFactory()
    for n in range(3):
        CertificationFactory(kind=CertificationKind.LOW_CARBON, certificate_number=f"LC{n}", enterprise=enterprise)
    CertificationFactory(kind=CertificationKind.LOW_CARBON, certificate_number="LC9")
    metric = get_metric("certifications_low_carbon_enterprises")
    assert metric.count(as_of=D(2025, 1, 1)) == 2


def test_a_zone_counts_from_naming_until_revocation(regions):
    DemonstrationZoneFactory(stage=ZoneStage.REVOKED, named_on=D(2017, 1, 1), revoked_on=D(2020, 1, 1))
    DemonstrationZoneFactory(stage=ZoneStage.APPROVED, named_on=None)
    named = DemonstrationZone.objects.named_as_of
    assert named(D(2016, 12, 31)).count() == 0
    assert named(D(2019, 1, 1)).count() == 1
    assert named(D(2020, 1, 1)).count() == 0


def test_a_gi_product_with_only_a_year_counts_from_that_year(regions):
    GIProductFactory(announced_on=None, year=2019)
    assert GIProduct.objects.protected_as_of(D(2018, 12, 31)).count() == 0
    assert GIProduct.objects.protected_as_of(D(2019, 1, 1)).count() == 1


def test_a_famous_trademark_counts_within_its_three_years(reference_data):
    TrademarkFactory(tier=TrademarkTier.FAMOUS, tier_recognised_on=D(2016, 5, 1), tier_valid_until=D(2019, 4, 30))
    assert Trademark.objects.tier_as_of(TrademarkTier.FAMOUS, D(2017, 1, 1)).count() == 1
    assert Trademark.objects.tier_as_of(TrademarkTier.FAMOUS, D(2019, 5, 1)).count() == 0


def test_a_league_count_includes_its_counties(regions):
    from core.models import Region

    BrandFactory(
        region=Region.objects.get(code="150102"),
        status=BrandStatus.RECOGNISED,
        recognised_on=D(2024, 1, 1),
        valid_until=D(2026, 12, 31),
    )
    metric = get_metric("brands_recognised")
    day = D(2025, 1, 1)
    assert metric.count(as_of=day, region=Region.objects.get(code="150100")) == 1
    assert metric.count(as_of=day, region=Region.objects.get(code="150200")) == 0
    assert metric.count(as_of=day) == 1


def test_every_named_metric_counts_without_error(reference_data):
    for name, metric in METRICS.items():
        assert metric.count(as_of=D(2025, 1, 1)) >= 0, name
