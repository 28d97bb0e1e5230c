"""What the registers and the reports say on given dates, counted in batches (for ``targets.progress``).

Every (metric, day) pair a call needs is counted with conditional aggregation
(``COUNT(1) FILTER (WHERE <in force on that day>)``, grouped by kind where metrics differ by kind
only: each day is then one aggregate for all the zone kinds, trademark tiers or certificate kinds) in
one aggregate query per register, so the number of queries does not grow with the number of targets,
days or leagues/cities. Counts of distinct enterprises go in a query of their own: on PostgreSQL a DISTINCT
aggregate makes the whole query sort its rows and run without parallel workers; measured on a
million certifications, the plain counts then took 5-10 times longer (docs/benchmarks.md).

An area is the whole region (``codes=None``) or a list of region codes (``area_codes``: a
league/city and its counties). Filtering on a literal list of codes, rather than through joins to
the region tree (``region_q``), lets PostgreSQL estimate the rows and hash-join the holders.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import Count, Q, Value

from core.models import Region, RegionLevel
from targets.freshness import registry_cached
from targets.metrics import Metric, get_metric
from targets.models import MeasuredBy, Measurement, Target

Pair = tuple[str, datetime.date]  # (metric name, day)


def area_codes(region: Region) -> list[str]:
    """The codes of ``region`` and of every region below it (what ``core.models.region_q`` matches)."""
    below = Q(pk=region.pk) | Q(parent_id=region.pk) | Q(parent__parent_id=region.pk)
    return list(Region.objects.filter(below).values_list("code", flat=True))


def league_of(regions: Iterable[Region]) -> dict[str, str]:
    """Region code -> the code of its league/city (a county's parent, a league/city itself)."""
    result = {}
    for region in regions:
        if region.level == RegionLevel.PREFECTURE:
            result[region.code] = region.code
        elif region.level == RegionLevel.COUNTY and region.parent_id:
            result[region.code] = region.parent_id
    return result


@dataclass
class _Batch:
    """The pairs counted by one query: one register, rows or distinct values."""

    model: type[models.Model]
    distinct: bool
    items: list[tuple[Metric, datetime.date]]

    @property
    def region_field(self) -> str:
        fields = {metric.region_field for metric, _ in self.items}
        assert len(fields) == 1, f"metrics of {self.model} disagree on the region path: {fields}"
        return fields.pop()

    @property
    def kind_field(self) -> str | None:
        """The field to group by, so that each day is counted once for every kind: the metrics' shared kind
        field, for row counts (distinct values do not add up across kinds)."""
        fields = {metric.kind_field for metric, _ in self.items}
        return fields.pop() if not self.distinct and len(fields) == 1 else None


def _batches(pairs: Iterable[Pair]) -> list[_Batch]:
    batches: dict[tuple[type[models.Model], bool], _Batch] = {}
    for name, day in sorted(set(pairs)):
        metric = get_metric(name)
        key = (metric.model, bool(metric.distinct_field))
        batches.setdefault(key, _Batch(metric.model, key[1], [])).items.append((metric, day))
    return list(batches.values())


def _prefilter(batch: _Batch) -> Q | None:
    """What may count on any of the days: lets the database skip records, or read them from an index,
    before it evaluates every conditional aggregate on each remaining row."""
    days_of: dict[str, list[datetime.date]] = defaultdict(list)
    for metric, day in batch.items:
        days_of[metric.name].append(day)
    spans = [get_metric(name).span(min(days), max(days)) for name, days in days_of.items()]
    if any(span is None for span in spans):
        return None
    prefilter = Q()
    for span in spans:
        prefilter |= span
    return prefilter


def _count_batch(batch: _Batch, *, codes: list[str] | None, by_region: bool) -> dict[Pair, dict[str | None, int]]:
    """(metric, day) -> region code (or None for all when not by region) -> count, in one query.

    With a kind field, each distinct (dated rule, day) is one aggregate, grouped by kind, and a metric's
    count is the sum over its kinds; otherwise each (metric, day) is one aggregate with its condition."""
    qs = batch.model._default_manager.order_by()
    prefilter = _prefilter(batch)
    if prefilter is not None:
        qs = qs.filter(prefilter)
    region_field, kind_field = batch.region_field, batch.kind_field
    if codes is not None:
        qs = qs.filter(**{f"{region_field}__in": codes})
    aggregates, alias_of = {}, {}
    for metric, day in batch.items:
        key = (metric.dated, day) if kind_field else (metric.name, day)
        if key in alias_of:
            continue
        alias_of[key] = alias = f"c{len(alias_of)}"
        if metric.distinct_field:
            aggregates[alias] = Count(metric.distinct_field, distinct=True, filter=metric.condition(day))
        elif kind_field:
            # COUNT(1), not COUNT(id): no column to read, so an index of the dated columns can answer alone.
            aggregates[alias] = Count(Value(1), filter=metric.dated(day))
        else:
            aggregates[alias] = Count(Value(1), filter=metric.condition(day))
    group = [f for f in (region_field if by_region else None, kind_field) if f]
    rows = qs.values(*group).annotate(**aggregates).order_by() if group else [qs.aggregate(**aggregates)]
    counts: dict[Pair, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    for metric, day in batch.items:
        alias = alias_of[(metric.dated, day) if kind_field else (metric.name, day)]
        kinds = set(metric.kinds)
        for row in rows:
            if kind_field and row[kind_field] not in kinds:
                continue
            region = row[region_field] if by_region else None
            counts[(metric.name, day)][region] += row[alias] or 0
    return counts


@registry_cached
def registry_counts(pairs: Iterable[Pair], *, codes: list[str] | None = None) -> dict[Pair, int]:
    """Count every (metric, day) pair in the whole region, or in the regions ``codes``."""
    counts: dict[Pair, int] = dict.fromkeys(pairs, 0)
    for batch in _batches(counts):
        for pair, by_region in _count_batch(batch, codes=codes, by_region=False).items():
            counts[pair] = by_region[None]
    return counts


@registry_cached
def registry_counts_by_region(pairs: Iterable[Pair]) -> dict[Pair, dict[str | None, int]]:
    """Count every (metric, day) pair per region of the record (None: records without a region).

    Rows and distinct enterprises both add up across regions (an enterprise has one region), so the
    count of any area, the whole region included, is a sum of these."""
    counts: dict[Pair, dict[str | None, int]] = defaultdict(dict)
    for batch in _batches(pairs):
        for pair, by_region in _count_batch(batch, codes=None, by_region=True).items():
            counts[pair] = {region: n for region, n in by_region.items() if n}
    return counts


# ---------------------------------------------------------------------------------------------
# Reported measurements


@dataclass(frozen=True)
class Point:
    day: datetime.date
    value: Decimal
    source: str


class Series:
    """A reported target's measurements in one area, by date (the latest entry wins on a tie)."""

    def __init__(self, points: list[Point]):
        self.points = points
        self.days = [p.day for p in points]

    def at(self, day: datetime.date) -> Point | None:
        i = bisect.bisect_right(self.days, day)
        return self.points[i - 1] if i else None

    def baseline(self, start: datetime.date) -> Point | None:
        """The latest measurement on or before ``start``, else the first one."""
        return self.at(start) or (self.points[0] if self.points else None)


def measurement_series(targets: Iterable[Target], league: Region | None) -> dict[int, Series]:
    """Target id -> its measurements for the whole region (``league`` None) or reported by one league/city."""
    ids = [t.pk for t in targets if t.measured_by == MeasuredBy.REPORTED]
    if not ids:
        return {}
    qs = Measurement.objects.filter(target_id__in=ids)
    qs = qs.filter(region=league) if league is not None else qs.filter(region__isnull=True)
    points: dict[int, list[Point]] = defaultdict(list)
    for target_id, value, day, source in qs.order_by("target_id", "measured_on", "id").values_list(
        "target_id", "value", "measured_on", "source"
    ):
        points[target_id].append(Point(day, value, source))
    return {target_id: Series(p) for target_id, p in points.items()}
