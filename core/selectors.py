"""Public reads of the shared kernel."""

from __future__ import annotations

from django.db.models import QuerySet

from core.models import Enterprise, Region, RegionLevel


def public_enterprises() -> QuerySet[Enterprise]:
    """Enterprises with what list and detail pages show (contact details are never public)."""
    return Enterprise.objects.select_related("region", "region__parent")


def leagues() -> QuerySet[Region]:
    return Region.objects.filter(level=RegionLevel.PREFECTURE).order_by("code")
