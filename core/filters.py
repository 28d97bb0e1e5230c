"""Filter building blocks shared by the public list pages and the API (one FilterSet per register)."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from core.models import Enterprise, Industry, Region, RegionLevel
from core.search import search_words, word_q
from core.validators import normalize_uscc, validate_uscc


# The filter has no model field of its own, so the OpenAPI schema is stated here.
@extend_schema_field(
    {
        "type": "string",
        "pattern": "^[0-9]{6}$",
        "description": "GB/T 2260 region code; a league/city includes its counties.",
    }
)
class RegionChoiceFilter(django_filters.ModelChoiceFilter):
    """A league/city or county by its code; a league/city includes its counties."""

    def __init__(self, *args, level: str, field: str = "region", **kwargs) -> None:
        self.region_field = field
        kwargs.setdefault("queryset", Region.objects.filter(level=level).order_by("code"))
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: Region | None) -> QuerySet:
        if not value:
            return qs
        return qs.filter(region_filter_q(qs, value, self.region_field))


def region_filter_q(qs: QuerySet, region: Region, field: str) -> Q:
    """``region_q`` for a list: the same records, selected by key so that an index answers.

    The codes of the region and of the regions below it are read first (one short query: as constants,
    PostgreSQL knows how many records they hold and picks its index accordingly, which a subquery hides),
    then ``field`` must be one of them: no join with the region tree. Through a foreign key
    (``enterprise__region``) the related records are selected in a subquery, ``enterprise_id IN (SELECT id
    ... WHERE region_id IN (...))``, which reads the index on ``enterprise_id`` instead of joining every
    record with its enterprise.
    """
    code = region.code
    codes = list(
        Region.objects.filter(Q(code=code) | Q(parent_id=code) | Q(parent__parent_id=code))
        .order_by()
        .values_list("code", flat=True)
    )
    name, _, rest = field.partition("__")
    if not rest:
        return Q(**{f"{field}__in": codes})
    related = qs.model._meta.get_field(name).related_model
    return Q(**{f"{name}__in": related._default_manager.filter(**{f"{rest}__in": codes})})


def text_search(*fields: str):
    """A method for a ``q`` filter: every word must appear in one of ``fields`` (works for Chinese; core.search)."""

    def method(_self, qs: QuerySet, _name: str, value: str) -> QuerySet:
        for word in search_words(value):
            qs = qs.filter(word_q(qs, fields, word))
        return qs

    return method


def year_filter(field: str):
    def method(_self, qs: QuerySet, _name: str, value: int) -> QuerySet:
        return qs.filter(**{f"{field}__year": value})

    return method


class RegisterFilterSet(django_filters.FilterSet):
    """Common filters: free text ``q``, ``league`` (includes its counties), ``county`` and ``year``."""

    region_field = "region"

    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
    league = RegionChoiceFilter(label=_("League / city"), level=RegionLevel.PREFECTURE)
    county = RegionChoiceFilter(label=_("County / banner / district"), level=RegionLevel.COUNTY)
    year = django_filters.NumberFilter(label=_("Year"), method="filter_year", min_value=1949, max_value=2100)

    search_fields: tuple[str, ...] = ()
    year_field = ""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("league", "county"):
            self.filters[name].region_field = self.region_field

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return text_search(*self.search_fields)(self, qs, name, value)

    def filter_year(self, qs: QuerySet, name: str, value: int) -> QuerySet:
        return qs.filter(**{f"{self.year_field}__year": int(value)})


class OrderingFilter(django_filters.OrderingFilter):
    """Sorting choices; the descending label is ours so it is translated (django-filter ships no zh-hans)."""

    descending_fmt = _("%s (descending)")


class USCCField(forms.CharField):
    def clean(self, value: str) -> str:
        value = super().clean(value)
        if value:
            try:
                validate_uscc(value)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages, code=exc.code) from None
            return normalize_uscc(value)
        return value


class USCCFilter(django_filters.CharFilter):
    field_class = USCCField


class EnterpriseFilter(RegisterFilterSet):
    search_fields = ("name", "uscc")
    year_field = "created_at"

    uscc = USCCFilter(label=_("Unified Social Credit Code"), field_name="uscc")
    industry = django_filters.ChoiceFilter(label=_("Industry"), choices=Industry.choices)
    ordering = OrderingFilter(
        fields=(("name", "name"), ("uscc", "uscc"), ("region__code", "region")),
        field_labels={"name": _("Name"), "uscc": _("Credit code"), "region__code": _("Region")},
        label=_("Sort by"),
    )

    class Meta:
        model = Enterprise
        fields = ["q", "league", "county", "industry", "uscc", "year"]
