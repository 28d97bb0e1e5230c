"""Reads for progress against targets (the counting itself is in ``targets.progress``)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from core.models import Region
from targets.models import Measurement, Plan, RegionalAllocation, Target
from targets.progress import TargetStatus, plan_targets, target_statuses

# The pages and the API read a target's progress through the engine's status (value, has_data,
# measured_on, source, percent, met, bar_percent, ... and the trajectory).
TargetProgress = TargetStatus


def plan_progress(
    plan: Plan,
    *,
    as_of: datetime.date | None = None,
    region: Region | None = None,
    group: str | None = None,
) -> list[TargetStatus]:
    """Value of every target of ``plan`` on ``as_of`` (today by default): registry targets counted from
    the registers, reported targets from their latest measurement on or before that date (or no data yet).
    With ``region`` (a league/city), its own records and reports, judged against its allocation."""
    return target_statuses(plan, as_of=as_of or timezone.localdate(), league=region, group=group)


def measurements_for(target: Target) -> QuerySet[Measurement]:
    return target.measurements.select_related("region").order_by("-measured_on", "-id")


def allocations_for(plan: Plan, region: Region) -> dict[int, Decimal]:
    """Target id -> the value allocated to one league/city."""
    return dict(RegionalAllocation.objects.filter(target__plan=plan, region=region).values_list("target_id", "value"))


__all__ = ["TargetProgress", "allocations_for", "measurements_for", "plan_progress", "plan_targets"]
