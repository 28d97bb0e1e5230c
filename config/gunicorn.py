"""gunicorn's settings for production: ``gunicorn -c config/gunicorn.py config.wsgi``, behind a reverse proxy.

Every value can be changed from the environment (docs/operations.md, "Deploy"). Sync workers: the app's
work is short database reads and CPU (PDFs), and a sync worker handles one request at a time, which is what
ReportLab's font subsetting needs (not thread-safe).
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


# The proxy talks to this address; keep it on loopback or a private interface.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# 2 x cores + 1, at most 12 (more workers than that only add memory on the machines we run on; on 2 cores,
# 4 workers measured no faster than 2, see FIELD_NOTES).
workers = _int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 12))
worker_class = "sync"

# A request that takes longer than this is killed (the worker restarts): PDFs take tens of milliseconds, a
# list page under a second; long jobs go to the task worker (manage.py db_worker), never to a request.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Restart each worker after about this many requests (jitter spreads the restarts) so slow leaks never grow.
# Not much lower: each restart stalls the worker's queue for 1-3 s, every few seconds under load at 2,000
# (bench/load.py, docs/benchmarks.md).
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 2000)

# Load Django once in the master and fork: workers start fast and share memory. Django opens no database
# connection at import, so none is shared between workers.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() not in {"0", "false", "no", "off"}


def when_ready(server) -> None:
    """In the master, once the app is loaded and before any worker is forked (with preload_app)."""
    if preload_app:
        import gc

        from config.warmup import warm_up

        warm_up()
        gc.freeze()  # what is loaded stays out of the workers' collections and their copy-on-write pages


def post_worker_init(worker) -> None:
    """In each worker before it accepts a request (without preload_app: the master has no app to warm)."""
    if not preload_app:
        from config.warmup import warm_up

        warm_up()


# The heartbeat file in memory, not on a disk that may stall (containers).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# Which proxies may set X-Forwarded-* for gunicorn itself (Django reads the scheme from SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs to stdout/stderr (journald or the container collects them). The access line ends with the request
# time in milliseconds (%(M)s) so slow pages show in the log.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s %({x-forwarded-for}i)s %(t)s "%(r)s" %(s)s %(B)s "%(f)s" "%(a)s" %(M)sms'

proc_name = "registry"
