from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import OrderingFilter, RegisterFilterSet
from geo_indications.models import GIProduct, GIStatus, ProtectionType


class GIProductFilter(RegisterFilterSet):
    search_fields = ("name_zh", "name_en", "category", "announcement_number")
    year_field = "announced_on"

    protection_type = django_filters.ChoiceFilter(label=_("Protection type"), choices=ProtectionType.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=GIStatus.choices)
    category = django_filters.CharFilter(label=_("Category"), lookup_expr="icontains")
    ordering = OrderingFilter(
        fields=(("name_zh", "name"), ("announced_on", "announced_on"), ("region__code", "region")),
        field_labels={"name_zh": _("Name"), "announced_on": _("Announced on"), "region__code": _("Region")},
        label=_("Sort by"),
    )

    class Meta:
        model = GIProduct
        fields = ["q", "league", "county", "protection_type", "status", "category", "year"]

    def filter_year(self, qs, name, value):
        # Many GI records carry only the year of protection, not the announcement date.
        from django.db.models import Q

        return qs.filter(Q(announced_on__year=int(value)) | Q(announced_on__isnull=True, year=int(value)))
