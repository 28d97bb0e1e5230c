"""The home page: programme introduction, headline progress, register counts, brand search."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from brands.models import Brand
from certifications.models import Certification, CertificationKind
from tests.factories import BrandFactory, CertificationFactory, EnterpriseFactory, TrademarkFactory
from tests.factories_site import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def records(reference_data):
    enterprise = EnterpriseFactory()
    BrandFactory.create_batch(3, enterprise=enterprise, recognised=True)
    BrandFactory(enterprise=enterprise)
    CertificationFactory.create_batch(2, enterprise=enterprise)
    TrademarkFactory(enterprise=enterprise)


def test_home_answers_with_one_h1_and_the_programme_introduction(client, records):
    response = client.get("/")

    assert response.status_code == 200
    page = parse(response)
    assert len(page.find_all("h1")) == 1
    assert "quality-strong region" in page.find("main").text()
    assert page.find("title").text().startswith("Home")


def test_home_shows_the_brand_building_and_certification_targets_with_live_values(client, records):
    today = timezone.localdate()
    page = parse(client.get("/"))

    brands = page.by_id("home-target-BR-01")
    assert brands.find("span", class_="target-card__number").text() == str(
        Brand.objects.recognised_as_of(today).count()
    )
    assert "at least 500 brands" in brands.text()
    bar = brands.find("progress")
    assert bar is not None and bar.attrs.get("aria-label")
    assert "0.6% of target" in brands.text()  # 3 of 500, in text as well as in the bar

    certs = page.by_id("home-target-CA-03")
    valid = Certification.objects.valid_as_of(today).filter(kind=CertificationKind.ORGANIC).count()
    assert certs.find("span", class_="target-card__number").text() == str(valid)
    assert "No data yet" in page.by_id("home-target-CA-01").text()  # a reported target with no measurement
    assert page.by_id("home-target-PQ-01") is None  # other groups live on the progress page
    assert page.find("a", href="/progress/") is not None


def test_home_counts_each_register_with_a_link(client, records):
    page = parse(client.get("/"))

    cards = {a.attrs["href"]: a.text() for a in page.find_all("a", class_="register-card")}
    assert cards["/brands/"] == "4 Brands"
    assert cards["/certifications/"] == "2 Certifications"
    assert cards["/trademarks/"].startswith("8 ")  # 7 well-known samples from the reference data + 1
    assert set(cards) == {"/brands/", "/trademarks/", "/gi-products/", "/certifications/", "/zones/", "/enterprises/"}


def test_home_search_box_searches_the_brand_list(client, records):
    form = parse(client.get("/")).find("form", role="search")

    assert form.attrs["action"] == "/brands/" and form.attrs["method"] == "get"
    assert form.find("input", name="q").attrs["type"] == "search"
    assert form.find("label").attrs["for"] == form.find("input", name="q").attrs["id"]


def test_home_works_before_any_plan_is_loaded(client, regions):
    response = client.get("/")

    assert response.status_code == 200
    page = parse(response)
    assert len(page.find_all("h1")) == 1
    assert page.by_id("progress-heading") is None


def test_home_query_count_does_not_grow_with_the_registers(client, records):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get("/")
        return len(queries)

    before = count()
    enterprise = EnterpriseFactory()
    BrandFactory.create_batch(20, enterprise=enterprise, recognised=True)
    CertificationFactory.create_batch(20, enterprise=enterprise)
    assert count() == before


def test_navigation_marks_the_current_section(client, records):
    home = parse(client.get("/")).find("nav", class_="site-nav")
    brands = parse(client.get("/brands/")).find("nav", class_="site-nav")

    assert home.find("a", aria_current="page").attrs["href"] == "/"
    assert brands.find("a", aria_current="page").attrs["href"] == "/brands/"
    assert brands.find("a", href="/api/v1/docs/") is not None


def test_every_page_has_a_skip_link_to_main(client, records):
    page = parse(client.get("/"))

    skip = page.find("a", class_="skip-link")
    assert skip.attrs["href"] == "#main"
    assert page.by_id("main").tag == "main"
