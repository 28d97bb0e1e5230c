"""Test settings: fast hashing, in-memory media, no outside effects."""

import tempfile

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
MEDIA_ROOT = tempfile.mkdtemp(prefix="registry-test-media-")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
VERIFY_CACHE = True  # one process: the local-memory cache is shared by everything that serves
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
STATIC_ROOT = tempfile.mkdtemp(prefix="registry-test-static-")
PRIVATE_MEDIA_ROOT = tempfile.mkdtemp(prefix="registry-test-private-")
CERTIFICATE_SIGNING_KEY = ""
CERTIFICATE_SIGNING_KEY_FILE = Path(tempfile.mkdtemp(prefix="registry-test-keys-")) / "signing.pem"  # noqa: F405
CERTIFICATE_SIGNING_KEY_GENERATE = True
CERTIFICATE_VERIFY_BASE_URL = "http://testserver"
