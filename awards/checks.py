"""System checks for certificates: production must have a signing key and a public address for QR codes."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Warning, register


@register("certificates", deploy=True)
def certificate_settings(app_configs=None, **kwargs) -> list:
    problems = []
    key_file = Path(settings.CERTIFICATE_SIGNING_KEY_FILE)
    if not settings.CERTIFICATE_SIGNING_KEY and not key_file.exists():
        problems.append(
            Error(
                "No certificate signing key: set CERTIFICATE_SIGNING_KEY (PEM) or CERTIFICATE_SIGNING_KEY_FILE.",
                hint="manage.py rotate_signing_key --out /path/outside/the/checkout.pem creates one.",
                id="certificates.E001",
            )
        )
    if settings.CERTIFICATE_SIGNING_KEY_GENERATE:
        problems.append(
            Warning(
                "CERTIFICATE_SIGNING_KEY_GENERATE is on: a missing key would be generated silently.",
                id="certificates.W001",
            )
        )
    base = settings.CERTIFICATE_VERIFY_BASE_URL
    if not base.startswith("https://"):
        problems.append(
            Warning(
                f"CERTIFICATE_VERIFY_BASE_URL is {base!r}: printed QR codes should point at the public https address.",
                id="certificates.W002",
            )
        )
    return problems
