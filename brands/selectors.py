"""Public reads of the brand and trademark registers."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from brands.models import Brand, NiceClass, Trademark


def public_brands() -> QuerySet[Brand]:
    return Brand.objects.select_related("enterprise", "region", "region__parent", "gi_product")


def public_trademarks() -> QuerySet[Trademark]:
    return Trademark.objects.select_related("enterprise", "region", "region__parent", "brand").prefetch_related(
        Prefetch("nice_classes", queryset=NiceClass.objects.order_by("number"))
    )
