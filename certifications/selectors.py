"""Public reads of the certification and demonstration-zone registers."""

from __future__ import annotations

from django.db.models import QuerySet

from certifications.models import Certification, DemonstrationZone


def public_certifications() -> QuerySet[Certification]:
    return Certification.objects.select_related("enterprise", "enterprise__region", "enterprise__region__parent")


def public_zones() -> QuerySet[DemonstrationZone]:
    return DemonstrationZone.objects.select_related("region", "region__parent")
