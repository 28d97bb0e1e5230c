"""The second factor (multi-factor sign-in) for reviewers, committee members, programme-office staff and
every account with admin access.

After the password (``LoginView``, rate-limited by django-axes), such a user must prove a second factor
before anything else: ``RequireMFAMiddleware`` sends them to enrol an authenticator app (``setup``) or to
type a code (``verify``). django-otp keeps the devices and marks the session verified
(``request.user.is_verified()``). Two kinds of device:

- a ``TOTPDevice`` (authenticator app, six-digit codes every 30 s). Created unconfirmed when the setup
  page first shows its QR code, confirmed by the first right code; a user has at most one unconfirmed one.
- a ``StaticDevice`` with one-time backup codes for a lost phone, issued at enrolment and on request;
  each code is deleted when used.

Writes follow the services' habit: keyword-only arguments, one transaction, one audit event. Secrets
and codes never reach the audit log. A wrong code is counted by django-otp's throttling (exponential
wait, ``OTP_TOTP_THROTTLE_FACTOR``), so the failure is committed before the error is raised.

API tokens (DRF ``TokenAuthentication``) are a separate credential issued by staff in the admin for
systems, not people: the middleware never sees them (DRF authenticates in the view), so token clients
are not asked for a second factor. Session requests to the API are.
"""

from __future__ import annotations

import secrets
from base64 import b32encode
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.audit import audit
from core.errors import DomainError
from core.models import User

TOTP_DEVICE_NAME = "authenticator app"
BACKUP_DEVICE_NAME = "backup codes"
# Backup codes: no look-alike characters (0/o, 1/l/i), shown as two groups of five.
BACKUP_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
BACKUP_CODE_LENGTH = 10


# --- who needs it --------------------------------------------------------------------------------


