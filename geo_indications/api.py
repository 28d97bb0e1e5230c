"""API of the GI register: GI products and the enterprises authorised to use the GI special mark."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_registers import ENTERPRISE_SUMMARY_RELATED, EnterpriseSummarySerializer, RegionSerializer
from core.models import Region
from geo_indications.filters import GIProductFilter
from geo_indications.models import GIMarkUser, GIProduct
from geo_indications.selectors import gi_mark_users, public_gi_products


class GIProductSerializer(serializers.ModelSerializer):
    protection_type_display = serializers.CharField(source="get_protection_type_display", read_only=True)
    region = RegionSerializer(read_only=True)
    protected_area = RegionSerializer(many=True, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    authorised_users = serializers.IntegerField(
        read_only=True, help_text=_("Number of enterprises authorised to use the GI special mark (all statuses).")
    )

    class Meta:
        model = GIProduct
        fields = [
            "id",
            "name_zh",
            "name_en",
            "protection_type",
            "protection_type_display",
            "category",
            "region",
            "protected_area",
            "announcement_number",
            "announced_on",
            "year",
            "specification",
            "status",
            "status_display",
            "revoked_on",
            "authorised_users",
            "source",
        ]
        read_only_fields = fields


class GIMarkUserSerializer(serializers.ModelSerializer):
    enterprise = EnterpriseSummarySerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = GIMarkUser
        fields = ["id", "enterprise", "status", "status_display", "authorised_on"]
        read_only_fields = fields


class GIProductViewSet(viewsets.ReadOnlyModelViewSet):
    """Products protected as geographic indications, with their protected area."""

    serializer_class = GIProductSerializer
    filterset_class = GIProductFilter

    def get_queryset(self):
        # Explicit order: Meta.ordering does not apply to the selector's aggregate (GROUP BY) query.
        return (
            public_gi_products()
            .prefetch_related(
                Prefetch("protected_area", queryset=Region.objects.select_related("parent").order_by("code"))
            )
            .order_by("name_zh", "id")
        )

    @extend_schema(responses=GIMarkUserSerializer(many=True), filters=False)
    @action(detail=True, url_path="mark-users", filterset_class=None, serializer_class=GIMarkUserSerializer)
    def mark_users(self, request: Request, pk: str | None = None) -> Response:
        """Enterprises currently authorised to use the GI special mark for this product."""
        users = gi_mark_users(self.get_object()).select_related(*ENTERPRISE_SUMMARY_RELATED)
        page = self.paginate_queryset(users.order_by("enterprise__name", "id"))
        return self.get_paginated_response(GIMarkUserSerializer(page, many=True).data)
