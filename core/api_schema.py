"""The OpenAPI schema's plumbing: the refusal body and the schema class every API view uses.

A module of its own, not ``core.api``: DRF's settings name ``core.api`` (permissions, pagination,
the error handler) and are read while ``rest_framework.views`` is being imported, and
drf-spectacular's ``AutoSchema`` imports ``rest_framework.views``, so the two may not import each other.

Settings: ``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "core.api_schema.RegistryAutoSchema"``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers


class ProblemSerializer(serializers.Serializer):
    """A refusal: a stable ``code`` (``not_found``, ``forbidden``, ``invalid_transition``, ...) and a
    message for people in the request's language."""

    code = serializers.CharField(required=False)
    detail = serializers.CharField()


REFUSALS: dict[str, OpenApiResponse] = {
    "400": OpenApiResponse(OpenApiTypes.OBJECT, description=_("Bad input; each field with its message.")),
    "403": OpenApiResponse(ProblemSerializer, description=_("Not signed in, not allowed, or a wrong token.")),
    "404": OpenApiResponse(ProblemSerializer, description=_("No such object or page, or not yours to see.")),
    "429": OpenApiResponse(ProblemSerializer, description=_("Too many requests from here; try again later.")),
}
PAGINATION_PARAMETERS = {"page", "page_size"}


class RegistryAutoSchema(AutoSchema):
    """drf-spectacular's schema plus the refusals an operation can answer with, by rule:

    - 400 for a body that fails validation (every write) or a query value that is not allowed;
    - 403 wherever credentials are read (a wrong token is refused) or a permission may refuse;
    - 404 for a path that names no object (or none the caller may see) and a page past the end;
    - 429 where a throttle applies.

    A code that an operation documents itself (``extend_schema(responses=...)``) keeps its own text.
    Reads open to anyone also list the empty security requirement: no credentials needed.
    ``tests/test_api_fuzz.py`` holds every operation to what the schema says.
    """

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        parameters = operation.get("parameters", [])
        self._add_lookup_pattern(parameters)
        responses = operation["responses"]
        for code in self._refusal_codes(parameters):
            if code not in responses:
                responses[code] = self._get_response_for_code(REFUSALS[code], code)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _add_lookup_pattern(self, parameters: list[dict[str, Any]]) -> None:
        """The view's ``lookup_value_regex`` as the pattern of its lookup parameter: a value outside it
        matches no URL at all (Django's own 404 page, not the API's), so callers must know it."""
        regex = getattr(self.view, "lookup_value_regex", None)
        in_path = [p for p in parameters if p["in"] == "path"]
        # The router's routes have one path parameter, the lookup (named after the primary key for "pk").
        if regex and len(in_path) == 1 and in_path[0].get("schema", {}).get("type") == "string":
            in_path[0]["schema"].setdefault("pattern", f"^{regex}$")

    def _refusal_codes(self, parameters: list[dict[str, Any]]) -> set[str]:
        codes = set()
        view = self.view
        if self.method not in permissions.SAFE_METHODS or any(
            p["in"] == "query" and p["name"] not in PAGINATION_PARAMETERS for p in parameters
        ):
            codes.add("400")
        if view.get_authenticators() or not all(isinstance(p, permissions.AllowAny) for p in view.get_permissions()):
            codes.add("403")
        if any(p["in"] == "path" for p in parameters) or (self._is_list_view() and self._get_paginator()):
            codes.add("404")
        if view.get_throttles():
            codes.add("429")
        return codes

    def get_auth(self) -> list[dict[str, Any]]:
        auths = super().get_auth()
        checks = self.view.get_permissions()
        if (
            self.method in permissions.SAFE_METHODS
            and checks
            and {} not in auths
            and all(getattr(p, "allows_anonymous_reads", False) for p in checks)
        ):
            auths.append({})
        return auths
