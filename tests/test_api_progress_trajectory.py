"""/api/v1/targets/: the trajectory, pace, baseline, goal and pipeline of every target; a league/city is
judged against its allocation, not the region-wide target."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from awards.models import AwardProgramme
from awards.workflow import State
from core.models import Region
from targets.models import RegionalAllocation, Target
from tests.factories import BrandFactory, EnterpriseFactory
from tests.factories_api import MeasurementFactory, api_client
from tests.factories_workflow import ApplicationFactory

pytestmark = pytest.mark.django_db
PLAN = "plan-2015"
D = datetime.date


def progress(url: str) -> dict[str, dict]:
    response = api_client().get(url)
    assert response.status_code == 200, response.content
    return {row["code"]: row["progress"] for row in response.json()["results"]}


@pytest.fixture
def brands(reference_data):
    """Brands recognised before the plan (2 in Baotou), during it (3 in Baotou, 1 in Hohhot) and revoked ones."""
    baotou = EnterpriseFactory(region=Region.objects.get(code="150202"))
    hohhot = EnterpriseFactory(region=Region.objects.get(code="150102"))

    def brand(enterprise, recognised_on, **kwargs):
        BrandFactory(
            enterprise=enterprise,
            status=kwargs.pop("status", "recognised"),
            recognised_on=recognised_on,
            valid_until=D(2099, 1, 1),
            **kwargs,
        )

    for _ in range(2):
        brand(baotou, D(2014, 6, 1))
    for _ in range(3):
        brand(baotou, D(2018, 6, 1))
    brand(hohhot, D(2019, 6, 1))
    brand(hohhot, D(2014, 6, 1), status="revoked", revoked_on=D(2016, 1, 1))
    return Target.objects.get(plan__code=PLAN, code="BR-01")  # at least 500 brands by 2020-12-31


def test_a_league_is_judged_against_its_allocation(brands):
    RegionalAllocation.objects.create(target=brands, region=Region.objects.get(code="150200"), value=Decimal(6))
    region = progress(f"/api/v1/targets/?plan={PLAN}&as_of=2020-12-31&page_size=100")["BR-01"]
    baotou = progress(f"/api/v1/targets/?plan={PLAN}&as_of=2020-12-31&league=150200&page_size=100")["BR-01"]
    hohhot = progress(f"/api/v1/targets/?plan={PLAN}&as_of=2020-12-31&league=150100&page_size=100")["BR-01"]
    # The region: 3 at the start (one revoked since), 6 of the 500 by the deadline.
    assert {k: region[k] for k in ("value", "goal", "percent", "met", "baseline", "trajectory", "pace")} == {
        "value": "6.00",
        "goal": "500.00",
        "percent": 1.2,
        "met": False,
        "baseline": "3.00",
        "trajectory": "limited_progress",
        "pace": round(3 / 497, 4),
    }
    # Baotou: 5 of its 6 (the bug was to compare its 5 with the region's 500).
    assert baotou == {
        "value": "5.00",
        "has_data": True,
        "goal": "6.00",
        "percent": 83.33,
        "met": False,
        "measured_on": "2020-12-31",
        "source": "registry",
        "baseline": "2.00",
        "baseline_on": "2015-01-01",
        "trajectory": "needs_acceleration",
        "trajectory_display": "Needs acceleration",
        "pace": 0.75,  # +3 where +4 were needed by the deadline
        "pipeline": None,  # a past date
        "expected_at_deadline": None,
    }
    # Hohhot has no allocation: nothing to judge against.
    assert (hohhot["value"], hohhot["goal"], hohhot["percent"], hohhot["met"], hohhot["trajectory"]) == (
        "1.00",
        None,
        None,
        None,
        None,
    )
    one = api_client().get(f"/api/v1/targets/{brands.id}/?as_of=2020-12-31&league=150200").json()["progress"]
    assert one == baotou


def test_a_reported_target_in_a_league_uses_its_own_reports_and_allocation(reference_data):
    target = Target.objects.get(plan__code=PLAN, code="PQ-01")  # at least 96 percent
    hohhot = Region.objects.get(code="150100")
    RegionalAllocation.objects.create(target=target, region=hohhot, value=Decimal(95))
    MeasurementFactory(target=target, value=Decimal(90), measured_on=D(2014, 12, 31), region=hohhot)
    MeasurementFactory(target=target, value=Decimal(89), measured_on=D(2018, 12, 31), region=hohhot)
    MeasurementFactory(target=target, value=Decimal(99), measured_on=D(2018, 12, 31))  # the region's
    row = progress(f"/api/v1/targets/?plan={PLAN}&as_of=2019-06-30&league=150100&page_size=100")["PQ-01"]
    assert {k: row[k] for k in ("value", "goal", "met", "baseline", "baseline_on", "trajectory")} == {
        "value": "89.00",
        "goal": "95.00",
        "met": False,
        "baseline": "90.00",
        "baseline_on": "2014-12-31",
        "trajectory": "regression",
    }


def test_the_pipeline_of_open_brand_applications(brands):
    # Fewer than five finished applications: every open state takes the overall rate.
    programme = AwardProgramme.objects.get(code="brand-recognition")
    for state in [State.GRANTED, State.GRANTED, State.REJECTED, State.WITHDRAWN]:
        ApplicationFactory(programme=programme, state=state, submitted_at=timezone.now())
    for state in [State.SUBMITTED, State.EXPERT_REVIEW, State.PUBLIC_NOTICE]:
        ApplicationFactory(programme=programme, state=state, submitted_at=timezone.now())
    row = progress(f"/api/v1/targets/?plan={PLAN}&page_size=100")["BR-01"]
    # 3 open applications x 2 granted of 4 finished.
    assert (row["value"], row["pipeline"], row["expected_at_deadline"]) == ("6.00", "1.50", "7.50")
    other = progress(f"/api/v1/targets/?plan={PLAN}&page_size=100")["BR-04"]
    assert (other["pipeline"], other["expected_at_deadline"]) == (None, None)
