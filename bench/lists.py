"""List and search benchmark (DESIGN section 9: at 100k brands and 1M certifications on PostgreSQL, a filtered
list page p95 under 150 ms).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench   # filled by bench/generate.py
    .venv/bin/python bench/lists.py [--runs 20] [--warmup 2] [--only certifications] [--explain]

GETs, through Django's test Client, the public list page of every register (enterprises, brands, trademarks,
certifications, demonstration zones, GI products): the first page unfiltered, a later page, each typical
filter (kind, status, tier, league/city, county, year, a sort order), searches in Chinese and Latin (a word
found nowhere, a holder's name, a certificate number, a word found in most records), and the public API list
endpoints with a filter or a search. Each case runs ``--warmup`` times, then ``--runs`` times; p50, p95 and
max are printed in ms with the number of queries of one request and the total the page reports (">1,000": a
search stops counting there, core.pagination). PASS/FAIL is the p95 of every case against the budget
(150 ms): filtered pages and searches, and the unfiltered ones too (a visitor's first click is the
unfiltered list). Nothing is cached: every request counts and reads what it shows.

PostgreSQL settings can be tried without code through libpq, e.g. ``PGOPTIONS="-c jit=off"``. ``--explain``
prints EXPLAIN (ANALYZE, BUFFERS) of every query above 5 ms of the cases that ran. Exits 1 when a budget
fails.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.template import Template  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from bench.common import explain, measure, percentile, print_postgres_run  # noqa: E402
from brands.models import Brand, Trademark  # noqa: E402
from certifications.models import Certification, DemonstrationZone  # noqa: E402
from core.models import Enterprise  # noqa: E402
from geo_indications.models import GIMarkUser, GIProduct  # noqa: E402

BUDGET_MS = 150.0
LEAGUE = "150200"  # 包头市
COUNTY = "150203"  # 包头市昆都仑区

# (name, URL): every case is budgeted. "p1" is the first page unfiltered, "page N" a later one.
CASES: list[tuple[str, str]] = [
    ("enterprises p1", "/enterprises/"),
    ("enterprises page 500", "/enterprises/?page=500"),
    ("enterprises league", f"/enterprises/?league={LEAGUE}"),
    ("enterprises industry", "/enterprises/?industry=dairy"),
    ("enterprises q=乳业", "/enterprises/?q=乳业"),
    ("enterprises q=基准企业01234", "/enterprises/?q=基准企业01234"),
    ("brands p1", "/brands/"),
    ("brands page 1000", "/brands/?page=1000"),
    ("brands status=recognised", "/brands/?status=recognised"),
    ("brands status=expired", "/brands/?status=expired"),
    ("brands kind=regional", "/brands/?kind=regional"),
    ("brands league", f"/brands/?league={LEAGUE}"),
    ("brands county", f"/brands/?county={COUNTY}"),
    ("brands year=2020", "/brands/?year=2020"),
    ("brands league+status, by valid_until", f"/brands/?league={LEAGUE}&status=recognised&ordering=valid_until"),
    ("brands q=乳", "/brands/?q=乳"),
    ("brands q=基准品牌01234", "/brands/?q=基准品牌01234"),
    ("brands q=有限公司 (every owner)", "/brands/?q=有限公司"),
    ("trademarks p1", "/trademarks/"),
    ("trademarks page 500", "/trademarks/?page=500"),
    ("trademarks tier=famous", "/trademarks/?tier=famous"),
    ("trademarks league", f"/trademarks/?league={LEAGUE}"),
    ("trademarks year=2018", "/trademarks/?year=2018"),
    ("trademarks q=羊绒", "/trademarks/?q=羊绒"),
    ("certifications p1", "/certifications/"),
    ("certifications page 1000", "/certifications/?page=1000"),
    ("certifications kind=organic", "/certifications/?kind=organic"),
    ("certifications status=valid", "/certifications/?status=valid"),
    ("certifications status=expired", "/certifications/?status=expired"),
    ("certifications league", f"/certifications/?league={LEAGUE}"),
    ("certifications county", f"/certifications/?county={COUNTY}"),
    ("certifications year=2020", "/certifications/?year=2020"),
    ("certifications kind+league", f"/certifications/?kind=organic&league={LEAGUE}"),
    ("certifications by expires_on", "/certifications/?ordering=expires_on"),
    ("certifications q=有机", "/certifications/?q=有机"),
    ("certifications q=基准企业01234 (holder)", "/certifications/?q=基准企业01234"),
    ("certifications q=BORG000063115 (number)", "/certifications/?q=BORG000063115"),
    ("certifications q=BORG00001 (numbers)", "/certifications/?q=BORG00001"),
    ("certifications q=BORG (8% of records)", "/certifications/?q=BORG"),
    ("certifications q=基准 (every record)", "/certifications/?q=基准"),
    ("certifications q=有限公司 (every holder)", "/certifications/?q=有限公司"),
    ("certifications q=有限公司 page 30", "/certifications/?q=有限公司&page=30"),
    ("zones p1", "/zones/"),
    ("zones page 150", "/zones/?page=150"),
    ("zones kind", "/zones/?kind=quality_city"),
    ("zones stage=named", "/zones/?stage=named"),
    ("zones league", f"/zones/?league={LEAGUE}"),
    ("zones q=示范", "/zones/?q=示范"),
    ("gi-products p1", "/gi-products/"),
    ("gi-products page 30", "/gi-products/?page=30"),
    ("gi-products type", "/gi-products/?protection_type=agricultural_gi"),
    ("gi-products league", f"/gi-products/?league={LEAGUE}"),
    ("gi-products q=羊肉", "/gi-products/?q=羊肉"),
    ("api enterprises league", f"/api/v1/enterprises/?league={LEAGUE}"),
    ("api brands p1", "/api/v1/brands/"),
    ("api brands status=recognised", "/api/v1/brands/?status=recognised"),
    ("api brands q=乳", "/api/v1/brands/?q=乳"),
    ("api trademarks tier=famous", "/api/v1/trademarks/?tier=famous"),
    ("api certifications p1", "/api/v1/certifications/"),
    ("api certifications kind=organic", "/api/v1/certifications/?kind=organic"),
    ("api certifications league", f"/api/v1/certifications/?league={LEAGUE}"),
    ("api certifications q=有机", "/api/v1/certifications/?q=有机"),
    ("api certifications q=有限公司", "/api/v1/certifications/?q=有限公司"),
    ("api zones kind", "/api/v1/zones/?kind=quality_city"),
    ("api gi-products league", f"/api/v1/gi-products/?league={LEAGUE}"),
]


def reported_total(response) -> str:
    """The total the page or the API reports, as shown: "1,000,000", or ">1,000" for "more than 1,000" (a search
    stops counting there, core.pagination)."""
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
        return f">{body['count']:,}" if body.get("count_capped") else f"{body['count']:,}"
    paginator = response.context["paginator"]
    if getattr(paginator, "count_capped", False):
        return f">{paginator.shown_count:,}"
    return f"{paginator.count:,}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--budget", type=float, default=BUDGET_MS, help="ms, for the p95 of every case")
    parser.add_argument("--only", default="", help="run only the cases whose name contains this text")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slow queries of each case")
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        print("bench/lists.py measures PostgreSQL: set DATABASE_URL=postgres://... (see bench/generate.py).")
        return 2
    if not Certification.objects.exists():
        print("No certifications: run bench/generate.py first.")
        return 2
    rendered = Template._render
    setup_test_environment()  # lets the test Client's "testserver" host in, DEBUG off
    instrumented = Template._render
    # The test environment keeps a copy of every template context it renders (thousands of objects per page,
    # not freed in this process), and Python's full collections then pause the timed requests for longer and
    # longer (0.2 s, then 1 s and more after a few hundred pages). The timed requests run without it; only
    # the request that reads the total a page shows (response.context) goes through it, and what earlier
    # cases left behind is frozen out of the collector's scans (gc.freeze) before each case is timed.
    Template._render = rendered
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")

    counts = {
        model.__name__: model.objects.count()
        for model in (Enterprise, Brand, Trademark, Certification, DemonstrationZone, GIProduct, GIMarkUser)
    }
    print_postgres_run(counts)
    print(f"{args.runs} runs after {args.warmup}; budget p95 {args.budget:.0f} ms for every case")
    print(f"\n{'case':42} {'total':>11} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    results = {}
    selected = [(name, url) for name, url in CASES if not args.only or args.only in name]
    for name, url in selected:

        def get(url: str = url) -> object:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        Template._render = instrumented
        try:
            total = reported_total(get())
        finally:
            Template._render = rendered
        gc.collect()
        gc.freeze()
        timings, queries = measure(get, runs=args.runs, warmup=args.warmup)
        results[name] = percentile(timings, 95)
        print(
            f"{name:42} {total:>11} {queries:>7} {percentile(timings, 50):>8.1f} {results[name]:>8.1f} "
            f"{max(timings):>8.1f}",
            flush=True,
        )
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    failed = [name for name, p95 in results.items() if p95 > args.budget]
    for name, p95 in results.items():
        print(f"{'FAIL' if p95 > args.budget else 'PASS'}: {name} p95 {p95:.1f} ms (budget {args.budget:.0f} ms)")
    print(f"{len(results) - len(failed)} of {len(results)} cases within the budget")
    if args.explain:
        for name, url in selected:
            print(f"\n==== {name}: {url}")
            explain(lambda url=url: client.get(url), sql_chars=600)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
