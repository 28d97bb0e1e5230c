"""API plumbing shared by every app: permissions, pagination, the one error handler."""

from __future__ import annotations

import functools

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from rest_framework import permissions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from core import pagination
from core.errors import DomainError
from core.pagination import RegistryPaginator
from core.search import search_words


class ReadOnlyOrStaff(permissions.BasePermission):
    """Anyone may read the public registers; only programme-office staff may write."""

    allows_anonymous_reads = True  # the schema lists "no credentials" for reads (core.api_schema)

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class RegistryPagination(PageNumberPagination):
    """Pages of up to 100 records. A search (``?q=``) counts its matches up to a cap, as the list pages do
    (core.pagination): ``count_capped`` then says that there are more than ``count`` records, and ``next``
    still leads through all of them."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        searched = bool(search_words(request.query_params.get("q"))) and "q" in getattr(
            getattr(view, "filterset_class", None), "base_filters", {}
        )
        cap = pagination.SEARCH_COUNT_CAP if searched else None
        self.django_paginator_class = functools.partial(RegistryPaginator, count_cap=cap)
        # The primary key last, as on the pages: records that tie on the chosen order keep one order from
        # page to page.
        if isinstance(queryset, QuerySet):
            queryset = pagination.stable_order(queryset)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.shown_count,
                "count_capped": paginator.count_capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["description"] = "The number of records; more than this when count_capped."
        response["properties"] = {
            "count": response["properties"]["count"],
            "count_capped": {
                "type": "boolean",
                "description": (
                    f"True when a search (q) stopped counting at {pagination.SEARCH_COUNT_CAP:,} matches: there "
                    "are more records than count, and next leads through all of them."
                ),
            },
            **{name: value for name, value in response["properties"].items() if name != "count"},
        }
        response["required"] = ["count", "count_capped", "results"]
        return response


def exception_handler(exc, context):
    """Map domain errors and model validation errors to clear 4xx answers."""
    if isinstance(exc, DomainError):
        return Response({"code": exc.code, "detail": exc.message}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    # Imported here: rest_framework.views reads DRF settings, which name this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    return drf_exception_handler(exc, context)


def drf_validation_error(exc: DjangoValidationError):
    """A Django ``ValidationError`` (e.g. from ``Model.full_clean()``) as a DRF one, field by field.

    Each message keeps its rule's ``code`` (``uscc_check_character``, ``region_not_county``, ...), so
    callers that read ``response.data`` can tell the rules apart; the JSON body carries the messages.
    """
    from django.core.exceptions import NON_FIELD_ERRORS
    from rest_framework.exceptions import ErrorDetail
    from rest_framework.exceptions import ValidationError as DRFValidationError
    from rest_framework.settings import api_settings

    def details(errors: list[DjangoValidationError]) -> list[ErrorDetail]:
        return [ErrorDetail(message, code=error.code or "invalid") for error in errors for message in error]

    if hasattr(exc, "error_dict"):
        detail = {
            (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): details(errors)
            for field, errors in exc.error_dict.items()
        }
    else:
        detail = {api_settings.NON_FIELD_ERRORS_KEY: details(exc.error_list)}
    return DRFValidationError(detail)
