"""Verification throttle across workers (DESIGN section 10): ``.venv/bin/python bench/throttle.py``.

Starts gunicorn (``config/gunicorn.py``, 5 sync workers, a free port on 127.0.0.1) with
``REDIS_URL=redis://127.0.0.1:6379/15`` and ``VERIFY_RATE=100/minute`` on a scratch SQLite database (migrated
first), fires 150 requests from one client at ``/api/v1/verify/`` from 16 threads, all inside one minute
window, and counts the answers. Exits 1 unless exactly 100 were admitted (200) and the other 50 refused (429):
the counter (core.ratelimit) is an atomic increment in Redis, so the limit holds however the requests are
spread over the workers. Redis database 15 is flushed before and after. Needs Redis on 127.0.0.1:6379.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = "redis://127.0.0.1:6379/15"
LIMIT, REQUESTS, THREADS, WORKERS = 100, 150, 16, 5
WINDOW = 60
PATH = "/api/v1/verify/?number=NMPP-2026-000001"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (our own loopback server)
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        exc.read()
        return exc.code
    except OSError:
        return 0


def wait_until_ready(base: str, server: subprocess.Popen, deadline: float) -> None:
    """keys.json (never throttled) answers and all workers are forked."""
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        if status(base + "/verify/keys.json") == 200 and len(children(server.pid)) >= WORKERS:
            return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start in time")


def main() -> int:
    store = redis.Redis.from_url(REDIS_URL)
    store.ping()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="throttle-bench-") as scratch:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SQLITE_PATH": str(Path(scratch) / "db.sqlite3"),
            "REDIS_URL": REDIS_URL,
            "VERIFY_RATE": f"{LIMIT}/minute",
            "TRUSTED_PROXY_COUNT": "0",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(WORKERS),
            "GUNICORN_ACCESS_LOG": os.devnull,
            "GUNICORN_LOG_LEVEL": "warning",
            "LOG_LEVEL": "ERROR",  # not a "Too Many Requests" warning per refusal
        }
        env.pop("DATABASE_URL", None)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"], cwd=ROOT, env=env
        )
        try:
            wait_until_ready(base, server, time.monotonic() + 60)
            workers = len(children(server.pid))
            # All requests in one window: start at least 20 s before the minute ends (the windows are aligned).
            left = WINDOW - time.time() % WINDOW
            if left < 20:
                time.sleep(left + 0.05)
            store.flushdb()
            window = int(time.time()) // WINDOW
            started = time.perf_counter()
            with ThreadPoolExecutor(THREADS) as pool:
                answers = Counter(pool.map(lambda _: status(base + PATH), range(REQUESTS)))
            elapsed = time.perf_counter() - started
            same_window = int(time.time()) // WINDOW == window
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            store.flushdb()
    admitted, refused = answers.get(200, 0), answers.get(429, 0)
    other = REQUESTS - admitted - refused
    print(f"gunicorn: {workers} sync workers, Redis {REDIS_URL}, VERIFY_RATE={LIMIT}/minute")
    print(f"{REQUESTS} requests from one client, {THREADS} threads, {elapsed:.2f} s ({REQUESTS / elapsed:.0f} req/s)")
    print(f"admitted {admitted} of {REQUESTS} (200), refused {refused} (429), other {other} {dict(answers)}")
    if not same_window:
        print("FAIL: the requests crossed a window boundary; run again")
        return 1
    if admitted != LIMIT or refused != REQUESTS - LIMIT:
        print(f"FAIL: expected exactly {LIMIT} admitted and {REQUESTS - LIMIT} refused")
        return 1
    print("PASS: the limit held exactly across the workers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
