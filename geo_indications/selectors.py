"""Public reads of the GI register."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from core.models import Enterprise
from geo_indications.models import GIMarkUser, GIMarkUserStatus, GIProduct


def public_gi_products() -> QuerySet[GIProduct]:
    return (
        GIProduct.objects.select_related("region", "region__parent")
        .annotate(authorised_users=Count("mark_users", distinct=True))
        .order_by("name_zh", "id")
    )  # an aggregate drops Meta.ordering; pages need a stable order


def gi_mark_users(gi_product: GIProduct) -> QuerySet[GIMarkUser]:
    return gi_product.mark_users.filter(status=GIMarkUserStatus.AUTHORISED).select_related("enterprise")


def enterprise_gi_mark_uses(enterprise: Enterprise) -> QuerySet[GIMarkUser]:
    """Every GI special-mark authorisation of an enterprise (its public record, any status)."""
    return GIMarkUser.objects.filter(enterprise=enterprise).select_related("gi_product").order_by("gi_product__name_zh")
