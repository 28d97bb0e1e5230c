"""Project settings: one file, read from the environment, with safe development defaults.

Every variable is listed in README.md ("Configuration"). Production refuses to start
without the values that must not have a default (see ``_require``).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=True)


def _require(name: str, dev_default: str) -> str:
    """A value that must be set outside development (DEBUG off)."""
    value = os.environ.get(name)
    if value:
        return value
    if DEBUG:
        return dev_default
    raise ImproperlyConfigured(f"{name} must be set when DJANGO_DEBUG is off")


SECRET_KEY = _require("DJANGO_SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = [
    host.strip()
    for host in _require("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The database backend of Django's tasks framework and its worker (manage.py db_worker).
    "django_tasks_db",
    # The second factor (core/mfa.py): authenticator apps and one-time backup codes. Before "core", whose admin
    # unregisters their admin pages.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Domain apps, in their dependency order (see DESIGN.md section 2).
    "core",
    "geo_indications",
    "brands",
    "certifications",
    "awards",
    "targets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): has this session passed the second factor?
    "django_otp.middleware.OTPMiddleware",
    # Privileged users who have not: to enrolment or verification (core/mfa.py).
    "core.mfa.RequireMFAMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# Database: SQLite by default; PostgreSQL (15+) through DATABASE_URL.
SQLITE_PATH = env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE + WAL: several writing workers queue instead of failing with
    # "database is locked" (measured, see FIELD_NOTES).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles every large aggregate (the progress counts) for 100-150 ms and gains nothing
    # at this size: the dashboard at 1M certifications goes from 411 to 263 ms p95 without it (docs/benchmarks.md).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = env_str("DATABASE_PG_OPTIONS", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Cache: local memory in development; Redis (shared by all workers) when REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    # Django's Redis backend, building its client object once per process instead of on every call (core/cache.py).
    CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions read from the shared cache and written through to the database: every worker sees them, and
    # a Redis restart or eviction does not sign anybody out (run ``manage.py clearsessions`` daily). Without
    # Redis, Django's default database sessions.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background jobs (batch issuing, imports, annual reports) through Django's tasks framework. "immediate" runs a
# task at once in the process that enqueues it (development); "database" stores it for ``manage.py db_worker``
# (django-tasks-db), a separate process. A dotted path names any other backend.
TASKS_BACKEND = env_str("TASKS_BACKEND", "immediate" if DEBUG else "database")
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django.tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
            "dummy": "django.tasks.backends.dummy.DummyBackend",
        }.get(TASKS_BACKEND, TASKS_BACKEND),
    }
}

# Internationalisation: Simplified Chinese by default, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Application attachments: private, outside MEDIA_ROOT, served only after a permission check.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private_media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- HTTPS and browser protections (checked by ``manage.py check --deploy``; .ci/check-deploy) ---
# Behind a reverse proxy that terminates TLS (TRUSTED_PROXY_COUNT > 0) the proxy's X-Forwarded-Proto says
# whether the visitor used https. The proxy must overwrite that header, never pass the client's on.
if env_int("TRUSTED_PROXY_COUNT", 0) > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# A load balancer's plain-http health check, e.g. "^healthz$" (regular expressions, without the leading slash).
SECURE_REDIRECT_EXEMPT = env_list("DJANGO_SECURE_REDIRECT_EXEMPT")
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
# "preload" only matters once the registrable domain is submitted to the browsers' preload list.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy, in development too so that a page that needs an inline script or style breaks at
# once. Nothing inline: scripts and styles come from our static files. A page may opt a single element in with
# ``{% csp_nonce_attr %}`` (the admin does); the nonce is only added to the header on such pages. The API's
# Swagger UI page has its own, looser, policy (config/api.py).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Certificates (DESIGN section 5). The Ed25519 private key never enters the repository or the database:
# CERTIFICATE_SIGNING_KEY holds it as PEM (a secret store), or CERTIFICATE_SIGNING_KEY_FILE names a file
# outside the checkout. In development a key is generated on first use into the git-ignored keys/.
CERTIFICATE_SIGNING_KEY = env_str("CERTIFICATE_SIGNING_KEY")
CERTIFICATE_SIGNING_KEY_FILE = Path(
    env_str("CERTIFICATE_SIGNING_KEY_FILE", str(BASE_DIR / "keys" / "certificate-signing.pem") if DEBUG else "")
    or "/nonexistent/set-CERTIFICATE_SIGNING_KEY_FILE"
)
CERTIFICATE_SIGNING_KEY_GENERATE = env_bool("CERTIFICATE_SIGNING_KEY_GENERATE", default=DEBUG)
# The address printed in every QR code: the public site, as phones outside will reach it.
CERTIFICATE_VERIFY_BASE_URL = _require("CERTIFICATE_VERIFY_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Who issues the certificates, as printed on them.
CERTIFICATE_ISSUER_ZH = env_str("CERTIFICATE_ISSUER_ZH", "内蒙古自治区质量强区工作领导小组办公室")
CERTIFICATE_ISSUER_EN = env_str(
    "CERTIFICATE_ISSUER_EN", "Office of the Quality-Strong Region Leading Group, Inner Mongolia Autonomous Region"
)
# A PNG of the issuing office's seal; the repository ships a drawn placeholder for development.
CERTIFICATE_SEAL_IMAGE = Path(
    env_str("CERTIFICATE_SEAL_IMAGE", str(BASE_DIR / "awards" / "certificates" / "assets" / "seal.png"))
)

# Open-data downloads: XLSX is refused above this many rows (Excel's own limit is 1,048,576); CSV and JSON stream.
EXPORT_XLSX_MAX_ROWS = env_int("EXPORT_XLSX_MAX_ROWS", 100_000)

# Uploads: images are checked by content, capped, and re-encoded (core/images.py).
IMAGE_UPLOAD_MAX_BYTES = env_int("IMAGE_UPLOAD_MAX_BYTES", 2 * 1024 * 1024)
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 25_000_000)
IMPORT_UPLOAD_MAX_BYTES = env_int("IMPORT_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

# Django 6.1 mailers (EMAIL_BACKEND is deprecated); console output in development, SMTP in production (by
# default a relay on the same machine, localhost:25, as Django's own EMAIL_HOST default).
EMAIL_BACKEND_PATH = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH == "django.core.mail.backends.smtp.EmailBackend":
    MAILERS["default"]["OPTIONS"] = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env_str("EMAIL_HOST_USER"),
        "password": env_str("EMAIL_HOST_PASSWORD"),
        "use_tls": env_bool("EMAIL_USE_TLS", default=False),
        "use_ssl": env_bool("EMAIL_USE_SSL", default=False),
        "timeout": env_int("EMAIL_TIMEOUT", 10),
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "registry@localhost")

REST_FRAMEWORK = {
    # Session (with CSRF) for the browser; tokens (issued by staff in the admin) for systems.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_THROTTLE_RATES": {"objections": env_str("OBJECTION_THROTTLE_RATE", "5/hour")},
    "DEFAULT_PERMISSION_CLASSES": ["core.api.ReadOnlyOrStaff"],
    # Sorting is the FilterSet's ``ordering`` filter, the same as on the pages.
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.RegistryPagination",
    "DEFAULT_SCHEMA_CLASS": "core.api_schema.RegistryAutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}

# Public verification (the verify pages and /api/v1/verify/ together, not /verify/keys.json) per client
# address and window, counted in the cache (core.ratelimit): exact across workers with REDIS_URL.
VERIFY_RATE = env_str("VERIFY_RATE", "60/minute")
# Verification reads certificates and keys through the cache, voided on every change (awards.certificates.lookup):
# only correct when every serving process shares the cache, so on with Redis and in development's single process.
VERIFY_CACHE = env_bool("VERIFY_CACHE", default=bool(REDIS_URL) or DEBUG)
# Progress counts cached under the registry version, which database triggers change with every write to a
# counted table (targets.freshness): never stale, so on by default, with any cache backend.
PROGRESS_CACHE = env_bool("PROGRESS_CACHE", default=True)

SPECTACULAR_SETTINGS = {
    "TITLE": "Inner Mongolia Brand Cultivation and Certification Registry API",
    "DESCRIPTION": "Public, read-only access to every register and to progress against the plan targets.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Django's own console handler would print every django.* line a second time through root.
    "loggers": {"django": {"handlers": [], "level": env_str("LOG_LEVEL", "INFO"), "propagate": True}},
}
REFERENCE_DATA_DIR = Path(env_str("REFERENCE_DATA_DIR", str(BASE_DIR / "data")))
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)

# --- Accounts: sign-in, registration, login rate limiting (django-axes) ---
from config.settings_accounts import *  # noqa: E402, F403

INSTALLED_APPS += ["axes"]
# Last, so it sees the lock-out flag that the authentication backend sets and answers with the lock-out page.
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
# Axes first: it refuses a locked-out user name and address before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Axes logs every successful sign-in at INFO; failures and lock-outs (WARNING) are what operators need.
LOGGING["loggers"]["axes"] = {"level": "WARNING"}
# --- end of accounts ---
