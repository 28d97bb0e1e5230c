"""Public verification under load (DESIGN section 9): ``.venv/bin/python bench/load.py [--duration S] [--quick]``.

Builds a scratch SQLite database (migrate, load_reference, ``load_demo --force``, which issues certificates
through the real services, signed with a throw-away Ed25519 key), then starts gunicorn with
``config/gunicorn.py`` (2 sync workers, a free port on 127.0.0.1) in production mode: DJANGO_DEBUG=false with
the environment .ci/check-deploy uses, except SQLite instead of PostgreSQL, no HTTPS redirect (there is no TLS
proxy) and DJANGO_ALLOWED_HOSTS=127.0.0.1; DATABASE_CONN_MAX_AGE=60; Redis database 14 as the cache when
Redis answers on 127.0.0.1:6379 (flushed before and after), else per-process memory; VERIFY_RATE set so
high that the per-client limit never refuses (every request comes from 127.0.0.1). The access log is off.

The same gunicorn serves bench/settings.py (the application's settings with bench/urls.py, which adds a
trivial JSON view at /bench/trivial/). wrk (``apt-get install wrk``), 2 threads, measures in one run:

- 16 connections, in ``--rounds`` rounds of ``--duration`` seconds per URL (after a short warm-up): the
  trivial view, the same view behind the verification rate limit (``/bench/limited/``: the limit's Redis
  round trip, for information), the verification API (``/api/v1/verify/?number=..&p=..&s=..``, the QR check:
  signature and live record) and the QR page (``/v/<number>?p=..&s=..``); a last run of the trivial view
  closes the last round. Each round's reference is the mean of the trivial runs before and after it, so a
  machine whose speed drifts (a shared virtual machine) compares each endpoint with its neighbours; the
  budget is the median of the rounds' ratios;
- 64 connections for 60 s (``--quick``: 15 s) on the verification API, with the error counts.

A Lua script counts every status code (so a 3xx counts as an error too, unlike wrk's own "Non-2xx or 3xx").
Budgets: each verification endpoint at least 70% of the trivial view's req/s (median over the rounds) and
p99 under 50 ms at 16 connections in every round, no non-2xx and no socket error anywhere, in particular none
in the 64-connection run. Exits 1 when a budget fails. Other processes on the machine lower every absolute
figure; the ratios are the result.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import cpu_model  # noqa: E402

PYTHON = sys.executable
WORKERS = 2
WRK_THREADS = 2
CONNECTIONS, HEAVY_CONNECTIONS = 16, 64
MIN_RATIO, MAX_P99_MS = 0.70, 50.0
REDIS_URL = "redis://127.0.0.1:6379/14"

# Counts status codes in every wrk thread and prints them, the socket errors and the latency percentiles
# in a form this script reads back (after wrk's own report).
LUA = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do total[code] = (total[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(total) do table.insert(parts, string.format('"%d": %d', code, n)) end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "statuses": {%s}, "connect": %d, "read": %d, "write": %d, ' ..
    '"timeout": %d, "p50": %d, "p90": %d, "p99": %d, "max": %d}\n',
    summary.requests, summary.duration, table.concat(parts, ", "), e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


@dataclass
class Run:
    name: str
    connections: int
    requests: int
    seconds: float
    statuses: dict[int, int]
    socket_errors: dict[str, int]
    p50: float
    p90: float
    p99: float
    max: float
    notes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def non_2xx(self) -> int:
        return sum(n for code, n in self.statuses.items() if not 200 <= code < 300)

    @property
    def sockets(self) -> int:
        return sum(self.socket_errors.values())

    def line(self) -> str:
        errors = ", ".join(f"{k} {v}" for k, v in self.socket_errors.items() if v) or "none"
        return (
            f"{self.name:<22} c={self.connections:<3} {self.rate:8.0f} req/s  p50 {self.p50:6.2f} ms  "
            f"p90 {self.p90:6.2f} ms  p99 {self.p99:6.2f} ms  max {self.max:7.1f} ms  "
            f"{self.requests} requests, non-2xx {self.non_2xx}, socket errors: {errors}"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (our own loopback server)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


def redis_available() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:  # any failure means: run without Redis
        return False
    return True


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def write_signing_key(path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def environment(scratch: Path, port: int, use_redis: bool) -> dict[str, str]:
    import secrets

    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CERTIFICATE_", "GUNICORN_", "DATABASE_", "REDIS_"))
        and key
        not in {"EMAIL_BACKEND", "TASKS_BACKEND", "VERIFY_RATE", "VERIFY_CACHE", "TRUSTED_PROXY_COUNT", "SQLITE_PATH"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{port}",
            "DJANGO_SECURE_SSL_REDIRECT": "false",  # no TLS proxy in front of this gunicorn
            "SQLITE_PATH": str(scratch / "db.sqlite3"),
            "DATABASE_CONN_MAX_AGE": "60",
            "TRUSTED_PROXY_COUNT": "0",
            "CERTIFICATE_SIGNING_KEY_FILE": str(scratch / "certificate-signing.pem"),
            "CERTIFICATE_SIGNING_KEY_GENERATE": "false",
            "CERTIFICATE_VERIFY_BASE_URL": f"http://127.0.0.1:{port}",
            "STATIC_ROOT": str(scratch / "static"),
            "MEDIA_ROOT": str(scratch / "media"),
            "PRIVATE_MEDIA_ROOT": str(scratch / "private"),
            "VERIFY_RATE": "100000000/minute",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(WORKERS),
            "GUNICORN_ACCESS_LOG": os.devnull,
            "GUNICORN_LOG_LEVEL": "warning",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    if use_redis:
        env["REDIS_URL"] = REDIS_URL
    return env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


PICK_CERTIFICATE = """
import json
from awards.certificates.models import Certificate
cert = next(c for c in Certificate.objects.order_by("number") if c.effective_status == "valid")
print(json.dumps({"number": cert.number, "p": cert.payload, "s": cert.signature}))
"""


def prepare(env: dict[str, str], scratch: Path) -> dict[str, str]:
    write_signing_key(scratch / "certificate-signing.pem")
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "load_reference")
    manage(env, "load_demo", "--force")
    manage(env, "collectstatic", "--noinput", "-v", "0")  # the manifest that production static files need
    return json.loads(manage(env, "shell", "-c", PICK_CERTIFICATE).strip().splitlines()[-1])


def wait_until_ready(base: str, server: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        if fetch(base + "/bench/trivial/")[0] == 200:
            return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start in time")


def wrk(script: Path, url: str, name: str, connections: int, seconds: int) -> Run:
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    done = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603 (wrk, our URLs)
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("BENCH "))
    data = json.loads(line[len("BENCH ") :])
    return Run(
        name=name,
        connections=connections,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        statuses={int(code): n for code, n in data["statuses"].items()},
        socket_errors={k: data[k] for k in ("connect", "read", "write", "timeout")},
        p50=data["p50"] / 1000,
        p90=data["p90"] / 1000,
        p99=data["p99"] / 1000,
        max=data["max"] / 1000,
    )


def machine() -> str:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs ({cpu_model()}), load average {load}"


def check(condition: bool, message: str, failures: list[str]) -> None:
    print(f"{'PASS' if condition else 'FAIL'}: {message}")
    if not condition:
        failures.append(message)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per 16-connection run (default 8)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the 16-connection runs (default 5)")
    parser.add_argument("--heavy", type=int, default=60, help="seconds of the 64-connection run (default 60)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per URL (default 3)")
    parser.add_argument(
        "--quick", action="store_true", help="5 rounds of 3 s runs, 15 s at 64 connections, 1 s warm-up"
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        help="override config/gunicorn.py's max_requests (GUNICORN_MAX_REQUESTS; 0 = never restart a worker)",
    )
    args = parser.parse_args()
    if args.quick:
        args.duration, args.rounds, args.heavy, args.warmup = 3, 5, 15, 1
    if args.rounds < 1 or args.duration < 1:
        parser.error("--rounds and --duration must be at least 1")
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    use_redis = redis_available()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="load-bench-") as scratch_name:
        scratch = Path(scratch_name)
        env = environment(scratch, port, use_redis)
        if args.max_requests is not None:
            env["GUNICORN_MAX_REQUESTS"] = str(args.max_requests)
        started = time.monotonic()
        cert = prepare(env, scratch)
        print(f"scratch SQLite database ready in {time.monotonic() - started:.1f} s; certificate {cert['number']}")
        code = urlencode({"p": cert["p"], "s": cert["s"]})
        urls = {
            "trivial view": f"{base}/bench/trivial/",
            "verification API": f"{base}/api/v1/verify/?{urlencode({'number': cert['number']})}&{code}",
            "QR page": f"{base}/v/{cert['number']}?{code}",
            "trivial + rate limit": f"{base}/bench/limited/",
        }
        script = scratch / "count.lua"
        script.write_text(LUA)
        if use_redis:
            flush_redis()
        server = subprocess.Popen(  # noqa: S603 (our own interpreter and gunicorn)
            [PYTHON, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"], cwd=ROOT, env=env
        )
        try:
            wait_until_ready(base, server, time.monotonic() + 60)
            status, body = fetch(urls["verification API"])
            verdict = json.loads(body) if status == 200 else {}
            if not verdict.get("valid") or not verdict.get("signature_checked"):
                print(f"the verification API did not confirm the certificate: {status} {body[:300]!r}")
                return 1
            status, body = fetch(urls["QR page"])
            if status != 200:
                print(f"the QR page answered {status}")
                return 1
            print(
                f"gunicorn config/gunicorn.py: {WORKERS} sync workers, DJANGO_DEBUG=false, SQLite, "
                f"CONN_MAX_AGE=60, max_requests {env.get('GUNICORN_MAX_REQUESTS', 'from config/gunicorn.py')}, "
                f"cache: {'Redis ' + REDIS_URL if use_redis else 'per-process memory'}; "
                f"wrk {WRK_THREADS} threads"
            )
            print(f"API check: outcome {verdict['outcome']}, signature checked; QR page 200 ({len(body)} bytes)")
            for name, url in urls.items():
                wrk(script, url, name, CONNECTIONS, args.warmup)
            print(
                f"\n{CONNECTIONS} connections, {args.rounds} rounds of {args.duration} s per URL "
                f"(after {args.warmup} s warm-up per URL):"
            )
            trivial_runs, rounds = [], []
            for number in range(1, args.rounds + 1):
                trivial_runs.append(wrk(script, urls["trivial view"], "trivial view", CONNECTIONS, args.duration))
                print(f"round {number}:\n{trivial_runs[-1].line()}", flush=True)
                measured = {}
                for name in ("trivial + rate limit", "verification API", "QR page"):
                    measured[name] = wrk(script, urls[name], name, CONNECTIONS, args.duration)
                    print(measured[name].line(), flush=True)
                rounds.append(measured)
            trivial_runs.append(wrk(script, urls["trivial view"], "trivial view", CONNECTIONS, args.duration))
            print(f"closing the last round:\n{trivial_runs[-1].line()}", flush=True)
            runs = trivial_runs + [run for measured in rounds for run in measured.values()]
            ratios: dict[str, list[float]] = {name: [] for name in rounds[0]}
            for number, measured in enumerate(rounds):
                reference = (trivial_runs[number].rate + trivial_runs[number + 1].rate) / 2
                for name, run in measured.items():
                    ratios[name].append(run.rate / reference)
            print("ratios to the trivial view (each round against the trivial runs before and after it):")
            for name, values in ratios.items():
                listed = ", ".join(f"{value:.2f}" for value in values)
                note = " (information, not a budget)" if name == "trivial + rate limit" else ""
                print(f"  {name:<22} {listed}; median {statistics.median(values):.2f}{note}")
            print(f"\n{HEAVY_CONNECTIONS} connections, {args.heavy} s, verification API:")
            heavy = wrk(script, urls["verification API"], "verification API", HEAVY_CONNECTIONS, args.heavy)
            print(heavy.line())
            print(f"status codes: {dict(sorted(heavy.statuses.items()))}")
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            if use_redis:
                flush_redis()

    print(f"\nmachine after the run: {machine()}")
    failures: list[str] = []
    for name in ("verification API", "QR page"):
        median = statistics.median(ratios[name])
        check(
            median >= MIN_RATIO,
            f"{name} at {median:.0%} of the trivial view, median of {len(ratios[name])} rounds "
            f"(budget >= {MIN_RATIO:.0%})",
            failures,
        )
        worst = max(measured[name].p99 for measured in rounds)
        check(worst < MAX_P99_MS, f"{name} p99 at most {worst:.1f} ms at {CONNECTIONS} connections (< 50 ms)", failures)
    check(
        all(r.non_2xx == 0 and r.sockets == 0 for r in runs),
        f"no non-2xx and no socket error at {CONNECTIONS} connections",
        failures,
    )
    check(
        heavy.non_2xx == 0 and heavy.sockets == 0,
        f"{HEAVY_CONNECTIONS} connections for {args.heavy} s: non-2xx {heavy.non_2xx}, socket errors {heavy.sockets}",
        failures,
    )
    if args.heavy < 60:
        print(f"note: the 64-connection run lasted {args.heavy} s, not the budget's 60 s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
