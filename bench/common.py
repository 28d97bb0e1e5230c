"""What several benchmarks share: the machine's description, percentiles, and timing a Django call with its
query count. Imports nothing from Django at module level (bench/load.py runs without a configured Django)."""

from __future__ import annotations

import datetime
import math
import os
import platform
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def print_postgres_run(counts: dict[str, int]) -> None:
    """The lines every PostgreSQL benchmark starts with: when, on what machine and server, over how many rows."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        server = cur.fetchone()[0]
    print(f"date {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; nproc {os.cpu_count()}; CPU {cpu_model()}")
    print(f"PostgreSQL {server}; Python {platform.python_version()}; load average {os.getloadavg()[0]:.1f} at start")
    print("rows: " + ", ".join(f"{name} {n:,}" for name, n in counts.items()))


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def measure(fn: Callable[[], object], *, runs: int, warmup: int) -> tuple[list[float], int]:
    """``fn`` run ``warmup`` times, once more counting its queries, then ``runs`` times timed: (ms per run, queries)."""
    from django.db import connection

    for _ in range(warmup):
        fn()
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    # An execute wrapper, not CaptureQueriesContext: a request through the test Client resets the query log.
    with connection.execute_wrapper(count):
        fn()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
    return timings, len(queries)


def explain(fn: Callable[[], object], threshold_ms: float = 5.0, *, sql_chars: int = 300) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every query of ``fn`` that took more than ``threshold_ms``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        fn()
    for query in queries.captured_queries:
        if float(query["time"]) * 1000 < threshold_ms:
            continue
        print(f"\n-- {float(query['time']) * 1000:.1f} ms\n{query['sql'][:sql_chars]}...")
        with connection.cursor() as cur:
            cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            for (line,) in cur.fetchall():
                print("   ", line)
