"""Dashboard benchmark (DESIGN section 9: the full dashboard under 300 ms at 100k brands and 1M certifications).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench   # filled by bench/generate.py
    .venv/bin/python bench/dashboard.py [--runs 20] [--warmup 2] [--league 150200] [--explain]

Times, against the current plan on today's date, first the engine (for information): ``target_statuses``
(the region and one league/city), ``league_table``, ``yearly_series``, the three one after the other,
``progress_dashboard`` (the same three from one grouped scan per register) and ``league_dashboard`` (a
league/city's page, from the same scan); then every progress page a reader opens, through Django's test
Client: the dashboard (/progress/), the league/city table (/progress/leagues/), a league/city's page and a
target's page, each counted afresh (what the first reader after a change of the registers waits for) and
with the registers unchanged since the last count (targets.freshness). Each case runs ``--warmup`` times,
then ``--runs`` times; p50, p95 and max are printed in ms with the number of queries. PASS/FAIL is the p95
of every page, counted afresh and cached, against the budget (300 ms).
PostgreSQL settings can be tried without code through libpq, e.g. ``PGOPTIONS="-c jit=off"``.
``--explain`` prints EXPLAIN (ANALYZE, BUFFERS) of every query of the full dashboard that took more
than 5 ms. Exits 1 when a budget fails.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.template import Template  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from awards.models import Application, Decision  # noqa: E402
from bench.common import explain, measure, percentile, print_postgres_run  # noqa: E402
from brands.models import Brand, Trademark  # noqa: E402
from certifications.models import Certification, DemonstrationZone  # noqa: E402
from core.models import Enterprise, Region  # noqa: E402
from geo_indications.models import GIMarkUser, GIProduct  # noqa: E402
from targets.models import MeasuredBy, Plan  # noqa: E402
from targets.progress import (  # noqa: E402
    league_dashboard,
    league_table,
    progress_dashboard,
    target_statuses,
    yearly_series,
)

BUDGET_MS = 300.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--league", default="150200", help="league/city code for the per-league case")
    parser.add_argument("--budget", type=float, default=BUDGET_MS, help="ms, for the p95 of every page")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slow queries of the dashboard")
    parser.add_argument("--only", default="", help="run only the cases whose name contains this text")
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        print("bench/dashboard.py measures PostgreSQL: set DATABASE_URL=postgres://... (see bench/generate.py).")
        return 2
    plan = Plan.objects.current()
    if plan is None:
        print("No plan: run bench/generate.py first.")
        return 2
    today = timezone.localdate()
    league = Region.objects.get(code=args.league)
    rendered = Template._render
    setup_test_environment()  # lets the test Client's "testserver" host in
    # Without the test environment's template instrumentation, which keeps a copy of every context rendered and
    # makes Python's collections pause the timed requests longer and longer (bench/lists.py).
    Template._render = rendered
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")

    def dashboard() -> None:
        target_statuses(plan, as_of=today)
        league_table(plan, as_of=today)
        yearly_series(plan, until=today)

    def page(url: str, *, cached: bool) -> Callable[[], None]:
        def get() -> None:
            settings.PROGRESS_CACHE = cached
            try:
                response = client.get(url)
            finally:
                settings.PROGRESS_CACHE = False
            assert response.status_code == 200, (url, response.status_code)

        return get

    # The engine cases and the "counted afresh" pages measure what a change of the registers costs the next
    # reader; the "cached" pages, a reader when nothing changed since the last count (targets.freshness).
    settings.PROGRESS_CACHE = False
    target = plan.targets.filter(measured_by=MeasuredBy.REGISTRY).order_by("group__order", "order").first()
    pages = {
        "/progress/": "/progress/",
        "/progress/leagues/": "/progress/leagues/",
        f"/progress/leagues/{league.code}/": f"/progress/leagues/{league.code}/",
        "a target's page": f"/progress/plans/{plan.code}/targets/{target.code}/",
    }
    cases: list[tuple[str, Callable[[], object]]] = [
        ("target_statuses, region", lambda: target_statuses(plan, as_of=today)),
        (f"target_statuses, league {league.code}", lambda: target_statuses(plan, as_of=today, league=league)),
        ("league_table", lambda: league_table(plan, as_of=today)),
        (f"yearly_series {plan.period_start.year}-{today.year}", lambda: yearly_series(plan, until=today)),
        ("the three above, one after the other", dashboard),
        ("progress_dashboard (the three, one scan)", lambda: progress_dashboard(plan, as_of=today)),
        (f"league_dashboard {league.code} (one scan)", lambda: league_dashboard(plan, as_of=today, league=league)),
        *[(f"GET {name}, counted afresh", page(url, cached=False)) for name, url in pages.items()],
        *[(f"GET {name}, cached", page(url, cached=True)) for name, url in pages.items()],
    ]
    counts = {
        model.__name__: model.objects.count()
        for model in (Enterprise, Brand, Certification, Trademark, DemonstrationZone, GIProduct, GIMarkUser)
    }
    counts |= {"Application": Application.objects.count(), "Decision": Decision.objects.count()}
    print_postgres_run(counts)
    print(f"plan {plan.code}: {plan.targets.count()} targets; as of {today}; {args.runs} runs after {args.warmup}")
    print(f"\n{'case':52} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    results = {}
    for name, fn in cases:
        if args.only and args.only not in name:
            continue
        gc.collect()
        gc.freeze()  # what earlier cases left behind stays out of the collector's scans
        timings, queries = measure(fn, runs=args.runs, warmup=args.warmup)
        results[name] = percentile(timings, 95)
        print(
            f"{name:52} {queries:>7} {percentile(timings, 50):>8.1f} {results[name]:>8.1f} {max(timings):>8.1f}",
            flush=True,
        )
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    failed = False
    for name in results:
        if name.startswith("GET "):
            ok = results[name] <= args.budget
            failed |= not ok
            print(f"{'PASS' if ok else 'FAIL'}: {name} p95 {results[name]:.1f} ms (budget {args.budget:.0f} ms)")
    if args.explain:
        explain(dashboard)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
