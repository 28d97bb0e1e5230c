"""The pipeline: open applications by state x the historical approval rate of that state (DESIGN section 6)."""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal

import pytest
from django.utils import timezone

from awards.models import AwardProgramme, Decision
from awards.workflow import State
from core.models import Region, Role
from targets.progress import target_statuses
from targets.progress_counts import area_codes
from targets.progress_pipeline import pipelines, programme_pipelines
from tests.factories import BrandFactory, EnterpriseFactory, UserFactory
from tests.factories_api import PlanFactory, TargetFactory
from tests.factories_workflow import ApplicationFactory, brand_programme, load_workflow_reference

pytestmark = pytest.mark.django_db
S = State
OPEN = [S.SUBMITTED, S.EXPERT_REVIEW, S.COMMITTEE_REVIEW, S.MORE_INFORMATION, S.PUBLIC_NOTICE]


@pytest.fixture
def committee(db):
    return UserFactory(username="committee", role=Role.COMMITTEE)


def application(programme, path: list[State], committee, *, region: str = "150102", submitted: bool = True):
    """An application that went through ``path`` (the states after submission), with its decision history.

    The last state is where it is now. Decisions are recorded for every move but the applicant's own
    (submit, respond, withdraw), as the workflow does."""
    enterprise = EnterpriseFactory(region=Region.objects.get(code=region))
    state = path[-1] if path else (S.SUBMITTED if submitted else S.DRAFT)
    app = ApplicationFactory(
        programme=programme,
        enterprise=enterprise,
        brand=BrandFactory(enterprise=enterprise),
        state=state,
        submitted_at=timezone.now() if submitted else None,
    )
    before = S.SUBMITTED
    for after in path[1:] if path and path[0] == S.SUBMITTED else path:
        by_applicant = after == S.WITHDRAWN or before == S.MORE_INFORMATION
        if not by_applicant:
            Decision.objects.create(
                application=app, action="x", from_state=before, to_state=after, decided_by=committee
            )
        before = after
    return app


GRANTED_PATH = [S.SUBMITTED, S.EXPERT_REVIEW, S.COMMITTEE_REVIEW, S.PUBLIC_NOTICE, S.GRANTED]


@pytest.fixture
def history(db, committee):
    """The brand programme: 10 finished applications (6 granted) and 9 open ones."""
    load_workflow_reference()
    brands = brand_programme()
    assert brands.counts_toward_metric == "brands_recognised"  # from data/award_programmes.csv
    for _ in range(5):
        application(brands, GRANTED_PATH, committee)
    application(brands, [S.SUBMITTED, S.MORE_INFORMATION, *GRANTED_PATH], committee)  # answered, back to submitted
    application(brands, [S.SUBMITTED, S.EXPERT_REVIEW, S.REJECTED], committee)
    application(brands, [S.SUBMITTED, S.EXPERT_REVIEW, S.MORE_INFORMATION, S.EXPERT_REVIEW, S.REJECTED], committee)
    application(brands, [S.SUBMITTED, S.REJECTED], committee)
    application(brands, [S.SUBMITTED, S.WITHDRAWN], committee)
    application(brands, [S.WITHDRAWN], committee, submitted=False)  # withdrawn draft: never in the pipeline
    application(brands, [], committee, submitted=False)  # a draft: not open
    # Open now: 2 submitted, 4 in expert review (one in Baotou), 1 each in the later states.
    for path in [[S.SUBMITTED]] * 2 + [[S.SUBMITTED, S.EXPERT_REVIEW]] * 3:
        application(brands, path, committee)
    application(brands, [S.SUBMITTED, S.EXPERT_REVIEW], committee, region="150202")
    application(brands, [S.SUBMITTED, S.EXPERT_REVIEW, S.COMMITTEE_REVIEW], committee)
    application(brands, [S.SUBMITTED, S.MORE_INFORMATION], committee)
    application(brands, [S.SUBMITTED, S.EXPERT_REVIEW, S.COMMITTEE_REVIEW, S.PUBLIC_NOTICE], committee)
    return brands


