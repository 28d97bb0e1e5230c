"""Public verification is throttled per client address (VERIFY_RATE): the verify pages and the API share one
counter, past the limit a 429 with Retry-After, the window resets, /verify/keys.json is never limited.

Here on the local-memory cache (exact in one process); ``bench/throttle.py``, run at the end when Redis
answers, checks that the limit holds exactly across five gunicorn workers sharing Redis. How the client's
address is read behind trusted proxies is tested in test_accounts_login.py.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from core import ratelimit

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
NUMBER = "NMPP-2026-000001"
PAGE = f"/verify/?number={NUMBER}"
API = f"/api/v1/verify/?number={NUMBER}"
START = 60 * 100_000 + 15  # 15 s into a minute window: 45 s to wait


@pytest.fixture(autouse=True)
def clock(settings, monkeypatch):
    """Three verifications a minute, on a clock the test moves."""
    settings.VERIFY_RATE = "3/minute"
    moment = {"now": float(START)}
    monkeypatch.setattr(ratelimit, "now", lambda: moment["now"])
    return moment


def test_the_fourth_page_in_the_window_is_429_with_retry_after(client):
    assert [client.get(PAGE).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(PAGE)
    assert response.status_code == 429
    assert response["Retry-After"] == "45"
    assert "no-store" in response["Cache-Control"]
    assert response.templates[0].name == "certificates/rate_limited.html"
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "验证次数过多" in html
    assert "45 秒后再试" in html


def test_the_429_page_speaks_english_too():
    client = Client(headers={"accept-language": "en-US,en;q=0.9"})
    for _ in range(3):
        client.get(PAGE)
    html = client.get(PAGE).content.decode()
    assert "<h1>Too many verifications</h1>" in html
    assert "Please try again in 45 seconds." in html


def test_the_fourth_api_call_in_the_window_is_429_json_with_retry_after(client):
    assert [client.get(API).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(API)
    assert response.status_code == 429
    assert response["Retry-After"] == "45"
    assert "detail" in response.json()
    assert "no-store" in response["Cache-Control"]


def test_pages_and_api_share_one_counter(client):
    assert client.get(f"/verify/{NUMBER}/").status_code == 200
    assert client.get(f"/v/{NUMBER}").status_code == 200
    assert client.get(API).status_code == 200
    assert client.get(PAGE).status_code == 429
    assert client.get(f"/verify/{NUMBER}/").status_code == 429
    assert client.get(f"/v/{NUMBER}").status_code == 429
    assert client.get(API).status_code == 429
    assert client.post("/api/v1/verify/file/", {}).status_code == 429
    assert client.post("/verify/", {}).status_code == 429


def test_another_client_address_is_unaffected(client):
    for _ in range(4):
        client.get(API)
    assert client.get(API).status_code == 429
    other = {"REMOTE_ADDR": "192.0.2.7"}
    assert [client.get(API, **other).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_counter(client, settings):
    settings.ACCOUNTS_TRUSTED_PROXY_COUNT = 1
    first, second = {"HTTP_X_FORWARDED_FOR": "198.51.100.1"}, {"HTTP_X_FORWARDED_FOR": "198.51.100.2"}
    assert [client.get(PAGE, **first).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert client.get(PAGE, **second).status_code == 200


def test_the_window_resets(client, clock):
    for _ in range(3):
        client.get(API)
    assert client.get(API).status_code == 429
    clock["now"] += 44  # still the same minute
    response = client.get(PAGE)
    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    clock["now"] += 1  # the next minute
    assert [client.get(PAGE).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_the_published_keys_are_never_throttled(client):
    for _ in range(4):
        client.get(API)
    assert client.get(API).status_code == 429
    assert [client.get("/verify/keys.json").status_code for _ in range(5)] == [200] * 5


def test_the_setting_is_parsed_like_the_other_rates(settings):
    settings.VERIFY_RATE = "100/minute"
    assert ratelimit.verify_rate() == (100, 60)
    settings.VERIFY_RATE = "10/s"
    assert ratelimit.verify_rate() == (10, 1)


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="needs Redis on 127.0.0.1:6379")
def test_five_gunicorn_workers_sharing_redis_admit_exactly_the_limit():
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "throttle.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "admitted 100 of 150" in result.stdout
