"""The progress engine: where every target of a plan stands on a date, for the region or one league/city.

Registry targets are counted from the registers at any date (decision 0002), reported targets take
their latest measurement on or before the date. For each target the engine gives the value, the goal
(the plan's value, or a league/city's allocation), the baseline at the start of the plan, a trajectory
category comparing the growth so far with the growth needed by now (DESIGN section 6), and the
pipeline of open applications weighted by their historical approval rate.

Counting is batched (``targets.progress_counts``): every (metric, date) pair a call needs is counted
in one aggregate query per register (brands, trademarks, GI products, certifications, zones; a second
one for certifications when distinct enterprises are counted) with conditional aggregation, so the
number of queries does not grow with the number of targets, leagues/cities or years. Reported targets
take one query for all their measurements, allocations one, the pipeline one
(``targets.progress_pipeline``). ``progress_dashboard`` gives the three views of a dashboard from one
grouped scan per register, ``league_dashboard`` those of a league/city's page from the same scan.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Region, RegionLevel
from targets.models import Comparator, MeasuredBy, Plan, RegionalAllocation, Target
from targets.progress_counts import (
    Pair,
    Series,
    area_codes,
    league_of,
    measurement_series,
    registry_counts,
    registry_counts_by_region,
)
from targets.progress_pipeline import pipelines

ON_TRACK_PACE = Decimal("0.95")
LIMITED_PACE = Decimal("0.60")
REGISTRY_SOURCE = "registry"
SCORE_PLACES = Decimal("0.01")  # assessment scores are compared as shown: equal to the cent, equal rank


class Trajectory(models.TextChoices):
    """Growth so far against the growth needed by now to meet the target by its deadline."""

    ON_TRACK = "on_track", _("On track")  # at least 95% of the needed growth (or met)
    NEEDS_ACCELERATION = "needs_acceleration", _("Needs acceleration")  # 60-95%
    LIMITED_PROGRESS = "limited_progress", _("Limited progress")  # under 60%
    REGRESSION = "regression", _("Regression")  # moved away from the target since the baseline


@dataclass(frozen=True)
class TargetStatus:
    """Where one target stands on ``as_of``, for the whole region or for one league/city (``league``)."""

    target: Target
    value: Decimal | None  # registry: counted; reported: latest measurement on or before the date
    goal: Decimal | None  # the plan's value, or the league/city's allocation (None: not allocated)
    baseline: Decimal | None  # the value at the start of the plan (see ``baseline_for``)
    measured_on: datetime.date | None
    source: str  # "registry" or the measurement's source
    percent: float | None  # value / goal * 100, for at-least targets
    met: bool | None
    trajectory: Trajectory | None  # None without data or goal, or for '=' targets
    pace: float | None  # growth so far / growth needed by now
    pipeline: Decimal | None  # expected additions from open applications (registry targets with a programme)
    expected_at_deadline: Decimal | None  # value + pipeline
    baseline_on: datetime.date | None = None
    league: Region | None = None
    as_of: datetime.date | None = None

    @property
    def has_data(self) -> bool:
        return self.value is not None

    @property
    def bar_percent(self) -> int:
        return max(0, min(100, round(self.percent or 0)))

    @property
    def overdue(self) -> bool:
        return self.as_of is not None and self.target.deadline < self.as_of


# ---------------------------------------------------------------------------------------------
# The trajectory category (pure)


def classify(
    *,
    value: Decimal | int | None,
    baseline: Decimal | int | None,
    goal: Decimal | int | None,
    comparator: str,
    start: datetime.date,
    deadline: datetime.date,
    as_of: datetime.date,
) -> tuple[Trajectory | None, float | None]:
    """The trajectory category and the pace behind it.

    growth needed by now = (goal - baseline) x min(max(elapsed / total, 0), 1), with elapsed and total
    counted in days from ``start`` (the start of the plan) to ``as_of`` and to ``deadline``; for an
    at-most target growth is a fall (baseline - value). pace = actual growth / growth needed by now.
    A met target is on track; a value on the wrong side of the baseline is a regression; when nothing
    is needed yet (at the start, or the baseline already meets the goal) the target is on track.
    Otherwise: pace >= 95% on track, 60-95% needs acceleration, under 60% limited progress.
    """
    if value is None or goal is None or comparator not in (Comparator.AT_LEAST, Comparator.AT_MOST):
        return None, None
    value, goal = Decimal(value), Decimal(goal)
    sign = 1 if comparator == Comparator.AT_LEAST else -1
    met = value >= goal if sign > 0 else value <= goal
    if baseline is None:
        return (Trajectory.ON_TRACK, None) if met else (None, None)
    baseline = Decimal(baseline)
    actual = sign * (value - baseline)
    total = (deadline - start).days
    fraction = Decimal(1) if total <= 0 else min(max(Decimal((as_of - start).days) / Decimal(total), Decimal(0)), 1)
    needed = sign * (goal - baseline) * fraction
    pace = actual / needed if needed > 0 else None
    pace_float = None if pace is None else float(pace)
    if met:
        return Trajectory.ON_TRACK, pace_float
    if actual < 0:
        return Trajectory.REGRESSION, pace_float
    if pace is None or pace >= ON_TRACK_PACE:
        return Trajectory.ON_TRACK, pace_float
    if pace >= LIMITED_PACE:
        return Trajectory.NEEDS_ACCELERATION, pace_float
    return Trajectory.LIMITED_PROGRESS, pace_float


def against_goal(value: Decimal | None, goal: Decimal | None, comparator: str) -> tuple[float | None, bool | None]:
    """(percent of the goal for at-least targets, met) of a value against a goal."""
    if value is None or goal is None:
        return None, None
    if comparator == Comparator.AT_LEAST:
        return (float(value) / float(goal) * 100 if goal else None), value >= goal
    if comparator == Comparator.AT_MOST:
        return None, value <= goal
    return None, value == goal


# ---------------------------------------------------------------------------------------------
# Target statuses


def plan_targets(plan: Plan, *, group: str | None = None) -> models.QuerySet[Target]:
    qs = plan.targets.select_related("group", "plan").order_by("group__order", "order", "code")
    return qs.filter(group_id=group) if group else qs


CountOf = Callable[[str, datetime.date], int]  # (metric, day) -> the registry count in the area


def _statuses(
    plan: Plan,
    targets: list[Target],
    *,
    as_of: datetime.date,
    count: CountOf,
    series: dict[int, Series],
    goals: dict[int, Decimal] | None,
    pipe: dict[str, Decimal | None],
    league: Region | None,
) -> list[TargetStatus]:
    start = plan.period_start
    statuses = []
    for target in targets:
        goal = target.value if goals is None else goals.get(target.pk)
        if target.measured_by == MeasuredBy.REGISTRY:
            value = Decimal(count(target.metric, as_of))
            baseline, baseline_on = Decimal(count(target.metric, start)), start
            measured_on, source = as_of, REGISTRY_SOURCE
            pipeline = pipe.get(target.metric)
        else:
            s = series.get(target.pk)
            point, first = (s.at(as_of), s.baseline(start)) if s else (None, None)
            value = point.value if point else None
            measured_on, source = (point.day, point.source) if point else (None, "")
            baseline, baseline_on = (first.value, first.day) if first and point else (None, None)
            pipeline = None
        percent, met = against_goal(value, goal, target.comparator)
        trajectory, pace = classify(
            value=value,
            baseline=baseline,
            goal=goal,
            comparator=target.comparator,
            start=start,
            deadline=target.deadline,
            as_of=as_of,
        )
        statuses.append(
            TargetStatus(
                target=target,
                value=value,
                goal=goal,
                baseline=baseline,
                measured_on=measured_on,
                source=source,
                percent=percent,
                met=met,
                trajectory=trajectory,
                pace=pace,
                pipeline=pipeline,
                expected_at_deadline=None if pipeline is None or value is None else value + pipeline,
                baseline_on=baseline_on,
                league=league,
                as_of=as_of,
            )
        )
    return statuses


def _registry(targets: Iterable[Target]) -> list[Target]:
    return [t for t in targets if t.measured_by == MeasuredBy.REGISTRY]


def _with_pipeline(as_of: datetime.date) -> bool:
    """The pipeline counts the applications open now: it means something for today and later only."""
    return as_of >= timezone.localdate()


def target_statuses(
    plan: Plan, *, as_of: datetime.date, league: Region | None = None, group: str | None = None
) -> list[TargetStatus]:
    """Every target of ``plan`` (of one group if given) on ``as_of``, for the region or one league/city.

    With a league, registry targets count its records (counties included), reported targets take its
    own measurements, and the goal is its allocation (None when the target is not allocated to it).
    The pipeline is given for dates from today on (it counts the applications open now).
    """
    targets = list(plan_targets(plan, group=group))
    registry = _registry(targets)
    codes = area_codes(league) if league is not None and registry else None
    counts = registry_counts({(t.metric, d) for t in registry for d in (as_of, plan.period_start)}, codes=codes)
    goals = None
    if league is not None:
        allocated = RegionalAllocation.objects.filter(target__plan=plan, region=league)
        goals = dict(allocated.values_list("target_id", "value"))
    metrics = {t.metric for t in registry}
    return _statuses(
        plan,
        targets,
        as_of=as_of,
        count=lambda metric, day: counts[(metric, day)],
        series=measurement_series(targets, league),
        goals=goals,
        pipe=pipelines(metrics, codes=codes) if _with_pipeline(as_of) else {},
        league=league,
    )


# ---------------------------------------------------------------------------------------------
# Yearly series


def year_ends(start: datetime.date, until: datetime.date) -> list[datetime.date]:
    """Dec 31 of every year from ``start``'s year to the year before ``until``'s, then ``until`` itself."""
    return [datetime.date(year, 12, 31) for year in range(start.year, until.year)] + [until]


def yearly_series(
    plan: Plan,
    *,
    until: datetime.date,
    league: Region | None = None,
    targets: Iterable[Target] | None = None,
) -> dict[int, list[tuple[datetime.date, Decimal | None]]]:
    """Target id -> (day, value) at every year end from the plan's start year to ``until`` (the last
    point is ``until`` itself), for the region or one league/city. Reported targets take their latest
    measurement on or before each day (None before the first)."""
    targets = list(plan_targets(plan) if targets is None else targets)
    days = year_ends(plan.period_start, until)
    registry = _registry(targets)
    codes = area_codes(league) if league is not None and registry else None
    counts = registry_counts({(t.metric, d) for t in registry for d in days}, codes=codes)
    return _series(targets, days, lambda metric, day: counts[(metric, day)], measurement_series(targets, league))


def _series(
    targets: list[Target], days: list[datetime.date], count: CountOf, series: dict[int, Series]
) -> dict[int, list[tuple[datetime.date, Decimal | None]]]:
    result: dict[int, list[tuple[datetime.date, Decimal | None]]] = {}
    for target in targets:
        if target.measured_by == MeasuredBy.REGISTRY:
            result[target.pk] = [(d, Decimal(count(target.metric, d))) for d in days]
        else:
            s = series.get(target.pk)
            result[target.pk] = [(d, p.value if s and (p := s.at(d)) else None) for d in days]
    return result


# ---------------------------------------------------------------------------------------------
# The league/city table and the annual assessment ranking


@dataclass(frozen=True)
class LeagueCell:
    """One registry target in one league/city."""

    league: Region
    value: Decimal
    allocation: Decimal | None  # None: not allocated to this league/city
    baseline: Decimal
    percent: float | None  # value / allocation * 100 (at-least targets)
    met: bool | None
    trajectory: Trajectory | None
    pace: float | None
    score: Decimal | None  # this target's part of the ranking (see ``assessment_score``)


@dataclass(frozen=True)
class LeagueRow:
    target: Target
    total: Decimal  # the whole region (records outside any league/city included)
    cells: list[LeagueCell]  # in the order of ``LeagueTable.leagues``


@dataclass(frozen=True)
class LeagueRank:
    league: Region
    score: Decimal | None  # mean of the scores of its allocated targets; None when nothing is allocated
    rank: int | None  # 1 = best; ties share a rank (1, 2, 2, 4); None when not scored
    targets_scored: int


@dataclass(frozen=True)
class LeagueTable:
    plan: Plan
    as_of: datetime.date
    leagues: list[Region]
    rows: list[LeagueRow]
    ranking: list[LeagueRank]  # by rank, the unscored last

    def cell(self, target: Target | int, league: Region | str) -> LeagueCell:
        target_id = target if isinstance(target, int) else target.pk
        code = league if isinstance(league, str) else league.code
        row = next(r for r in self.rows if r.target.pk == target_id)
        return next(c for c in row.cells if c.league.code == code)


def assessment_score(value: Decimal, allocation: Decimal | None, comparator: str) -> Decimal | None:
    """A league/city's score on one allocated target, 0-100: min(value / allocation, 1) x 100 for an
    at-least target (100 when the allocation is 0); for an at-most target min(allocation / value, 1) x 100
    (100 when the value is 0). None when not allocated or for '=' targets."""
    if allocation is None or comparator not in (Comparator.AT_LEAST, Comparator.AT_MOST):
        return None
    if comparator == Comparator.AT_LEAST:
        ratio = Decimal(1) if allocation <= 0 else min(value / allocation, Decimal(1))
    else:
        ratio = Decimal(1) if value <= 0 else min(allocation / value, Decimal(1))
    return max(ratio, Decimal(0)) * 100


def _rank(means: dict[str, tuple[Decimal | None, int]], leagues: list[Region]) -> list[LeagueRank]:
    scored = sorted(((score, code) for code, (score, _n) in means.items() if score is not None), key=_best_first)
    by_code = {league.code: league for league in leagues}
    ranking, previous, rank = [], None, 0
    for position, (score, code) in enumerate(scored, start=1):
        if score != previous:
            rank, previous = position, score
        ranking.append(LeagueRank(by_code[code], score, rank, means[code][1]))
    ranking += [LeagueRank(league, None, None, 0) for league in leagues if means[league.code][0] is None]
    return ranking


def _best_first(item: tuple[Decimal, str]) -> tuple[Decimal, str]:
    return -item[0], item[1]


class _ByRegion:
    """Registry counts per region of the record, summed per league/city and for the whole region."""

    def __init__(self, counts: dict[Pair, dict[str | None, int]], regions: Iterable[Region]):
        self.counts = counts
        self.league_of = league_of(regions)
        self._leagues: dict[Pair, dict[str, int]] = {}

    def total(self, metric: str, day: datetime.date) -> int:
        return sum(self.counts.get((metric, day), {}).values())

    def league(self, metric: str, day: datetime.date, code: str) -> int:
        pair = (metric, day)
        if pair not in self._leagues:
            totals: dict[str, int] = defaultdict(int)
            for region_code, n in self.counts.get(pair, {}).items():
                if region_code in self.league_of:
                    totals[self.league_of[region_code]] += n
            self._leagues[pair] = totals
        return self._leagues[pair].get(code, 0)


def _plan_allocations(plan: Plan) -> dict[tuple[int, str], Decimal]:
    rows = RegionalAllocation.objects.filter(target__plan=plan).values_list("target_id", "region_id", "value")
    return {(target_id, region_id): value for target_id, region_id, value in rows}


def _league_table(
    plan: Plan,
    targets: list[Target],
    *,
    as_of: datetime.date,
    leagues: list[Region],
    counts: _ByRegion,
    allocations: dict[tuple[int, str], Decimal],
) -> LeagueTable:
    start = plan.period_start
    rows = []
    league_scores: dict[str, list[Decimal]] = {league.code: [] for league in leagues}
    for target in targets:
        cells = []
        for league in leagues:
            value = Decimal(counts.league(target.metric, as_of, league.code))
            baseline = Decimal(counts.league(target.metric, start, league.code))
            allocation = allocations.get((target.pk, league.code))
            percent, met = against_goal(value, allocation, target.comparator)
            trajectory, pace = classify(
                value=value,
                baseline=baseline,
                goal=allocation,
                comparator=target.comparator,
                start=start,
                deadline=target.deadline,
                as_of=as_of,
            )
            score = assessment_score(value, allocation, target.comparator)
            if score is not None:
                league_scores[league.code].append(score)
            cells.append(LeagueCell(league, value, allocation, baseline, percent, met, trajectory, pace, score))
        rows.append(LeagueRow(target, Decimal(counts.total(target.metric, as_of)), cells))
    means = {
        code: ((sum(s) / len(s)).quantize(SCORE_PLACES) if s else None, len(s)) for code, s in league_scores.items()
    }
    return LeagueTable(plan, as_of, leagues, rows, _rank(means, leagues))


def league_table(plan: Plan, *, as_of: datetime.date, group: str | None = None) -> LeagueTable:
    """Every registry target x every league/city on ``as_of``: value, allocation, % of the allocation,
    baseline and trajectory; and the ranking for the annual assessment (考核).

    Ranking: a league/city's score is the mean, over the targets allocated to it, of
    min(value / allocation, 1) x 100 (at-most targets: min(allocation / value, 1) x 100; see
    ``assessment_score``): overshooting one target does not make up for another. Leagues/cities are
    ranked by score (rounded to 0.01), highest first; equal scores share a rank; those with no allocation
    are unranked. Reported targets are not in the table (their league/city figures are reports, not counts).
    """
    regions = list(Region.objects.all())
    targets = _registry(plan_targets(plan, group=group))
    pairs = {(t.metric, d) for t in targets for d in (as_of, plan.period_start)}
    return _league_table(
        plan,
        targets,
        as_of=as_of,
        leagues=[r for r in regions if r.level == RegionLevel.PREFECTURE],
        counts=_ByRegion(registry_counts_by_region(pairs), regions),
        allocations=_plan_allocations(plan),
    )


# ---------------------------------------------------------------------------------------------
# The whole dashboard from one scan per register


@dataclass(frozen=True)
class ProgressDashboard:
    statuses: list[TargetStatus]  # the whole region (or the league/city), as target_statuses
    table: LeagueTable  # as league_table(plan, as_of=as_of, group=group)
    series: dict[int, list[tuple[datetime.date, Decimal | None]]]  # as yearly_series, for the same area


def _counted_by_region(
    plan: Plan, targets: list[Target], as_of: datetime.date
) -> tuple[_ByRegion, list[Region], list[datetime.date]]:
    """Every date a dashboard needs (each year end, ``as_of``, the plan's start), counted per region in one
    grouped scan per register; the same pairs for every league/city, so they share one cached count.
    Returns the counts, the regions and the days of the yearly series."""
    regions = list(Region.objects.all())
    days = year_ends(plan.period_start, as_of)
    pairs = {(t.metric, d) for t in _registry(targets) for d in {*days, as_of, plan.period_start}}
    return _ByRegion(registry_counts_by_region(pairs), regions), regions, days


def progress_dashboard(plan: Plan, *, as_of: datetime.date, group: str | None = None) -> ProgressDashboard:
    """``target_statuses``, ``league_table`` and ``yearly_series`` for the whole region at once: every date
    the three need is counted per region in one grouped scan per register (instead of three scans), the
    region-wide figures being the sums over regions. Same results as the three calls."""
    targets = list(plan_targets(plan, group=group))
    registry = _registry(targets)
    counts, regions, days = _counted_by_region(plan, targets, as_of)
    series = measurement_series(targets, None)
    pipe = pipelines({t.metric for t in registry}) if _with_pipeline(as_of) else {}
    statuses = _statuses(
        plan, targets, as_of=as_of, count=counts.total, series=series, goals=None, pipe=pipe, league=None
    )
    table = _league_table(
        plan,
        registry,
        as_of=as_of,
        leagues=[r for r in regions if r.level == RegionLevel.PREFECTURE],
        counts=counts,
        allocations=_plan_allocations(plan),
    )
    return ProgressDashboard(statuses, table, _series(targets, days, counts.total, series))


def league_dashboard(plan: Plan, *, as_of: datetime.date, league: Region) -> ProgressDashboard:
    """What a league/city's page shows: ``target_statuses(league=league)``, the whole ``league_table`` (for its
    rank) and ``yearly_series(league=league)``, from the same per-region scan as ``progress_dashboard`` (the
    league's figures being the sums over its own regions). Same results as the three calls."""
    targets = list(plan_targets(plan))
    registry = _registry(targets)
    counts, regions, days = _counted_by_region(plan, targets, as_of)
    allocations = _plan_allocations(plan)
    series = measurement_series(targets, league)

    def count(metric: str, day: datetime.date) -> int:
        return counts.league(metric, day, league.code)

    metrics = {t.metric for t in registry}
    codes = area_codes(league) if registry else None
    pipe = pipelines(metrics, codes=codes) if _with_pipeline(as_of) else {}
    statuses = _statuses(
        plan,
        targets,
        as_of=as_of,
        count=count,
        series=series,
        goals={target_id: value for (target_id, code), value in allocations.items() if code == league.code},
        pipe=pipe,
        league=league,
    )
    table = _league_table(
        plan,
        registry,
        as_of=as_of,
        leagues=[r for r in regions if r.level == RegionLevel.PREFECTURE],
        counts=counts,
        allocations=allocations,
    )
    return ProgressDashboard(statuses, table, _series(targets, days, count, series))
