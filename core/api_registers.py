"""API of the shared kernel: regions and enterprises, plus the nested representations every app uses.

Public serializers show public fields only: an enterprise's contact details, credit grade and
credit records never leave through the API. Staff write enterprises through a separate input
serializer whose validation is the model's own (field validators and ``full_clean``).
"""

from __future__ import annotations

import copy

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import drf_validation_error
from core.filters import EnterpriseFilter
from core.models import Enterprise, Region, RegionLevel
from core.selectors import public_enterprises
from core.services import ENTERPRISE_EDITABLE_FIELDS, enterprise_create, enterprise_update

# ---------------------------------------------------------------------------------------------
# Nested representations shared by every register


class RegionSerializer(serializers.ModelSerializer):
    """A region as every payload shows it: code, names, level and the league/city it belongs to."""

    league = serializers.CharField(
        source="league.code",
        read_only=True,
        allow_null=True,
        help_text=_("Code of the league/city the region belongs to (itself for a league/city; null for the province)."),
    )

    class Meta:
        model = Region
        fields = ["code", "name_zh", "name_en", "level", "league"]
        read_only_fields = fields


class EnterpriseSummarySerializer(serializers.ModelSerializer):
    """An enterprise nested in another record (holder, owner, authorised user)."""

    region = RegionSerializer(read_only=True)

    class Meta:
        model = Enterprise
        fields = ["id", "name", "uscc", "region"]
        read_only_fields = fields


# Querysets that nest an enterprise add this to their select_related.
ENTERPRISE_SUMMARY_RELATED = ("enterprise__region", "enterprise__region__parent")


# ---------------------------------------------------------------------------------------------
# Regions


class RegionFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(label=_("Level"), choices=RegionLevel.choices)
    parent = django_filters.ModelChoiceFilter(
        label=_("Parent region"), queryset=Region.objects.all(), to_field_name="code"
    )

    class Meta:
        model = Region
        fields = ["level", "parent"]


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """The GB/T 2260 regions of Inner Mongolia (province, leagues/cities, counties)."""

    queryset = Region.objects.select_related("parent").order_by("code")
    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    lookup_value_regex = "[0-9]{6}"


# ---------------------------------------------------------------------------------------------
# Enterprises


class EnterpriseSerializer(serializers.ModelSerializer):
    """An enterprise's public profile."""

    region = RegionSerializer(read_only=True)
    industry_display = serializers.CharField(source="get_industry_display", read_only=True)
    # allow_blank: the schema then says "a URI or empty"; most enterprises have none (found by the API fuzz run).
    website = serializers.URLField(read_only=True, allow_blank=True, label=_("website"))

    class Meta:
        model = Enterprise
        fields = ["id", "name", "uscc", "region", "industry", "industry_display", "address", "website"]
        read_only_fields = fields


class EnterpriseInputSerializer(serializers.ModelSerializer):
    """What staff send to create or change an enterprise. The rules are the model's: its field
    validators and ``Enterprise.full_clean()`` (USCC check character, county-level region, ...)."""

    # Declared plainly so the model decides: its validators name the rule that failed
    # (uscc_length, uscc_excluded_letter, uscc_check_character) and uniqueness is checked
    # on the normalised code.
    uscc = serializers.CharField(
        help_text=_("Unified Social Credit Code (18 characters, GB 32100-2015; checked, then stored upper-case).")
    )
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), help_text=_("Code of a county-level region (county, banner, district).")
    )

    class Meta:
        model = Enterprise
        fields = list(ENTERPRISE_EDITABLE_FIELDS)

    def validate(self, attrs: dict) -> dict:
        enterprise = copy.copy(self.instance) if self.instance is not None else Enterprise()
        for field, value in attrs.items():
            setattr(enterprise, field, value)
        try:
            enterprise.full_clean()
        except DjangoValidationError as exc:
            raise drf_validation_error(exc) from None
        if "uscc" in attrs:
            attrs["uscc"] = enterprise.uscc  # normalised by Enterprise.clean()
        return attrs


def _request_id(request: Request) -> str:
    return request.headers.get("X-Request-ID", "")[:64]


@extend_schema_view(
    create=extend_schema(request=EnterpriseInputSerializer, responses={201: EnterpriseSerializer}),
    update=extend_schema(request=EnterpriseInputSerializer, responses={200: EnterpriseSerializer}),
    partial_update=extend_schema(request=EnterpriseInputSerializer, responses={200: EnterpriseSerializer}),
)
class EnterpriseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Enterprises: anyone reads the public profile; programme-office staff create and change them.
    There is no delete: an enterprise stays in the registry with its history."""

    queryset = public_enterprises()
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilter

    def get_serializer_class(self):
        if self.action in {"create", "update", "partial_update"}:
            return EnterpriseInputSerializer
        return EnterpriseSerializer

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = EnterpriseInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        enterprise = enterprise_create(actor=request.user, request_id=_request_id(request), **serializer.validated_data)
        return Response(
            EnterpriseSerializer(enterprise, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    def update(self, request: Request, *args, **kwargs) -> Response:
        enterprise = self.get_object()
        serializer = EnterpriseInputSerializer(
            enterprise,
            data=request.data,
            partial=kwargs.get("partial", False),
            context=self.get_serializer_context(),
        )
        serializer.is_valid(raise_exception=True)
        enterprise = enterprise_update(
            enterprise=enterprise,
            actor=request.user,
            changes=serializer.validated_data,
            request_id=_request_id(request),
        )
        return Response(EnterpriseSerializer(enterprise, context=self.get_serializer_context()).data)
