"""Progress against the plan targets: /api/v1/targets/ counts the registry live, reads the reports."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from brands.models import Brand, BrandStatus, Trademark, TrademarkStatus, TrademarkTier
from certifications.models import Certification, CertificationKind, DemonstrationZone, ZoneKind, ZoneStage
from core.models import Region
from geo_indications.models import GIProduct, GIStatus
from targets.models import MeasuredBy, Target
from targets.progress import classify
from tests.factories import (
    BrandFactory,
    CertificationFactory,
    DemonstrationZoneFactory,
    EnterpriseFactory,
    GIProductFactory,
    TrademarkFactory,
)
from tests.factories_api import MeasurementFactory, TargetFactory, api_client

pytestmark = pytest.mark.django_db

PLAN = "plan-2015"


def direct_count(metric: str, day: datetime.date, league: str | None = None) -> int:
    """The registry count of ``metric`` straight from the models (not through targets.metrics)."""
    kind = metric.partition(":")[2]
    querysets = {
        "brands_recognised": lambda: Brand.objects.recognised_as_of(day),
        "gi_products_protected": lambda: GIProduct.objects.protected_as_of(day),
        "trademarks_well_known": lambda: Trademark.objects.tier_as_of(TrademarkTier.WELL_KNOWN, day),
        "trademarks_famous": lambda: Trademark.objects.tier_as_of(TrademarkTier.FAMOUS, day),
        "certifications_organic_green_pollution_free": lambda: Certification.objects.valid_as_of(day).filter(
            kind__in=[CertificationKind.ORGANIC, CertificationKind.GREEN_FOOD, CertificationKind.POLLUTION_FREE]
        ),
        "certifications_low_carbon_enterprises": lambda: Certification.objects.valid_as_of(day).filter(
            kind=CertificationKind.LOW_CARBON
        ),
        f"zones_named:{kind}": lambda: DemonstrationZone.objects.named_as_of(day).filter(kind=kind),
    }
    qs = querysets[metric]()
    if league:
        qs = qs.in_region(league)
    if metric == "certifications_low_carbon_enterprises":
        return qs.values("enterprise").distinct().count()
    return qs.count()


@pytest.fixture
def registry(reference_data):
    """Records in every register, some counted today and some not (lapsed, revoked, cancelled, not yet named)."""
    today = timezone.localdate()
    baotou = EnterpriseFactory(region=Region.objects.get(code="150202"))
    BrandFactory.create_batch(3, recognised=True)
    BrandFactory(recognised=True, enterprise=baotou)
    BrandFactory(recognised=True, valid_until=today - datetime.timedelta(days=1))  # lapsed
    BrandFactory(status=BrandStatus.REVOKED, recognised_on=datetime.date(2020, 1, 1), revoked_on=today)
    BrandFactory()  # cultivating
    GIProductFactory(status=GIStatus.REVOKED, revoked_on=datetime.date(2021, 1, 1))
    GIProductFactory(region=Region.objects.get(code="150200"))
    TrademarkFactory.create_batch(2, tier=TrademarkTier.FAMOUS, tier_recognised_on=datetime.date(2016, 1, 1))
    TrademarkFactory(tier=TrademarkTier.FAMOUS, status=TrademarkStatus.CANCELLED)
    CertificationFactory.create_batch(2)
    CertificationFactory(kind=CertificationKind.GREEN_FOOD, certificate_number="GF150102240012", enterprise=baotou)
    CertificationFactory(expires_on=today - datetime.timedelta(days=1))
    low_carbon = EnterpriseFactory()
    for n in range(3):  # two enterprises, three certificates: the target counts enterprises
        CertificationFactory(
            kind=CertificationKind.LOW_CARBON,
            certificate_number=f"LC-{n}",
            enterprise=low_carbon if n < 2 else baotou,
        )
    for kind in ZoneKind.values:
        DemonstrationZoneFactory(kind=kind)
    DemonstrationZoneFactory(kind=ZoneKind.QUALITY_CITY, region=Region.objects.get(code="150200"))
    DemonstrationZoneFactory(stage=ZoneStage.APPLIED, named_on=None)
    DemonstrationZoneFactory(stage=ZoneStage.REVOKED, revoked_on=datetime.date(2022, 1, 1))


def progress_by_code(url: str) -> dict[str, dict]:
    response = api_client().get(url)
    assert response.status_code == 200, response.content
    payload = response.json()
    assert payload["next"] is None  # the whole plan fits on one page in these tests
    return {row["code"]: row for row in payload["results"]}


def test_every_registry_target_equals_a_direct_count(registry):
    today = timezone.localdate()
    rows = progress_by_code(f"/api/v1/targets/?plan={PLAN}&page_size=100")
    registry_targets = Target.objects.filter(plan__code=PLAN, measured_by=MeasuredBy.REGISTRY)
    assert len(registry_targets) == 13
    values = {}
    start = registry_targets[0].plan.period_start
    for target in registry_targets:
        expected = direct_count(target.metric, today)
        baseline = direct_count(target.metric, start)
        values[target.metric] = expected
        percent = round(expected / float(target.value) * 100, 2)
        trajectory, pace = classify(
            value=expected,
            baseline=baseline,
            goal=target.value,
            comparator=target.comparator,
            start=start,
            deadline=target.deadline,
            as_of=today,
        )
        assert rows[target.code]["progress"] == {
            "value": f"{expected}.00",
            "has_data": True,
            "goal": str(target.value),
            "percent": percent,
            "met": expected >= target.value,
            "measured_on": today.isoformat(),
            "source": "registry",
            "baseline": f"{baseline}.00",
            "baseline_on": "2015-01-01",
            "trajectory": trajectory,
            "trajectory_display": trajectory.label,
            "pace": round(pace, 4),
            "pipeline": None,  # no application to the brand programme yet: no approval history
            "expected_at_deadline": None,
        }, target.metric
        # A handful of records against plan-sized targets, met only where the target is small.
        assert trajectory == ("on_track" if expected >= target.value else "limited_progress"), target.metric
    # The fixture makes the counts meaningful: records that must not count are there too.
    assert values["brands_recognised"] == 4
    assert values["certifications_low_carbon_enterprises"] == 2
    assert values["certifications_organic_green_pollution_free"] == 3
    assert values["trademarks_famous"] == 2
    assert values["zones_named:quality_city"] == 2


def test_registry_targets_for_a_league_and_in_the_past(registry):
    rows = progress_by_code(f"/api/v1/targets/?plan={PLAN}&league=150200&page_size=100")
    for target in Target.objects.filter(plan__code=PLAN, measured_by=MeasuredBy.REGISTRY):
        expected = direct_count(target.metric, timezone.localdate(), league="150200")
        assert rows[target.code]["progress"]["value"] == f"{expected}.00", target.metric
    assert rows["BR-01"]["progress"]["value"] == "1.00"

    day = datetime.date(2020, 12, 31)
    rows = progress_by_code(f"/api/v1/targets/?plan={PLAN}&as_of=2020-12-31&page_size=100")
    for target in Target.objects.filter(plan__code=PLAN, measured_by=MeasuredBy.REGISTRY):
        assert rows[target.code]["progress"]["value"] == f"{direct_count(target.metric, day)}.00", target.metric
        assert rows[target.code]["progress"]["measured_on"] == "2020-12-31"
    # Only the brand revoked today was in force then; the others were recognised in 2025.
    assert rows["BR-01"]["progress"]["value"] == "1.00"


def test_a_reported_target_without_measurement_has_no_data(reference_data):
    rows = progress_by_code(f"/api/v1/targets/?plan={PLAN}&page_size=100")
    assert rows["PQ-01"]["measured_by"] == "reported"
    assert rows["PQ-01"]["progress"] == {
        "value": None,
        "has_data": False,
        "goal": "96.00",
        "percent": None,
        "met": None,
        "measured_on": None,
        "source": "",
        "baseline": None,
        "baseline_on": None,
        "trajectory": None,
        "trajectory_display": None,
        "pace": None,
        "pipeline": None,
        "expected_at_deadline": None,
    }


def test_a_reported_target_takes_its_latest_measurement(reference_data):
    target = Target.objects.get(plan__code=PLAN, code="PQ-01")  # at least 96 percent
    MeasurementFactory(target=target, value=Decimal("95.5"), measured_on=datetime.date(2019, 12, 31), source="2019年报")
    MeasurementFactory(target=target, value=Decimal("97"), measured_on=datetime.date(2020, 12, 31), source="2020年报")
    MeasurementFactory(
        target=target,
        value=Decimal("99"),
        measured_on=datetime.date(2021, 6, 30),
        source="呼和浩特市报告",
        region=Region.objects.get(code="150100"),
    )
    url = f"/api/v1/targets/{target.id}/"
    assert api_client().get(url).json() == {
        "id": target.id,
        "plan": PLAN,
        "code": "PQ-01",
        "group": {"code": "product_quality", "name_zh": "产品质量", "name_en": "Product quality"},
        "name_zh": "主要农畜产品质量安全监测合格率",
        "name_en": "Pass rate of quality-safety monitoring of main farm and livestock products",
        "comparator": ">=",
        "comparator_display": "at least",
        "value": "96.00",
        "unit": "percent",
        "deadline": "2020-12-31",
        "measured_by": "reported",
        "measured_by_display": "Reported measurement",
        "metric": "",
        "note": "",
        "progress": {
            "value": "97.00",
            "has_data": True,
            "goal": "96.00",
            "percent": 101.04,
            "met": True,
            "measured_on": "2020-12-31",
            "source": "2020年报",
            # Nothing measured by the start of the plan: the first measurement is the baseline.
            "baseline": "95.50",
            "baseline_on": "2019-12-31",
            "trajectory": "on_track",
            "trajectory_display": "On track",
            "pace": 3.0,  # 1.5 points gained where 0.5 were needed by the deadline
            "pipeline": None,
            "expected_at_deadline": None,
        },
    }
    earlier = api_client().get(f"{url}?as_of=2020-06-30").json()["progress"]
    assert (earlier["value"], earlier["met"], earlier["source"]) == ("95.50", False, "2019年报")
    league = api_client().get(f"{url}?league=150100").json()["progress"]
    assert (league["value"], league["source"]) == ("99.00", "呼和浩特市报告")
    # Not allocated to Hohhot: nothing to judge the league's value against (not the region-wide 96).
    assert (league["goal"], league["percent"], league["met"], league["trajectory"]) == (None, None, None, None)
    rows = progress_by_code(f"/api/v1/targets/?plan={PLAN}&as_of=2019-12-31&page_size=100")
    assert rows["PQ-01"]["progress"]["value"] == "95.50"


def test_the_current_plan_by_default_and_a_group(reference_data):
    payload = api_client().get("/api/v1/targets/?page_size=100").json()
    assert payload["count"] == 42
    assert {row["plan"] for row in payload["results"]} == {PLAN}
    group = api_client().get("/api/v1/targets/?group=product_quality&page_size=100").json()["results"]
    assert group and {row["group"]["code"] for row in group} == {"product_quality"}


@pytest.mark.parametrize("bad", ["2020-13-01", "2020-02-30", "yesterday", "31/12/2020", "2020-12-31T00:00"])
def test_a_bad_as_of_is_refused_with_a_message(reference_data, bad):
    target = Target.objects.get(plan__code=PLAN, code="PQ-01")
    for url in (f"/api/v1/targets/?as_of={bad}", f"/api/v1/targets/{target.id}/?as_of={bad}"):
        response = api_client().get(url)
        assert response.status_code == 400
        assert response.json() == {"as_of": ["as_of must be a real date written YYYY-MM-DD, e.g. 2020-12-31."]}


def test_unknown_plan_league_or_group_is_refused(reference_data):
    cases = {
        "plan=plan-1999": {"plan": ["There is no plan with the code plan-1999."]},
        "league=150102": {"league": ["There is no league or city with the code 150102."]},  # a county
        "group=nope": {"group": ["There is no target group with the code nope."]},
    }
    for query, body in cases.items():
        response = api_client().get(f"/api/v1/targets/?{query}")
        assert (response.status_code, response.json()) == (400, body), query


@pytest.mark.usefixtures("progress_uncached")
def test_progress_queries_do_not_grow_with_the_targets(reference_data):
    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api_client().get(url).status_code == 200
        return len(ctx.captured_queries)

    url = f"/api/v1/targets/?plan={PLAN}"
    league = f"{url}&league=150200"
    before = (queries(f"{url}&page_size=10"), queries(f"{url}&page_size=100"), queries(f"{league}&page_size=100"))
    plan = Target.objects.filter(plan__code=PLAN).first().plan
    for target in TargetFactory.create_batch(30, plan=plan):
        MeasurementFactory(target=target)
    for metric in ("brands_recognised", "certifications_low_carbon_enterprises", "zones_named:quality_city"):
        TargetFactory.create_batch(5, plan=plan, registry=True, metric=metric)
    after = (queries(f"{url}&page_size=10"), queries(f"{url}&page_size=100"), queries(f"{league}&page_size=100"))
    # The plan, its targets, their measurements, one aggregate per register (brands, GI products,
    # trademarks, certifications, zones), one for the certified enterprises, the pipeline; with a
    # league, the league, its regions and its allocations.
    assert before == after == (10, 10, 13)
