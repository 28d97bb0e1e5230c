"""Named registry metrics: how a registry-measured target is counted, at any date, for any area.

A target row names its metric (``brands_recognised``, ``zones_named:quality_city``, ...), so new
plans reuse these counters without code changes.

Each metric is described twice, on purpose:

- ``queryset(day)``: the register's own dated queryset (``Brand.objects.recognised_as_of(day)``, ...),
  the rules of decision 0002 as the registers state them. ``Metric.count()`` counts through it, one
  query per (metric, date, area): simple, and the reference the tests compare with.
- ``condition(day)``: the same rules as one ``Q`` on the metric's ``model``: ``dated(day)`` (in force
  on that day, whatever the kind) and the kind filter (``kind_field`` in ``kinds``), so that
  ``targets.progress_counts`` can count many (metric, date) pairs in one aggregate query per register
  (``COUNT(1) FILTER (WHERE ...)``). Metrics of one register share their ``dated`` rule, so the engine
  counts each day once, grouped by kind. ``tests/test_progress_engine.py`` checks that both
  descriptions agree with a recount by hand.

``span(first, last)`` is a loose prefilter (what may count on some day between the two dates);
``region_field`` is the path to the record's region (a certification's region is its holder's);
``distinct_field`` makes the metric count distinct values (enterprises) instead of rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import Q, QuerySet

from brands.models import Brand, BrandStatus, Trademark, TrademarkStatus, TrademarkTier
from certifications.models import Certification, CertificationKind, DemonstrationZone, ZoneKind
from core.models import Region, region_q
from geo_indications.models import GIProduct


@dataclass(frozen=True)
class Metric:
    name: str
    model: type[models.Model]
    dated: Callable[[datetime.date], Q]  # in force on that day (dates and states), whatever the kind
    queryset: Callable[[datetime.date], QuerySet]  # the register's own dated queryset
    # Records that may be in force on some day between two dates (kind aside): a loose, index-friendly
    # prefilter, a superset of ``dated(day)`` for every day of the span.
    dated_span: Callable[[datetime.date, datetime.date], Q] | None = None
    kind_field: str | None = None
    kinds: tuple[str, ...] = ()
    region_field: str = "region"
    distinct_field: str | None = None  # count distinct values of this field instead of rows

    @property
    def family(self) -> str:
        return self.model._meta.label_lower

    def kind_q(self) -> Q:
        return Q(**{f"{self.kind_field}__in": self.kinds}) if self.kind_field else Q()

    def condition(self, day: datetime.date) -> Q:
        """The records counted on ``day``: in force then, and of the metric's kinds."""
        return self.kind_q() & self.dated(day)

    def span(self, first: datetime.date, last: datetime.date) -> Q | None:
        """A superset of ``condition(day)`` for every day from ``first`` to ``last`` (None: no prefilter)."""
        return None if self.dated_span is None else self.kind_q() & self.dated_span(first, last)

    def count(self, *, as_of: datetime.date, region: Region | None = None) -> int:
        """One query through the register's queryset (the naive, per-metric count)."""
        qs = self.queryset(as_of)
        if region is not None:
            qs = qs.in_region(region)
        if self.distinct_field:
            return qs.values(self.distinct_field).distinct().count()
        return qs.count()

    def count_by_condition(self, *, as_of: datetime.date, region: Region | None = None) -> int:
        """One query through ``condition`` (what the batched engine aggregates)."""
        qs = self.model._default_manager.filter(self.condition(as_of))
        if region is not None:
            qs = qs.filter(region_q(region, self.region_field))
        if self.distinct_field:
            return qs.values(self.distinct_field).distinct().count()
        return qs.count()


# --- the rules of decision 0002 as conditions (mirroring the registers' querysets) ----------------


def brand_recognised(day: datetime.date) -> Q:
    return (
        Q(recognised_on__lte=day)
        & (Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        & (Q(revoked_on__isnull=True) | Q(revoked_on__gt=day))
        & ~Q(status=BrandStatus.CULTIVATING)
        & ~Q(status=BrandStatus.SUSPENDED, suspended_on__lte=day)
    )


def gi_protected(day: datetime.date) -> Q:
    return (
        Q(announced_on__lte=day)
        | Q(announced_on__isnull=True, year__lte=day.year)
        | Q(announced_on__isnull=True, year__isnull=True)
    ) & (Q(revoked_on__isnull=True) | Q(revoked_on__gt=day))


def trademark_tier_held(day: datetime.date) -> Q:
    return (
        (Q(tier_recognised_on__isnull=True) | Q(tier_recognised_on__lte=day))
        & (Q(tier_valid_until__isnull=True) | Q(tier_valid_until__gte=day))
        & ~Q(status=TrademarkStatus.CANCELLED)
    )


def certification_valid(day: datetime.date) -> Q:
    return (
        Q(issued_on__lte=day, expires_on__gte=day)
        & (Q(revoked_on__isnull=True) | Q(revoked_on__gt=day))
        & (Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=day))
        & (Q(suspended_on__isnull=True) | Q(suspended_on__gt=day) | Q(suspended_until__lt=day))
    )


