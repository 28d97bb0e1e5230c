"""The progress engine's query count does not grow with the number of targets, leagues/cities or years
(DESIGN section 9: the dashboard's query count is independent of its size)."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from brands.models import Brand, BrandStatus
from certifications.models import Certification, CertificationKind
from core.models import Enterprise, Region
from targets.metrics import METRICS
from targets.models import RegionalAllocation
from targets.progress import league_dashboard, league_table, progress_dashboard, target_statuses, yearly_series
from tests.factories import make_uscc
from tests.factories_api import MeasurementFactory, PlanFactory, TargetFactory

# These count the engine's own queries: what each cache miss costs (the cache: tests/test_progress_cache.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("progress_uncached")]
D = datetime.date
# Targets on two registers and reported ones: the 3-target plan has one of each, the 30-target plan ten.
# (A plan on every metric costs one query more per register, up to the bound tested at the end.)
CYCLE = ["brands_recognised", "", "certifications_organic_green_pollution_free"]


def registry_in(leagues: list[Region]) -> None:
    """A few brands and certifications in a county of each league/city, recognised and issued over the years."""
    for n, league in enumerate(leagues):
        county = league.children.order_by("code").first()
        enterprise = Enterprise.objects.create(name=f"企业{n}", uscc=make_uscc(county.code, 500 + n), region=county)
        for year in (2016, 2020, 2024):
            Brand.objects.create(
                name=f"品牌{n}-{year}",
                enterprise=enterprise,
                region=county,
                status=BrandStatus.RECOGNISED,
                recognised_on=D(year, 3, 1),
                valid_until=D(year + 3, 2, 28),
            )
            for kind in (CertificationKind.ORGANIC, CertificationKind.LOW_CARBON):
                Certification.objects.create(
                    kind=kind,
                    certificate_number=f"Q-{n}-{year}-{kind}",
                    enterprise=enterprise,
                    product="产品",
                    certifying_body="机构",
                    issued_on=D(year, 5, 1),
                    expires_on=D(year + 3, 4, 30),
                )


def make_plan(size: int, *, start_year: int = 2016, leagues: list[Region] = ()):
    """A plan of ``size`` targets cycling over two registers (brands, certifications) and reported ones."""
    plan = PlanFactory(period_start=D(start_year, 1, 1), period_end=D(2025, 12, 31))
    for n, metric in zip(range(size), itertools.cycle(CYCLE), strict=False):
        if metric:
            target = TargetFactory(plan=plan, registry=True, metric=metric, value=Decimal(10 + n))
        else:
            target = TargetFactory(plan=plan)
            MeasurementFactory(target=target, measured_on=D(2020, 12, 31))
            MeasurementFactory(target=target, measured_on=D(2024, 12, 31))
        for league in leagues:
            RegionalAllocation.objects.create(target=target, region=league, value=Decimal(3))
    return plan


@pytest.fixture
def leagues(regions) -> list[Region]:
    return list(Region.objects.leagues())


@pytest.mark.parametrize("size", [3, 30])
def test_target_statuses_costs_the_same_for_3_and_30_targets(size, leagues, django_assert_num_queries):
    registry_in(leagues)
    plan = make_plan(size, leagues=leagues[:2])
    today = timezone.localdate()
    # Targets, measurements, brands, certifications, the pipeline.
    with django_assert_num_queries(5):
        statuses = target_statuses(plan, as_of=today)
    assert len(statuses) == size and statuses[0].value == 12  # the 2024 brand of each league/city
    # A past date has no pipeline; a league/city adds its regions and its allocations.
    with django_assert_num_queries(6):
        target_statuses(plan, as_of=D(2022, 6, 30), league=leagues[0])


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("with_data", [2, 12])
def test_league_table_costs_the_same_for_any_number_of_targets_and_leagues(
    size, with_data, leagues, django_assert_num_queries
):
    registry_in(leagues[:with_data])
    plan = make_plan(size, leagues=leagues[:with_data])
    # Regions, targets, allocations, brands, certifications.
    with django_assert_num_queries(5):
        table = league_table(plan, as_of=D(2025, 6, 30))
    assert len(table.leagues) == 12
    assert len([rank for rank in table.ranking if rank.rank is not None]) == with_data
    brands = table.rows[0]
    assert [c.value for c in brands.cells] == [1] * with_data + [0] * (12 - with_data)  # recognised in 2024


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("start_year", [2024, 2016])  # 2 and 10 points
def test_yearly_series_costs_the_same_for_any_number_of_targets_and_years(
    size, start_year, leagues, django_assert_num_queries
):
    registry_in(leagues)
    plan = make_plan(size, start_year=start_year)
    # Targets, measurements, brands, certifications.
    with django_assert_num_queries(4):
        series = yearly_series(plan, until=D(2025, 6, 30))
    assert {len(points) for points in series.values()} == {2026 - start_year}
    with django_assert_num_queries(5):  # and the league/city's regions
        yearly_series(plan, until=D(2025, 6, 30), league=leagues[3])


def test_a_plan_on_every_metric_costs_one_query_per_register(leagues, django_assert_num_queries):
    registry_in(leagues)
    plan = PlanFactory(period_start=D(2016, 1, 1))
    for metric in METRICS:
        TargetFactory(plan=plan, registry=True, metric=metric)
    TargetFactory(plan=plan)
    # Targets, measurements, five registers (brands, trademarks, GI products, certifications, zones),
    # certified enterprises, the pipeline.
    with django_assert_num_queries(9):
        target_statuses(plan, as_of=timezone.localdate())
    with django_assert_num_queries(8):
        yearly_series(plan, until=timezone.localdate())
    with django_assert_num_queries(9):  # regions, targets, allocations, five registers, enterprises
        league_table(plan, as_of=timezone.localdate())
    # All three from one grouped scan per register: regions, targets, six counts, measurements,
    # pipeline, allocations.
    with django_assert_num_queries(11):
        progress_dashboard(plan, as_of=timezone.localdate())


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("with_data", [2, 12])
def test_the_whole_dashboard_costs_the_same_and_equals_the_three_calls(
    size, with_data, leagues, django_assert_num_queries
):
    registry_in(leagues[:with_data])
    plan = make_plan(size, leagues=leagues[:with_data])
    today = timezone.localdate()
    with django_assert_num_queries(7):  # regions, targets, 2 counts, measurements, pipeline, allocations
        dashboard = progress_dashboard(plan, as_of=today)
    assert dashboard.statuses == target_statuses(plan, as_of=today)
    assert dashboard.table == league_table(plan, as_of=today)
    assert dashboard.series == yearly_series(plan, until=today)


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("with_data", [2, 12])
def test_a_league_page_costs_the_same_and_equals_the_three_calls(size, with_data, leagues, django_assert_num_queries):
    registry_in(leagues[:with_data])
    plan = make_plan(size, leagues=leagues[:with_data])
    today = timezone.localdate()
    league = leagues[1]
    # Regions, targets, 2 counts, allocations, measurements, the league's area, pipeline.
    with django_assert_num_queries(8):
        dashboard = league_dashboard(plan, as_of=today, league=league)
    assert dashboard.statuses == target_statuses(plan, as_of=today, league=league)
    assert dashboard.table == league_table(plan, as_of=today)
    assert dashboard.series == yearly_series(plan, until=today, league=league)
    for past in (D(2019, 6, 30), D(2024, 12, 31)):
        earlier = league_dashboard(plan, as_of=past, league=league)
        assert earlier.statuses == target_statuses(plan, as_of=past, league=league)
        assert earlier.series == yearly_series(plan, until=past, league=league)
