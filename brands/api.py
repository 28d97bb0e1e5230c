"""API of the brand and trademark registers, and the Nice classification they use."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from brands.filters import BrandFilter, TrademarkFilter
from brands.models import Brand, BrandStatus, NiceClass, Trademark
from brands.selectors import public_brands, public_trademarks
from core.api_registers import ENTERPRISE_SUMMARY_RELATED, EnterpriseSummarySerializer, RegionSerializer


class NiceClassSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = NiceClass
        fields = ["number", "kind", "kind_display", "name_zh", "name_en", "heading_en"]
        read_only_fields = fields


class NiceClassViewSet(viewsets.ReadOnlyModelViewSet):
    """The 45 classes of the Nice classification of goods and services."""

    queryset = NiceClass.objects.order_by("number")
    serializer_class = NiceClassSerializer
    filter_backends: list = []


class GIProductRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name_zh = serializers.CharField(read_only=True)


class BrandRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


@extend_schema_field(
    # Its own enum component (BrandEffectiveStatusEnum): with the same choices as ``status``,
    # drf-spectacular would otherwise warn that one choice set has two names. A distinct
    # x-spec-enum-id keeps the two apart (ENUM_NAME_OVERRIDES in settings would be the alternative).
    {"type": "string", "enum": BrandStatus.values, "x-spec-enum-id": "brands.Brand.effective_status"}
)
class BrandEffectiveStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=BrandStatus.choices, read_only=True, **kwargs)


class BrandSerializer(serializers.ModelSerializer):
    enterprise = EnterpriseSummarySerializer(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    industry_display = serializers.CharField(source="get_industry_display", read_only=True)
    region = RegionSerializer(read_only=True)
    gi_product = GIProductRefSerializer(read_only=True, allow_null=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    effective_status = BrandEffectiveStatusField(
        help_text=_("The status as the public sees it: a recognised brand past its valid-until date is expired."),
    )
    effective_status_display = serializers.CharField(source="get_effective_status_display", read_only=True)

    class Meta:
        model = Brand
        fields = [
            "id",
            "name",
            "enterprise",
            "kind",
            "kind_display",
            "industry",
            "industry_display",
            "region",
            "gi_product",
            "description",
            "logo",
            "logo_thumbnail",
            "status",
            "status_display",
            "effective_status",
            "effective_status_display",
            "recognised_on",
            "valid_until",
            "revoked_on",
        ]
        read_only_fields = fields


class BrandViewSet(viewsets.ReadOnlyModelViewSet):
    """Brands under cultivation and recognised Inner Mongolia brands."""

    serializer_class = BrandSerializer
    filterset_class = BrandFilter

    def get_queryset(self):
        return public_brands().select_related(*ENTERPRISE_SUMMARY_RELATED)


class TrademarkSerializer(serializers.ModelSerializer):
    nice_classes = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text=_("Nice class numbers (1-45).")
    )
    enterprise = EnterpriseSummarySerializer(read_only=True, allow_null=True)
    owner = serializers.CharField(
        source="owner_display",
        read_only=True,
        help_text=_("The owner's name: the enterprise in the registry, or as the source publishes it."),
    )
    region = RegionSerializer(read_only=True, allow_null=True)
    brand = BrandRefSerializer(read_only=True, allow_null=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    tier_display = serializers.CharField(source="get_tier_display", read_only=True)

    class Meta:
        model = Trademark
        fields = [
            "id",
            "registration_number",
            "mark_text",
            "mark_image",
            "nice_classes",
            "enterprise",
            "owner",
            "region",
            "brand",
            "registered_on",
            "expires_on",
            "status",
            "status_display",
            "tier",
            "tier_display",
            "tier_recognised_on",
            "tier_valid_until",
            "tier_authority",
            "source",
        ]
        read_only_fields = fields


class TrademarkViewSet(viewsets.ReadOnlyModelViewSet):
    """Registered trademarks and their famous / well-known recognitions (recorded, never promoted)."""

    serializer_class = TrademarkSerializer
    filterset_class = TrademarkFilter

    def get_queryset(self):
        return public_trademarks().select_related(*ENTERPRISE_SUMMARY_RELATED)