def zone_named(day: datetime.date) -> Q:
    return Q(named_on__lte=day) & (Q(revoked_on__isnull=True) | Q(revoked_on__gt=day))


# --- spans: what may be in force on some day between ``first`` and ``last`` ------------------------


def _brand_span(first: datetime.date, last: datetime.date) -> Q:
    return (
        Q(recognised_on__lte=last)
        & (Q(valid_until__isnull=True) | Q(valid_until__gte=first))
        & (Q(revoked_on__isnull=True) | Q(revoked_on__gt=first))
        & ~Q(status=BrandStatus.CULTIVATING)
    )


def _gi_span(first: datetime.date, last: datetime.date) -> Q:
    return Q(revoked_on__isnull=True) | Q(revoked_on__gt=first)


def _tier_span(first: datetime.date, last: datetime.date) -> Q:
    return (
        (Q(tier_recognised_on__isnull=True) | Q(tier_recognised_on__lte=last))
        & (Q(tier_valid_until__isnull=True) | Q(tier_valid_until__gte=first))
        & ~Q(status=TrademarkStatus.CANCELLED)
    )


def _cert_span(first: datetime.date, last: datetime.date) -> Q:
    return (
        Q(issued_on__lte=last, expires_on__gte=first)
        & (Q(revoked_on__isnull=True) | Q(revoked_on__gt=first))
        & (Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=first))
    )


def _zone_span(first: datetime.date, last: datetime.date) -> Q:
    return Q(named_on__lte=last) & (Q(revoked_on__isnull=True) | Q(revoked_on__gt=first))


# --- the registers' own querysets -----------------------------------------------------------------


def _cert_qs(*kinds: str) -> Callable[[datetime.date], QuerySet]:
    return lambda day: Certification.objects.valid_as_of(day).filter(kind__in=kinds)


def _tier_qs(tier: str) -> Callable[[datetime.date], QuerySet]:
    return lambda day: Trademark.objects.tier_as_of(tier, day)


def _zone_qs(kind: str) -> Callable[[datetime.date], QuerySet]:
    return lambda day: DemonstrationZone.objects.named_as_of(day).filter(kind=kind)


FOOD_KINDS = (CertificationKind.ORGANIC, CertificationKind.GREEN_FOOD, CertificationKind.POLLUTION_FREE)


def _certs(name: str, *kinds: str, distinct_field: str | None = None) -> Metric:
    return Metric(
        name,
        Certification,
        certification_valid,
        _cert_qs(*kinds),
        _cert_span,
        kind_field="kind",
        kinds=tuple(kinds),
        region_field="region",
        distinct_field=distinct_field,
    )


METRICS: dict[str, Metric] = {
    m.name: m
    for m in [
        Metric("brands_recognised", Brand, brand_recognised, Brand.objects.recognised_as_of, _brand_span),
        Metric("gi_products_protected", GIProduct, gi_protected, GIProduct.objects.protected_as_of, _gi_span),
        *[
            Metric(name, Trademark, trademark_tier_held, _tier_qs(tier), _tier_span, kind_field="tier", kinds=(tier,))
            for name, tier in [
                ("trademarks_well_known", TrademarkTier.WELL_KNOWN),
                ("trademarks_famous", TrademarkTier.FAMOUS),
            ]
        ],
        _certs("certifications_organic_green_pollution_free", *FOOD_KINDS),
        _certs("certifications_low_carbon_enterprises", CertificationKind.LOW_CARBON, distinct_field="enterprise_id"),
        *[
            Metric(f"zones_named:{kind}", DemonstrationZone, zone_named, _zone_qs(kind), _zone_span, "kind", (kind,))
            for kind in ZoneKind.values
        ],
    ]
}


def metric_exists(name: str) -> bool:
    return name in METRICS


def get_metric(name: str) -> Metric:
    try:
        return METRICS[name]
    except KeyError:
        raise KeyError(f"Unknown registry metric {name!r}; known: {', '.join(sorted(METRICS))}") from None
