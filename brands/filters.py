from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from brands.models import Brand, BrandKind, BrandStatus, NiceClass, Trademark, TrademarkStatus, TrademarkTier
from core.filters import OrderingFilter, RegisterFilterSet
from core.models import Industry


class BrandFilter(RegisterFilterSet):
    search_fields = ("name", "enterprise__name", "description")
    year_field = "recognised_on"

    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=BrandKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=BrandStatus.choices, method="filter_status")
    industry = django_filters.ChoiceFilter(label=_("Industry"), choices=Industry.choices)
    ordering = OrderingFilter(
        fields=(("name", "name"), ("recognised_on", "recognised_on"), ("valid_until", "valid_until")),
        field_labels={"name": _("Name"), "recognised_on": _("Recognised on"), "valid_until": _("Valid until")},
        label=_("Sort by"),
    )

    class Meta:
        model = Brand
        fields = ["q", "league", "county", "kind", "status", "industry", "year"]

    def filter_status(self, qs: QuerySet, _name: str, value: str) -> QuerySet:
        today = timezone.localdate()
        if value == BrandStatus.RECOGNISED:
            return qs.filter(status=value).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        if value == BrandStatus.EXPIRED:
            return qs.filter(Q(status=value) | Q(status=BrandStatus.RECOGNISED, valid_until__lt=today))
        return qs.filter(status=value)


class TrademarkFilter(RegisterFilterSet):
    search_fields = ("mark_text", "registration_number", "enterprise__name", "owner_name")
    year_field = "tier_recognised_on"

    tier = django_filters.ChoiceFilter(label=_("Tier"), choices=TrademarkTier.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=TrademarkStatus.choices)
    nice_class = django_filters.ModelChoiceFilter(
        label=_("Nice class"), field_name="nice_classes", queryset=NiceClass.objects.all()
    )
    ordering = OrderingFilter(
        fields=(
            ("mark_text", "mark_text"),
            ("registration_number", "registration_number"),
            ("tier_recognised_on", "tier_recognised_on"),
        ),
        field_labels={
            "mark_text": _("Mark"),
            "registration_number": _("Registration number"),
            "tier_recognised_on": _("Recognised on"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Trademark
        fields = ["q", "league", "county", "tier", "status", "nice_class", "year"]
