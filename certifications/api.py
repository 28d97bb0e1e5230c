"""API of the certification and demonstration-zone registers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, viewsets

from certifications.filters import CertificationFilter, DemonstrationZoneFilter
from certifications.models import Certification, CertificationStatus, DemonstrationZone
from certifications.selectors import public_certifications, public_zones
from core.api_registers import EnterpriseSummarySerializer, RegionSerializer


class CertificationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    enterprise = EnterpriseSummarySerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    effective_status = serializers.ChoiceField(
        choices=CertificationStatus.choices,
        read_only=True,
        help_text=_("The status as the public sees it: a valid certificate past its expiry date is expired."),
    )
    effective_status_display = serializers.CharField(source="get_effective_status_display", read_only=True)

    class Meta:
        model = Certification
        fields = [
            "id",
            "kind",
            "kind_display",
            "certificate_number",
            "enterprise",
            "product",
            "certifying_body",
            "issued_on",
            "expires_on",
            "status",
            "status_display",
            "effective_status",
            "effective_status_display",
            "suspended_on",
            "suspended_until",
            "revoked_on",
            "revocation_reason",
            "cancelled_on",
        ]
        read_only_fields = fields


class CertificationViewSet(viewsets.ReadOnlyModelViewSet):
    """Product and management-system certificates held by enterprises (region: the holder's)."""

    serializer_class = CertificationSerializer
    filterset_class = CertificationFilter

    def get_queryset(self):
        # The selector already follows enterprise -> region -> parent, all the nested holder needs.
        return public_certifications()


class DemonstrationZoneSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    region = RegionSerializer(read_only=True)
    stage_display = serializers.CharField(source="get_stage_display", read_only=True)

    class Meta:
        model = DemonstrationZone
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "level",
            "level_display",
            "region",
            "lead_body",
            "stage",
            "stage_display",
            "applied_on",
            "approved_on",
            "named_on",
            "revoked_on",
            "description",
        ]
        read_only_fields = fields


class DemonstrationZoneViewSet(viewsets.ReadOnlyModelViewSet):
    """Demonstration zones and pilots, from application to naming (or revocation)."""

    serializer_class = DemonstrationZoneSerializer
    filterset_class = DemonstrationZoneFilter

    def get_queryset(self):
        return public_zones()
