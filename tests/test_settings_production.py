"""Production settings from the environment (config/settings.py): ``check --deploy`` is clean with the documented
variables, a missing secret fails loudly, and development keeps its safe defaults. Plus the Content Security
Policy that every page is served with, in development too."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.test import Client

BASE_DIR = Path(settings.BASE_DIR)
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
# Variables that would change the outcome if the machine running the tests happened to set them.
LOOSENING = [
    "CERTIFICATE_SIGNING_KEY",
    "EMAIL_BACKEND",
    "TASKS_BACKEND",
    "DJANGO_SECURE_SSL_REDIRECT",
    "DJANGO_SECURE_HSTS_SECONDS",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "DJANGO_SECURE_HSTS_PRELOAD",
    "DJANGO_SETTINGS_MODULE",
    "SQLITE_PATH",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # tests/conftest.py sets it for Playwright; production never does (async.E001)
]


@pytest.fixture(scope="module")
def signing_key_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "certificate-signing.pem"
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.write_bytes(pem)
    path.chmod(0o600)
    return path


@pytest.fixture
def production_env(signing_key_file, tmp_path) -> dict[str, str]:
    """What docs/operations.md ("Deploy") asks for, as .ci/check-deploy sets it."""
    env = {k: v for k, v in os.environ.items() if k not in LOOSENING}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="k" * 20 + "-production-secret-key-with-enough-variety-0123456789",
        DJANGO_ALLOWED_HOSTS="registry.example.cn",
        DATABASE_URL="postgres://registry@127.0.0.1:5432/registry",
        REDIS_URL="redis://127.0.0.1:6379/0",
        CERTIFICATE_SIGNING_KEY_FILE=str(signing_key_file),
        CERTIFICATE_VERIFY_BASE_URL="https://registry.example.cn",
        CERTIFICATE_SIGNING_KEY_GENERATE="false",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
    )
    return env


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_settings(env: dict[str, str], *names: str) -> dict:
    code = (
        "import json, sys; from django.conf import settings; "
        "print(json.dumps({n: getattr(settings, n, None) for n in sys.argv[1:]}, default=str))"
    )
    done = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", code, *names],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


# --- check --deploy ---------------------------------------------------------------------------------------------


def test_check_deploy_is_clean_with_the_production_environment(production_env):
    done = check_deploy(production_env)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output
    assert not [line for line in output.splitlines() if line.startswith("?:")]


@pytest.mark.parametrize(
    "missing",
    ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "CERTIFICATE_VERIFY_BASE_URL"],
)
def test_production_refuses_to_start_without_a_required_value(production_env, missing):
    del production_env[missing]
    done = check_deploy(production_env)
    assert done.returncode != 0
    assert f"{missing} must be set when DJANGO_DEBUG is off" in done.stderr


def test_an_empty_value_counts_as_missing(production_env):
    production_env["DJANGO_ALLOWED_HOSTS"] = ""
    done = check_deploy(production_env)
    assert done.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off" in done.stderr


def test_production_without_a_signing_key_fails_the_check(production_env, tmp_path):
    production_env["CERTIFICATE_SIGNING_KEY_FILE"] = str(tmp_path / "no-such-key.pem")
    done = check_deploy(production_env)
    assert done.returncode == 1
    assert "certificates.E001" in done.stderr
    assert "No certificate signing key" in done.stderr


def test_a_weak_secret_key_is_a_warning_that_fails_the_check(production_env):
    production_env["DJANGO_SECRET_KEY"] = "short"
    done = check_deploy(production_env)
    assert done.returncode == 1
    assert "security.W009" in done.stderr


def test_production_settings_share_redis_and_queue_tasks_in_the_database(production_env):
    values = production_settings(
        production_env,
        "CACHES",
        "SESSION_ENGINE",
        "TASKS",
        "STORAGES",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
        "MAILERS",
    )
    assert values["CACHES"]["default"] == {
        "BACKEND": "core.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
    }
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    assert values["TASKS"]["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31_536_000
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None  # no proxy declared: the header is not trusted
    assert values["MAILERS"]["default"]["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["MAILERS"]["default"]["OPTIONS"]["host"] == "localhost"


def test_behind_a_proxy_its_forwarded_protocol_is_trusted(production_env):
    production_env["TRUSTED_PROXY_COUNT"] = "1"
    values = production_settings(production_env, "SECURE_PROXY_SSL_HEADER")
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


# --- development keeps its defaults -----------------------------------------------------------------------------


def test_development_defaults_stay_safe_and_local():
    # config/settings_test.py imports the development settings (DJANGO_DEBUG unset).
    assert settings.SECURE_SSL_REDIRECT is False
    assert settings.SECURE_HSTS_SECONDS == 0
    assert settings.SESSION_COOKIE_SECURE is False
    assert settings.TASKS["default"]["BACKEND"] == "django.tasks.backends.immediate.ImmediateBackend"
    assert "testserver" in settings.ALLOWED_HOSTS


# --- Content Security Policy ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_are_served_with_the_strict_policy():
    response = Client().get("/verify/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == STRICT_CSP
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_only_the_api_docs_page_allows_inline_styles_and_never_inline_scripts():
    policy = Client().get("/api/v1/docs/")["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "script-src 'self';" in policy
    assert policy.replace(" 'unsafe-inline'", "") == STRICT_CSP


INLINE = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I), "inline script"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_needs_what_the_policy_forbids():
    problems = []
    for template in sorted((BASE_DIR / "templates").rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{template.relative_to(BASE_DIR)}:{line}: {what}")
    assert not problems, "\n".join(problems)


# --- gunicorn ---------------------------------------------------------------------------------------------------


def gunicorn_settings() -> dict:
    import runpy

    return runpy.run_path(str(BASE_DIR / "config" / "gunicorn.py"))


def test_gunicorn_defaults_to_sync_workers_two_per_core_plus_one(monkeypatch):
    for name in ("GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_MAX_REQUESTS"):
        monkeypatch.delenv(name, raising=False)
    config = gunicorn_settings()
    assert config["worker_class"] == "sync"
    assert config["workers"] == min(2 * os.cpu_count() + 1, 12)
    assert config["bind"] == ["127.0.0.1:8000"]
    assert config["preload_app"] is True
    assert config["max_requests"] > 0 and 0 < config["max_requests_jitter"] < config["max_requests"]
    assert "%(M)s" in config["access_log_format"]  # the request time, in milliseconds


def test_gunicorn_takes_its_bind_and_workers_from_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:9000,unix:/run/registry.sock")
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    config = gunicorn_settings()
    assert config["bind"] == ["0.0.0.0:9000", "unix:/run/registry.sock"]
    assert config["workers"] == 3


def test_the_master_warms_the_app_before_forking_workers(monkeypatch):
    calls = []
    monkeypatch.setattr("config.warmup.warm_up", lambda: calls.append("warm"))
    monkeypatch.setattr("gc.freeze", lambda: calls.append("freeze"))
    monkeypatch.delenv("GUNICORN_PRELOAD", raising=False)
    preloaded = gunicorn_settings()
    preloaded["when_ready"](None)
    preloaded["post_worker_init"](None)
    # Once, in the master: every forked worker starts warm, what was loaded frozen out of its collections.
    assert calls == ["warm", "freeze"]
    monkeypatch.setenv("GUNICORN_PRELOAD", "false")
    calls.clear()
    per_worker = gunicorn_settings()
    per_worker["when_ready"](None)
    per_worker["post_worker_init"](None)
    assert calls == ["warm"]  # in each worker, before it serves


def test_the_warm_up_loads_urls_catalogs_and_templates_without_the_database():
    from django.template import engines
    from django.urls import clear_url_caches, get_resolver
    from django.utils.translation import trans_real

    from config.warmup import TEMPLATES, warm_up

    clear_url_caches()
    trans_real._translations.clear()
    loader = engines["django"].engine.template_loaders[0]
    loader.reset()
    warm_up()  # no django_db mark: pytest-django would refuse any database access
    assert get_resolver()._populated
    assert {"zh-hans", "en"} <= set(trans_real._translations)
    assert set(TEMPLATES) <= set(loader.get_template_cache)
