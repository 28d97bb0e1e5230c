"""Reads for progress against targets."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from core.models import Region
from targets.metrics import get_metric
from targets.models import Comparator, MeasuredBy, Measurement, Plan, RegionalAllocation, Target


@dataclass(frozen=True)
class TargetProgress:
    target: Target
    value: Decimal | None  # None: no data yet
    measured_on: datetime.date | None
    source: str

    @property
    def has_data(self) -> bool:
        return self.value is not None

    @property
    def percent(self) -> float | None:
        """Share of the target reached (for 'at least' targets; None where it means nothing)."""
        if self.value is None or not self.target.value or self.target.comparator != Comparator.AT_LEAST:
            return None
        return float(self.value) / float(self.target.value) * 100

    @property
    def bar_percent(self) -> int:
        return max(0, min(100, round(self.percent or 0)))

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        target = self.target.value
        if self.target.comparator == Comparator.AT_LEAST:
            return self.value >= target
        if self.target.comparator == Comparator.AT_MOST:
            return self.value <= target
        return self.value == target


def plan_targets(plan: Plan, *, group: str | None = None) -> QuerySet[Target]:
    qs = plan.targets.select_related("group", "plan").order_by("group__order", "order", "code")
    if group:
        qs = qs.filter(group_id=group)
    return qs


def plan_progress(
    plan: Plan,
    *,
    as_of: datetime.date | None = None,
    region: Region | None = None,
    group: str | None = None,
) -> list[TargetProgress]:
    """Value of every target of ``plan`` on ``as_of``: registry targets counted live, reported
    targets from their latest measurement on or before that date (or no data yet)."""
    day = as_of or timezone.localdate()
    latest = Measurement.objects.filter(target=OuterRef("pk"), measured_on__lte=day)
    latest = latest.filter(region=region) if region is not None else latest.filter(region__isnull=True)
    latest = latest.order_by("-measured_on", "-id")
    targets = plan_targets(plan, group=group).annotate(
        latest_value=Subquery(latest.values("value")[:1]),
        latest_on=Subquery(latest.values("measured_on")[:1]),
        latest_source=Subquery(latest.values("source")[:1]),
    )
    rows: list[TargetProgress] = []
    for target in targets:
        if target.measured_by == MeasuredBy.REGISTRY:
            count = get_metric(target.metric).count(as_of=day, region=region)
            rows.append(TargetProgress(target, Decimal(count), day, "registry"))
        else:
            rows.append(TargetProgress(target, target.latest_value, target.latest_on, target.latest_source or ""))
    return rows


def measurements_for(target: Target) -> QuerySet[Measurement]:
    return target.measurements.select_related("region").order_by("-measured_on", "-id")


__all__ = ["TargetProgress", "measurements_for", "plan_progress", "plan_targets"]


def allocations_for(plan: Plan, region: Region) -> dict[int, Decimal]:
    """Target id -> the value allocated to one league/city."""
    return dict(RegionalAllocation.objects.filter(target__plan=plan, region=region).values_list("target_id", "value"))
