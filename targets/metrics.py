"""Named registry metrics: how a registry-measured target is counted, at any date, for any area.

A target row names its metric (``brands_recognised``, ``zones_named:quality_city``, ...), so new
plans reuse these counters without code changes. Each counter is one aggregate query.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet

from brands.models import Brand, Trademark, TrademarkTier
from certifications.models import Certification, CertificationKind, DemonstrationZone, ZoneKind
from core.models import Region
from geo_indications.models import GIProduct


@dataclass(frozen=True)
class Metric:
    name: str
    queryset: Callable[[datetime.date, str | None], QuerySet]
    distinct_field: str | None = None  # count distinct values of this field instead of rows

    def count(self, *, as_of: datetime.date, region: Region | None = None) -> int:
        qs = self.queryset(as_of, None)
        if region is not None:
            qs = qs.in_region(region)
        if self.distinct_field:
            return qs.values(self.distinct_field).distinct().count()
        return qs.count()


def _brands(day: datetime.date, _p: str | None) -> QuerySet:
    return Brand.objects.recognised_as_of(day)


def _gi(day: datetime.date, _p: str | None) -> QuerySet:
    return GIProduct.objects.protected_as_of(day)


def _trademarks(tier: str) -> Callable[[datetime.date, str | None], QuerySet]:
    return lambda day, _p: Trademark.objects.tier_as_of(tier, day)


def _certs(*kinds: str) -> Callable[[datetime.date, str | None], QuerySet]:
    return lambda day, _p: Certification.objects.valid_as_of(day).filter(kind__in=kinds)


def _zones(kind: str) -> Callable[[datetime.date, str | None], QuerySet]:
    return lambda day, _p: DemonstrationZone.objects.named_as_of(day).filter(kind=kind)


METRICS: dict[str, Metric] = {
    m.name: m
    for m in [
        Metric("brands_recognised", _brands),
        Metric("gi_products_protected", _gi),
        Metric("trademarks_well_known", _trademarks(TrademarkTier.WELL_KNOWN)),
        Metric("trademarks_famous", _trademarks(TrademarkTier.FAMOUS)),
        Metric(
            "certifications_organic_green_pollution_free",
            _certs(CertificationKind.ORGANIC, CertificationKind.GREEN_FOOD, CertificationKind.POLLUTION_FREE),
        ),
        Metric("certifications_low_carbon_enterprises", _certs(CertificationKind.LOW_CARBON), "enterprise_id"),
        *[Metric(f"zones_named:{kind}", _zones(kind)) for kind in ZoneKind.values],
    ]
}


def metric_exists(name: str) -> bool:
    return name in METRICS


def get_metric(name: str) -> Metric:
    try:
        return METRICS[name]
    except KeyError:
        raise KeyError(f"Unknown registry metric {name!r}; known: {', '.join(sorted(METRICS))}") from None