def mfa_required(user) -> bool:
    """True for a signed-in user of an ``ACCOUNTS_MFA_ROLES`` role, or with admin access."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.role in settings.ACCOUNTS_MFA_ROLES or user.is_staff or user.is_superuser


def mfa_enrolled(user: User) -> bool:
    """Has the user a confirmed authenticator app (so the next step is verify, not setup)?"""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- errors --------------------------------------------------------------------------------------


class MFAError(DomainError):
    status_code = 400
    code = "mfa_invalid"


class MFACodeInvalid(MFAError):
    code = "mfa_code_invalid"


class MFAThrottled(MFAError):
    """Too many wrong codes in a row: ``retry_at`` is when the next one will be checked."""

    status_code = 429
    code = "mfa_throttled"

    def __init__(self, message: str, *, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at


def _throttled(device) -> MFAThrottled | None:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    retry_at = (info or {}).get("locked_until") or timezone.now()
    seconds = max(1, int((retry_at - timezone.now()).total_seconds() + 0.999))
    return MFAThrottled(
        _("Too many wrong codes in a row. Wait %(seconds)d seconds, then try again.") % {"seconds": seconds},
        retry_at=retry_at,
    )


def _wrong_code() -> MFACodeInvalid:
    return MFACodeInvalid(
        _("That code is not right. Type the current six-digit code from the app, or an unused backup code.")
    )


# --- enrolment -----------------------------------------------------------------------------------


@transaction.atomic
def mfa_pending_device(*, user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator device, created on first call and reused after: reloading the
    setup page shows the same QR code instead of piling up devices. Raises ``MFAError`` if the user is
    already enrolled (a new app then needs a reset by staff)."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # one pending device, even for two tabs
    if mfa_enrolled(user):
        raise MFAError(_("You have already set up an authenticator app."), code="mfa_enrolled")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def _backup_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [
        "".join(secrets.choice(BACKUP_CODE_ALPHABET) for _ in range(BACKUP_CODE_LENGTH))
        for _ in range(settings.ACCOUNTS_MFA_BACKUP_CODES)
    ]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return [format_backup_code(code) for code in codes]


def mfa_enrol(*, user: User, token: str, request_id: str = "") -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator device with its first code and issue backup codes.

    Returns the device (for ``django_otp.login``) and the backup codes, to be shown once. A wrong code
    confirms nothing and raises ``MFACodeInvalid`` (``MFAThrottled`` after too many).
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
        if device is None or mfa_enrolled(user):
            raise MFAError(_("Start again: open the set-up page to get a new QR code."), code="mfa_no_pending")
        if refused := _throttled(device):
            raise refused
        verified = device.verify_token(_digits(token))
        if verified:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            codes = _backup_codes_replace(user)
            audit(
                actor=user,
                action="account.mfa_enrol",
                obj=user,
                after={"device": "totp", "device_id": device.pk, "backup_codes": len(codes)},
                request_id=request_id,
            )
    # Outside the transaction: the failure counted by django-otp's throttling stays counted.
    if not verified:
        raise _wrong_code()
    return device, codes


# --- verification --------------------------------------------------------------------------------


def _digits(token: str) -> str:
    return "".join(token.split())


def normalize_backup_code(token: str) -> str:
    return "".join(ch for ch in token.lower() if ch not in " -\t")


def format_backup_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}" if len(code) == BACKUP_CODE_LENGTH else code


def mfa_verify(*, user: User, token: str, request_id: str = ""):
    """The confirmed device that accepts ``token``: the authenticator app for six digits, else the
    backup codes (a used backup code is deleted, and that is audited).

    Raises ``MFAThrottled`` while the device is waiting after wrong codes, ``MFACodeInvalid`` for a
    wrong code (the failure is counted, and audited without the code).
    """
    digits = _digits(token)
    is_totp = digits.isdigit() and len(digits) in (6, 8)
    model = TOTPDevice if is_totp else StaticDevice
    code = digits if is_totp else normalize_backup_code(token)
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
        if device is None:
            verified = False
        else:
            if refused := _throttled(device):
                raise refused
            verified = bool(code) and device.verify_token(code)
        if verified and not is_totp:
            audit(
                actor=user,
                action="account.mfa_backup_code_use",
                obj=user,
                after={"backup_codes_left": device.token_set.count()},
                request_id=request_id,
            )
        elif not verified:
            audit(
                actor=user,
                action="account.mfa_verify_fail",
                obj=user,
                after={
                    "kind": "totp" if is_totp else "backup_code",
                    "failures": getattr(device, "throttling_failure_count", 0),
                },
                request_id=request_id,
            )
    if not verified:
        raise _wrong_code()
    return device


@transaction.atomic
def mfa_backup_codes_regenerate(*, user: User, request_id: str = "") -> list[str]:
    """New backup codes for an enrolled user; the old ones stop working. Returns them, to be shown once."""
    if not mfa_enrolled(user):
        raise MFAError(_("Set up an authenticator app first."), code="mfa_not_enrolled")
    left = backup_codes_left(user)
    codes = _backup_codes_replace(user)
    audit(
        actor=user,
        action="account.mfa_backup_codes_regenerate",
        obj=user,
        before={"backup_codes_left": left},
        after={"backup_codes": len(codes)},
        request_id=request_id,
    )
    return codes


@transaction.atomic
def mfa_reset(*, actor: User, user: User, request_id: str = "") -> int:
    """Staff: remove every second-factor device of ``user`` (a lost phone and lost backup codes). The user
    enrols a new app at their next sign-in, and sessions verified with the old one must verify again.
    Returns how many devices were removed."""
    totp = TOTPDevice.objects.filter(user=user)
    static = StaticDevice.objects.filter(user=user)
    before = {"totp_devices": totp.filter(confirmed=True).count(), "backup_codes_left": backup_codes_left(user)}
    removed = totp.delete()[1].get(TOTPDevice._meta.label, 0) + static.delete()[1].get(StaticDevice._meta.label, 0)
    audit(
        actor=actor,
        action="account.mfa_reset",
        obj=user,
        before=before,
        after={"totp_devices": 0, "backup_codes_left": 0},
        request_id=request_id,
    )
    return removed


# --- the enrolment page's QR code ----------------------------------------------------------------


def secret_for_manual_entry(device: TOTPDevice) -> str:
    """The key in base32 as authenticator apps ask for it when typed in, in groups of four."""
    key = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_code_svg(text: str, *, label: str, size: int = 264, quiet: int = 4) -> SafeString:
    """``text`` as an inline SVG QR code: presentation attributes only (the site's CSP allows no inline
    style), one rectangle per horizontal run of dark modules. Encoded by the certificates' QR encoder."""
    from core.pdf import qr_code_rows  # ReportLab is imported on first use only

    rows = qr_code_rows(text, level="M")
    extent = len(rows) + 2 * quiet
    rects = []
    for y, row in enumerate(rows):
        x = 0
        while x < len(row):
            if row[x] == "1":
                end = x
                while end < len(row) and row[end] == "1":
                    end += 1
                rects.append(f'<rect x="{x + quiet}" y="{y + quiet}" width="{end - x}" height="1"/>')
                x = end
            else:
                x += 1
    # Safe: numbers and an escaped label only.
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {extent} {extent}" width="{size}" height="{size}"'
        f' role="img" aria-label="{escape(label)}" shape-rendering="crispEdges">'
        f'<rect width="{extent}" height="{extent}" fill="#fff"/><g fill="#000">{"".join(rects)}</g></svg>'
    )


# --- where to go ---------------------------------------------------------------------------------


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """``candidate`` if it is a path or URL of this site, else the landing page."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def url_with_next(url: str, next_url: str | None) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class RequireMFAMiddleware:
    """Send a signed-in user who needs the second factor and has not passed it in this session to the
    set-up page (no authenticator app yet) or the verify page, remembering where they were going.

    Only the second-factor pages, signing out and the language switch stay open to them; API requests
    get a 403 with a JSON message instead of a redirect. Place after ``OTPMiddleware``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open_paths: tuple[str, ...] | None = None

    def open_paths(self) -> tuple[str, ...]:
        if self._open_paths is None:
            self._open_paths = (
                reverse("accounts:mfa_setup"),
                reverse("accounts:mfa_verify"),
                reverse("accounts:logout"),
                reverse("admin:logout"),
                reverse("set_language"),
            )
        return self._open_paths

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if mfa_required(user) and not user.is_verified() and request.path not in self.open_paths():
            return self.refuse(request, user)
        return self.get_response(request)

    def refuse(self, request: HttpRequest, user: User) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {
                    "code": "mfa_required",
                    "detail": _(
                        "Confirm your sign-in with your authenticator app first: open the site and enter the code."
                    ),
                },
                status=403,
            )
        target = reverse("accounts:mfa_verify" if mfa_enrolled(user) else "accounts:mfa_setup")
        # Only a page can be gone back to; after a refused POST the landing page will do.
        next_url = request.get_full_path() if request.method in ("GET", "HEAD") else None
        return redirect(url_with_next(target, next_url))
