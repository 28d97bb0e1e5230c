"""Every list endpoint makes as many queries for a page of 100 as for a page of 10 (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from brands.reference import load_nice_classes
from tests.factories import (
    BrandFactory,
    CertificationFactory,
    DemonstrationZoneFactory,
    GIMarkUserFactory,
    GIProductFactory,
    TrademarkFactory,
)
from tests.factories_api import PlanFactory, TargetFactory, api_client

pytestmark = pytest.mark.django_db

ROWS = 105


@pytest.fixture
def full_registers(regions):
    """More than 100 rows in every register, with everything the payloads nest filled in."""
    load_nice_classes()
    gi_products = GIProductFactory.create_batch(ROWS)
    for gi in gi_products:
        gi.protected_area.set(["150100", "150102"])
    brands = [BrandFactory(recognised=True, gi_product=gi) for gi in gi_products]
    for brand in brands:
        GIMarkUserFactory(gi_product=gi_products[0], enterprise=brand.enterprise)
        TrademarkFactory(enterprise=brand.enterprise, brand=brand, nice_classes=[29, 30])
        CertificationFactory(enterprise=brand.enterprise)
    DemonstrationZoneFactory.create_batch(ROWS)
    for plan in PlanFactory.create_batch(ROWS):
        TargetFactory.create_batch(2, plan=plan)
    big_plan = PlanFactory(code="plan-big")
    TargetFactory.create_batch(ROWS - 5, plan=big_plan)
    TargetFactory.create_batch(5, plan=big_plan, registry=True)
    return gi_products[0]


def count_queries(url: str) -> tuple[int, int]:
    """(queries, rows on the page) for one anonymous GET."""
    client = api_client()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(ctx.captured_queries), len(response.json()["results"])


@pytest.mark.usefixtures("progress_uncached")  # the targets list would count once, then read the cache
def test_list_queries_do_not_grow_with_the_page_size(full_registers):
    lists = [
        "/api/v1/enterprises/",
        "/api/v1/regions/",
        "/api/v1/nice-classes/",
        "/api/v1/gi-products/",
        f"/api/v1/gi-products/{full_registers.id}/mark-users/",
        "/api/v1/brands/",
        "/api/v1/trademarks/",
        "/api/v1/certifications/",
        "/api/v1/zones/",
        "/api/v1/plans/",
        "/api/v1/targets/?plan=plan-big",
        # Filtered lists take the same path through the FilterSet.
        "/api/v1/brands/?league=150100&status=recognised&ordering=-name&q=草原",
        "/api/v1/certifications/?league=150100&status=valid&q=有机",
    ]
    measured = {}
    for url in lists:
        joiner = "&" if "?" in url else "?"
        small, small_rows = count_queries(f"{url}{joiner}page_size=10")
        large, large_rows = count_queries(f"{url}{joiner}page_size=100")
        measured[url] = (small, large, small_rows, large_rows)
    print("\nqueries at page_size=10 / 100 (rows):")
    for url, (small, large, small_rows, large_rows) in measured.items():
        print(f"  {small:2d} / {large:2d}  ({small_rows}/{large_rows} rows)  {url}")
    assert {url: small for url, (small, *_rest) in measured.items()} == {
        url: large for url, (_small, large, *_rest) in measured.items()
    }
    # The large pages were really large (there are only 45 Nice classes).
    assert {url: rows for url, (*_counts, _small_rows, rows) in measured.items()} == {
        url: 45 if "nice-classes" in url else 100 for url in lists
    }
