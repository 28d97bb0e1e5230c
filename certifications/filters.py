from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from certifications.models import (
    Certification,
    CertificationKind,
    CertificationStatus,
    DemonstrationZone,
    ZoneKind,
    ZoneLevel,
    ZoneStage,
)
from core.filters import OrderingFilter, RegisterFilterSet


class CertificationFilter(RegisterFilterSet):
    # The holder's region, as stored on the certification (certifications/holder_region.py): read from the
    # certifications' own index, without joining them to their enterprises.
    region_field = "region"
    search_fields = ("certificate_number", "product", "enterprise__name", "certifying_body")
    year_field = "issued_on"

    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CertificationKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CertificationStatus.choices, method="filter_status")
    ordering = OrderingFilter(
        fields=(("certificate_number", "certificate_number"), ("issued_on", "issued_on"), ("expires_on", "expires_on")),
        field_labels={
            "certificate_number": _("Certificate number"),
            "issued_on": _("Issued on"),
            "expires_on": _("Expires on"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Certification
        fields = ["q", "league", "county", "kind", "status", "year"]

    def filter_status(self, qs: QuerySet, _name: str, value: str) -> QuerySet:
        return qs.with_effective_status(value)


class DemonstrationZoneFilter(RegisterFilterSet):
    search_fields = ("name", "lead_body", "description")
    year_field = "named_on"

    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ZoneKind.choices)
    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=ZoneStage.choices)
    level = django_filters.ChoiceFilter(label=_("Level"), choices=ZoneLevel.choices)
    ordering = OrderingFilter(
        fields=(("name", "name"), ("named_on", "named_on"), ("applied_on", "applied_on")),
        field_labels={"name": _("Name"), "named_on": _("Named on"), "applied_on": _("Applied on")},
        label=_("Sort by"),
    )

    class Meta:
        model = DemonstrationZone
        fields = ["q", "league", "county", "kind", "stage", "level", "year"]