def test_approval_rates_come_from_the_decision_history(history):
    (p,) = programme_pipelines()
    assert (p.metric, p.finished, p.granted) == ("brands_recognised", 10, 6)
    assert p.open == {
        "submitted": 2,
        "expert_review": 4,
        "committee_review": 1,
        "more_information": 1,
        "public_notice": 1,
    }
    assert p.rates == {
        "submitted": Decimal("0.6"),  # every finished submitted application: 6 of 10
        "expert_review": Decimal("0.75"),  # 8 were ever in expert review, 6 granted
        "committee_review": Decimal(1),  # the 6 granted ones only
        "public_notice": Decimal(1),
        "more_information": Decimal("0.6"),  # 2 finished (1 granted): too few, the overall rate
    }
    # 2 x 0.6 + 4 x 0.75 + 1 x 1 + 1 x 0.6 + 1 x 1
    assert p.expected == Decimal("6.8")
    assert pipelines(["brands_recognised", "trademarks_famous"]) == {"brands_recognised": Decimal("6.80")}


def test_a_league_counts_its_own_open_applications_with_the_programme_wide_rates(history):
    assert pipelines(["brands_recognised"], codes=area_codes(Region.objects.get(code="150200"))) == {
        "brands_recognised": Decimal("0.75")  # the one in expert review in Baotou
    }
    assert pipelines(["brands_recognised"], codes=area_codes(Region.objects.get(code="150100"))) == {
        "brands_recognised": Decimal("6.05")
    }


def test_with_little_history_every_state_takes_the_overall_rate(db, committee):
    load_workflow_reference()
    programme = AwardProgramme.objects.create(
        code="zones", name_zh="示范区", subject_kind="brand", counts_toward_metric="zones_named:quality_city"
    )
    application(programme, GRANTED_PATH, committee)
    application(programme, [S.SUBMITTED, S.EXPERT_REVIEW, S.REJECTED], committee)
    application(programme, [S.SUBMITTED, S.EXPERT_REVIEW, S.COMMITTEE_REVIEW, S.REJECTED], committee)
    application(programme, [S.SUBMITTED, S.EXPERT_REVIEW], committee)
    application(programme, [S.SUBMITTED], committee)
    (p,) = programme_pipelines()
    assert p.rates == dict.fromkeys([s.value for s in OPEN], Decimal(1) / 3)  # 1 granted of 3
    assert pipelines(["zones_named:quality_city"]) == {"zones_named:quality_city": Decimal("0.67")}


def test_without_history_the_pipeline_is_none(db, committee):
    load_workflow_reference()
    application(brand_programme(), [S.SUBMITTED, S.EXPERT_REVIEW], committee)
    (p,) = programme_pipelines()
    assert (p.open["expert_review"], p.rates, p.expected) == (1, None, None)
    assert pipelines(["brands_recognised"]) == {"brands_recognised": None}
    assert pipelines(["gi_products_protected"]) == {}  # no programme counts toward it


def test_a_programme_naming_an_unknown_metric_is_ignored_with_a_warning(db, committee, caplog):
    load_workflow_reference()
    programme = AwardProgramme.objects.create(
        code="typo", name_zh="拼写错误", subject_kind="brand", counts_toward_metric="brand_recognised"
    )
    application(programme, GRANTED_PATH, committee)
    with caplog.at_level(logging.WARNING, logger="targets.progress_pipeline"):
        assert programme_pipelines() == []
    assert "unknown metric 'brand_recognised'" in caplog.text


def test_target_statuses_carry_the_pipeline_from_today_on(history):
    plan = PlanFactory(period_start=datetime.date(2024, 1, 1))
    brands = TargetFactory(plan=plan, registry=True, value=Decimal(100))
    famous = TargetFactory(plan=plan, registry=True, metric="trademarks_famous", value=Decimal(10))
    BrandFactory(status="recognised", recognised_on=datetime.date(2025, 1, 1), valid_until=datetime.date(2099, 1, 1))
    today = timezone.localdate()
    rows = {s.target: s for s in target_statuses(plan, as_of=today)}
    assert (rows[brands].value, rows[brands].pipeline, rows[brands].expected_at_deadline) == (
        1,
        Decimal("6.80"),
        Decimal("7.80"),
    )
    assert (rows[famous].pipeline, rows[famous].expected_at_deadline) == (None, None)
    past = {s.target: s for s in target_statuses(plan, as_of=today - datetime.timedelta(days=1))}
    assert past[brands].pipeline is None  # the applications open now say nothing about yesterday
    baotou = {s.target: s for s in target_statuses(plan, as_of=today, league=Region.objects.get(code="150200"))}
    assert (baotou[brands].value, baotou[brands].pipeline, baotou[brands].expected_at_deadline) == (
        0,
        Decimal("0.75"),
        Decimal("0.75"),
    )
