"""Paging through the register lists (core.pagination): a search stops counting at a cap and says so on the
page and in the API, every page stays reachable, and pages read by key show the same records in the same
order as a plain slice, with as many queries for a page of 10 as for a page of 100."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from brands.models import Brand
from core import pagination
from core.pagination import RegistryPaginator
from tests.factories import (
    BrandFactory,
    CertificationFactory,
    DemonstrationZoneFactory,
    EnterpriseFactory,
    GIProductFactory,
    TrademarkFactory,
)
from tests.factories_api import api_client
from tests.factories_site import parse, row_links, table_rows

pytestmark = pytest.mark.django_db

LIST_URLS = ["/brands/", "/trademarks/", "/gi-products/", "/certifications/", "/zones/", "/enterprises/"]
# A word every record of the list holds (the factories' default texts).
WORD = {
    "/brands/": "草原",
    "/trademarks/": "测试",
    "/gi-products/": "测试",
    "/certifications/": "有机",
    "/zones/": "测试",
    "/enterprises/": "内蒙古",
}


@pytest.fixture
def client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def cap_of_5(monkeypatch):
    monkeypatch.setattr(pagination, "SEARCH_COUNT_CAP", 5)


@pytest.fixture
def nice_classes(regions):
    from brands.reference import load_nice_classes

    load_nice_classes()


def make_rows(url: str, n: int) -> None:
    """``n`` records of the list at ``url`` (and, for the enterprise list, ``n`` enterprises)."""
    owner = EnterpriseFactory()
    for i in range(n):
        if url == "/brands/":
            # Two names twice: the order falls back on the key, which pages read by key must keep.
            BrandFactory(enterprise=owner if i % 2 else EnterpriseFactory(), name=f"草原{i // 2:03d}")
        elif url == "/trademarks/":
            TrademarkFactory(enterprise=owner, nice_classes=[29, 30 + i % 3])
        elif url == "/gi-products/":
            GIProductFactory()
        elif url == "/certifications/":
            CertificationFactory(enterprise=owner, issued_on=f"2024-05-{1 + i % 3:02d}")
        elif url == "/zones/":
            DemonstrationZoneFactory()
        else:
            EnterpriseFactory()


def all_pages(client, url: str, **params) -> list[str]:
    """The first cell of every row, page after page, following the "next" link."""
    names, page = [], 1
    while True:
        response = client.get(url, {**params, "page": page})
        assert response.status_code == 200
        names += row_links(parse(response))
        if not response.context["page_obj"].has_next():
            return names
        page += 1


# --- a capped search on the page ---------------------------------------------------------------------------


def test_a_search_with_more_matches_than_the_cap_says_more_than_the_cap(client, regions, cap_of_5):
    make_rows("/brands/", 12)

    response = client.get("/brands/", {"q": "草原", "page_size": 10})

    page = parse(response)
    count = page.find("p", class_="results__count").text()
    assert "More than 5 records found" in count and "Showing 1–10." in count
    assert len(table_rows(page)) == 10
    nav = page.find("nav", class_="pagination")
    assert nav.find("a", rel="next") is not None
    assert nav.find_all("span", class_="pagination__gap")  # no last page number: nobody counted it

    last = parse(client.get("/brands/", {"q": "草原", "page_size": 10, "page": 2}))
    assert "Showing 11–12." in last.find("p", class_="results__count").text()
    assert len(table_rows(last)) == 2
    assert last.find("nav", class_="pagination").find("a", rel="next") is None


def test_a_search_under_the_cap_and_a_filter_count_exactly(client, regions, cap_of_5):
    make_rows("/brands/", 12)

    assert "12 records found." in parse(client.get("/brands/", {"kind": "product"})).text()
    assert "2 records found." in parse(client.get("/brands/", {"q": "草原001"})).text()
    assert "12 records found." in parse(client.get("/brands/")).text()


@pytest.mark.parametrize("url", LIST_URLS)
def test_every_page_of_a_capped_search_shows_what_the_uncapped_search_shows(client, nice_classes, monkeypatch, url):
    make_rows(url, 13)
    uncapped = all_pages(client, url, q=WORD[url], page_size=10)
    monkeypatch.setattr(pagination, "SEARCH_COUNT_CAP", 3)

    capped = all_pages(client, url, q=WORD[url], page_size=10)

    assert len(uncapped) >= 13
    assert capped == uncapped


def test_a_page_past_the_end_of_a_capped_search_shows_the_last_page_counted(client, regions, monkeypatch):
    monkeypatch.setattr(pagination, "SEARCH_COUNT_CAP", 25)
    make_rows("/brands/", 40)

    response = client.get("/brands/", {"q": "草原", "page_size": 10, "page": 99})

    assert response.status_code == 200
    assert response.context["page_obj"].number == 3  # the 26 records counted fill 3 pages


def test_a_capped_search_states_the_excel_limit_instead_of_guessing(client, regions, cap_of_5):
    make_rows("/brands/", 12)

    box = parse(client.get("/brands/", {"q": "草原"})).find("div", class_="downloads")

    assert "/brands/export.xlsx" in [a.attrs["href"].split("?")[0] for a in box.find_all("a")]
    assert "holds at most 100,000 records" in box.find("p", class_="downloads__note").text()


# --- a capped search in the API ----------------------------------------------------------------------------


def test_the_api_says_when_a_search_stopped_counting_and_still_leads_through_every_page(regions, cap_of_5):
    make_rows("/brands/", 12)
    client = api_client()

    first = client.get("/api/v1/brands/", {"q": "草原", "page_size": 10}).json()
    second = client.get(first["next"]).json()

    assert (first["count"], first["count_capped"], len(first["results"])) == (5, True, 10)
    assert second["next"] is None and len(second["results"]) == 2
    assert [b["id"] for b in first["results"] + second["results"]] == list(
        Brand.objects.order_by("name", "pk").values_list("id", flat=True)
    )
    assert client.get("/api/v1/brands/", {"q": "草原", "page_size": 10, "page": 3}).status_code == 404


def test_the_api_counts_exactly_without_a_search(regions, cap_of_5):
    make_rows("/brands/", 12)
    client = api_client()

    for params in ({}, {"kind": "product"}, {"q": "草原001"}):
        body = client.get("/api/v1/brands/", params).json()
        assert body["count_capped"] is False
        assert body["count"] == len(body["results"]) == (2 if params.get("q") else 12)


def test_the_api_schema_describes_count_capped(client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()

    envelope = schema["components"]["schemas"]["PaginatedBrandList"]
    assert envelope["required"] == ["count", "count_capped", "results"]
    assert envelope["properties"]["count_capped"]["type"] == "boolean"


# --- pages read by key -------------------------------------------------------------------------------------


# A sort choice of each list, against its default order.
REVERSED = {
    "/brands/": "-name",
    "/trademarks/": "-mark_text",
    "/gi-products/": "-name",
    "/certifications/": "issued_on",
    "/zones/": "-name",
    "/enterprises/": "-name",
}


@pytest.mark.parametrize("url", LIST_URLS)
@pytest.mark.parametrize("sort", ["default", "chosen"])
def test_paging_through_a_list_shows_every_record_once_in_order(client, nice_classes, url, sort):
    make_rows(url, 13)
    params = {"ordering": REVERSED[url]} if sort == "chosen" else {}

    whole = row_links(parse(client.get(url, {**params, "page_size": 100})))

    assert len(whole) >= 13
    assert all_pages(client, url, **params, page_size=10) == whole


def test_a_page_read_by_key_is_the_slice_of_the_list(regions):
    make_rows("/brands/", 9)
    qs = Brand.objects.select_related("enterprise").order_by("name", "pk")
    paginator = RegistryPaginator(qs, 4)

    assert [list(paginator.page(n).object_list) for n in (1, 2, 3)] == [list(qs[0:4]), list(qs[4:8]), list(qs[8:9])]


@pytest.mark.parametrize("url", LIST_URLS)
@pytest.mark.parametrize("page", [1, 2])
def test_a_search_makes_as_many_queries_for_10_rows_as_for_50(client, nice_classes, cap_of_5, url, page):
    make_rows(url, 105)
    counts = {}
    for size in (10, 50):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"q": WORD[url], "page_size": size, "page": page})
        assert len(table_rows(parse(response))) == size
        assert response.context["paginator"].count_capped
        counts[size] = len(queries)
    assert counts[10] == counts[50], counts
