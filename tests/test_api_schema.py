"""The OpenAPI 3 schema validates without warnings, and its docs page works offline."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse

from tests.factories_api import api_client

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema() -> dict:
    """The schema as JSON (no database needed to generate it)."""
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert target.read_text(encoding="utf-8").startswith("openapi: 3.0.3")


def test_the_schema_endpoint_answers():
    assert reverse("api-schema") == "/api/v1/schema/"
    response = api_client().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert response.json()["openapi"] == "3.0.3"


def test_every_register_is_in_the_schema(schema):
    paths = set(schema["paths"])
    for name in (
        "enterprises",
        "regions",
        "nice-classes",
        "gi-products",
        "brands",
        "trademarks",
        "certifications",
        "zones",
        "plans",
        "targets",
    ):
        assert f"/api/v1/{name}/" in paths
    assert {"get", "post"} <= set(schema["paths"]["/api/v1/enterprises/"])
    assert {"get", "put", "patch"} <= set(schema["paths"]["/api/v1/enterprises/{id}/"])
    assert "delete" not in schema["paths"]["/api/v1/enterprises/{id}/"]


def query_parameters(schema: dict, path: str) -> set[str]:
    return {p["name"] for p in schema["paths"][path]["get"]["parameters"] if p["in"] == "query"}


def test_the_filters_are_documented(schema):
    assert query_parameters(schema, "/api/v1/brands/") == {
        "q",
        "league",
        "county",
        "kind",
        "status",
        "industry",
        "year",
        "ordering",
        "page",
        "page_size",
    }
    assert {"kind", "status", "league", "q", "ordering"} <= query_parameters(schema, "/api/v1/certifications/")
    assert {"stage", "kind", "level"} <= query_parameters(schema, "/api/v1/zones/")
    assert {"tier", "nice_class"} <= query_parameters(schema, "/api/v1/trademarks/")
    assert {"level", "parent"} <= query_parameters(schema, "/api/v1/regions/")
    assert {"plan", "league", "as_of", "group"} <= query_parameters(schema, "/api/v1/targets/")
    assert {"league", "as_of"} <= query_parameters(schema, "/api/v1/targets/{id}/")


def test_the_progress_fields_are_documented(schema):
    components = schema["components"]["schemas"]
    assert components["TargetProgress"]["properties"]["progress"]["allOf"][0]["$ref"] == (
        "#/components/schemas/Progress"
    )
    progress = components["Progress"]["properties"]
    assert set(progress) == {
        *("value", "has_data", "percent", "met", "measured_on", "source"),
        *("goal", "baseline", "baseline_on", "trajectory", "trajectory_display", "pace"),
        *("pipeline", "expected_at_deadline"),
    }
    assert progress["trajectory"]["nullable"] is True
    assert {k: progress["percent"][k] for k in ("type", "format", "nullable", "readOnly")} == {
        "type": "number",
        "format": "double",
        "nullable": True,
        "readOnly": True,
    }
    assert progress["met"]["nullable"] is True


def test_no_private_enterprise_field_is_in_a_response_schema(schema):
    private = {"contact_name", "contact_phone", "contact_email", "credit_grade", "credit_records"}
    for name, component in schema["components"]["schemas"].items():
        if name.endswith("Request"):  # what staff send may carry contact details
            continue
        assert not private & set(component.get("properties", {})), name


def test_the_docs_page_uses_only_local_files():
    response = api_client().get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', html)
    assert urls, html[:500]
    assert not [url for url in urls if re.match(r"(https?:)?//", url)]
    # Swagger UI's start-up script is served by the page itself (``?script``): no inline script (CSP).
    init_script = "/api/v1/docs/?script="
    assert init_script in urls
    assert "<script>" not in html
    for url in urls:
        if url == init_script:
            continue
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), url
    assert not re.search(r"https?://", html)
    script = api_client().get(init_script).content.decode()
    assert not re.search(r"https?://", script)
    assert 'url: "/api/v1/schema/"' in script
