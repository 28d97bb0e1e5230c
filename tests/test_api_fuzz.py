"""A schema-driven fuzz run of the whole API (schemathesis): every operation of the OpenAPI schema the
app serves, with generated parameters and bodies (valid and invalid ones), as an anonymous client, as
a committee member signed in with a session and as programme-office staff with a token. Every
response must be free of server errors and conform to the schema: a documented status code, a
documented content type, a body that validates against the response schema, documented headers.

The app is called in process through its WSGI handler (no server, no network), on the test database
with the reference data and a few records of every kind; what one request changes, the next sees.
``derandomize`` makes every run send the same requests; a failure names the operation and the
request to reproduce it (as curl).

One test per client rather than one per operation: the data set is loaded three times, not 160.
The schema documents the refusals through ``core.api_schema.RegistryAutoSchema``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 10  # per operation and client: 3 x 54 x 10 requests, under two minutes on two cores
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
CSRF_TOKEN = "f" * 32  # a client-chosen token: Django compares the cookie with the header


@pytest.fixture
def wsgi_app(caplog):
    """Django's WSGI handler, kept from closing the test's database connection after each request
    (its request_finished handler would; Django's test client disconnects it the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    caplog.set_level(logging.ERROR, logger="django.request")  # the 4xx warnings; a 500's traceback stays
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def records(reference_data) -> dict[str, list]:
    """A few records of every kind on top of the reference data; the values of each path parameter."""
    from awards.certificates.models import Certificate
    from awards.models import Application, Assignment, Notice, Objection
    from brands.models import Brand, NiceClass, Trademark
    from certifications.models import Certification, DemonstrationZone
    from core.models import Enterprise, Region
    from geo_indications.models import GIProduct
    from targets.models import Plan, Target
    from tests.factories import (
        BrandFactory,
        CertificationFactory,
        DemonstrationZoneFactory,
        GIMarkUserFactory,
        TrademarkFactory,
    )
    from tests.factories_certificates import issued_certificate
    from tests.factories_workflow import build_world

    build_world()
    issued_certificate()
    BrandFactory(recognised=True)
    TrademarkFactory()
    CertificationFactory()
    DemonstrationZoneFactory()
    GIMarkUserFactory(gi_product=GIProduct.objects.first())

    def values(queryset, name: str = "pk", n: int = 4) -> list:
        return list(queryset.order_by(name).values_list(name, flat=True)[:n])

    return {
        "applications": values(Application.objects, n=12),
        "assignments": values(Assignment.objects),
        "award-certificates": values(Certificate.objects, "number"),
        "brands": values(Brand.objects),
        "certifications": values(Certification.objects),
        "enterprises": values(Enterprise.objects),
        "gi-products": values(GIProduct.objects),
        "nice-classes": values(NiceClass.objects, "number"),
        "notices": values(Notice.objects),
        "objections": values(Objection.objects),
        "plans": values(Plan.objects),
        "regions": values(Region.objects, "code"),
        "targets": values(Target.objects),
        "trademarks": values(Trademark.objects),
        "zones": values(DemonstrationZone.objects),
    }


@dataclass
class Run:
    operations: int = 0
    examples: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def valid_enterprise(n: int) -> dict:
    from tests.factories import make_uscc

    return {
        "name": f"内蒙古模糊测试{n}有限公司",
        "uscc": make_uscc("150102", n),
        "region": "150102",
        "industry": "dairy",
    }


# Bodies the model accepts, beside the generated ones (which its rules mostly refuse): the writes succeed too.
VALID_BODIES = {
    "POST /api/v1/enterprises/": st.integers(800_000, 899_999).map(valid_enterprise),
    "PUT /api/v1/enterprises/{id}/": st.integers(900_000, 999_999).map(valid_enterprise),
    "PATCH /api/v1/enterprises/{id}/": st.fixed_dictionaries({"address": st.text(max_size=40)}),
}


def strategy_for(operation, records: dict[str, list]):
    """Three kinds of cases, mixed: anything the schema allows; invalid queries and bodies (negative
    mode); and, for operations on one record, paths that name records that exist (so the detail,
    transition and certificate operations reach real objects), with a valid body where there is one.

    Negative cases keep a valid path: an invalid one (``/zones/1.5/``) is a URL the API does not
    have, which Django answers with its HTML 404 page.
    """
    positive = operation.as_strategy(GenerationMode.POSITIVE)
    names = [p.name for p in operation.path_parameters]
    known = records.get(operation.path.removeprefix("/api/v1/").split("/")[0]) if names else None
    paths = st.sampled_from(known).map(lambda value: {names[0]: value}) if known else st.just(None)
    strategies = [positive]
    if operation.query or operation.body:
        strategies.append(
            paths.flatmap(lambda path: operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=path))
        )
    bodies = VALID_BODIES.get(operation.label)
    if known or bodies is not None:
        body = bodies if bodies is not None else st.just(NOT_SET)
        media_type = None if bodies is None else "application/json"
        strategies.append(
            st.tuples(paths, body).flatmap(
                lambda choice: operation.as_strategy(path_parameters=choice[0], body=choice[1], media_type=media_type)
            )
        )
    return st.one_of(strategies)


def fuzz(app, records: dict[str, list], *, cookies: dict[str, str] | None = None, headers=None) -> Run:
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", app)
    run = Run()
    for result in schema.get_all_operations():
        operation = result.ok()
        run.operations += 1

        @settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy_for(operation, records))
        def check(case) -> None:
            run.examples += 1
            response = case.call(cookies=cookies, headers=headers)
            run.statuses[response.status_code] = run.statuses.get(response.status_code, 0) + 1
            case.validate_response(response, checks=CHECKS)

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # one operation's failure must not hide the next one's
            run.failures.append(f"{operation.label}: {exc}")
    return run


def assert_clean(run: Run) -> None:
    summary = f"{run.operations} operations, {run.examples} examples, statuses {dict(sorted(run.statuses.items()))}"
    print(summary)  # shown with -s
    assert run.operations >= 50 and run.examples >= run.operations * 5, summary  # the run really ran
    assert not run.failures, "\n\n".join(run.failures)


def test_the_schema_is_built_by_the_class_that_documents_the_refusals():
    """Without it the registers document 200 only, and every 400/403/404 below is a violation."""
    from rest_framework.settings import api_settings

    from core.api_schema import RegistryAutoSchema

    assert api_settings.DEFAULT_SCHEMA_CLASS is RegistryAutoSchema, (
        'config/settings.py: REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "core.api_schema.RegistryAutoSchema"'
    )


def test_the_api_fuzzed_as_an_anonymous_client_has_no_server_error_and_conforms_to_its_schema(wsgi_app, records):
    run = fuzz(wsgi_app, records)
    assert_clean(run)


def test_the_api_fuzzed_as_a_committee_member_with_a_session_has_no_server_error_and_conforms(wsgi_app, records):
    from core.models import User

    client = Client()
    client.force_login(User.objects.get(username="committee"))
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF_TOKEN}
    run = fuzz(wsgi_app, records, cookies=cookies, headers={"X-CSRFToken": CSRF_TOKEN})
    assert_clean(run)


def test_the_api_fuzzed_as_programme_office_staff_with_a_token_has_no_server_error_and_conforms(wsgi_app, records):
    """Staff write the registers (enterprises): the write operations get real bodies here."""
    from rest_framework.authtoken.models import Token

    from core.models import User

    token = Token.objects.create(user=User.objects.get(username="staff"))
    run = fuzz(wsgi_app, records, headers={"Authorization": f"Token {token.key}"})
    assert_clean(run)
