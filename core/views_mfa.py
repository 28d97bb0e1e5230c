"""The second-factor pages under /accounts/mfa/: set up an authenticator app, verify a sign-in, and
replace the backup codes. Thin: a one-field form and a service from core/mfa.py. Every answer is
``never_cache`` (QR codes and backup codes must not stay in a cache)."""

from __future__ import annotations

from typing import Any

import django_otp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice

from core.forms_mfa import EnrolCodeForm, VerifyCodeForm
from core.mfa import (
    MFAError,
    MFAThrottled,
    backup_codes_left,
    mfa_backup_codes_regenerate,
    mfa_enrol,
    mfa_enrolled,
    mfa_pending_device,
    mfa_required,
    mfa_verify,
    qr_code_svg,
    safe_next,
    secret_for_manual_entry,
    url_with_next,
)
from core.views_accounts import request_id


def _next(request: HttpRequest) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"))


def _to(request: HttpRequest, name: str) -> HttpResponse:
    """Another second-factor page, keeping where the user was going."""
    return redirect(url_with_next(reverse(name), request.POST.get("next") or request.GET.get("next")))


def _signed_in_with_second_factor(request: HttpRequest, device) -> None:
    # A new session key as the session gains privileges, as at the password step.
    request.session.cycle_key()
    django_otp.login(request, device)


def _codes_page(request: HttpRequest, codes: list[str], *, next_url: str, enrolled: bool) -> HttpResponse:
    context = {"codes": codes, "next": next_url, "enrolled": enrolled}
    return render(request, "registration/mfa_backup_codes.html", context)


@never_cache
@sensitive_post_parameters("token")
@require_http_methods(["GET", "POST"])
@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the key), then type the first code: the app is confirmed, the session
    verified and the backup codes shown once."""
    user = request.user
    if not mfa_required(user):
        return redirect(_next(request))
    if mfa_enrolled(user):
        # A second app needs a reset by staff: someone who only knows the password cannot add one.
        return redirect(_next(request)) if user.is_verified() else _to(request, "accounts:mfa_verify")
    form = EnrolCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = mfa_enrol(user=user, token=form.cleaned_data["token"], request_id=request_id(request))
        except MFAError as exc:
            form.add_error("token", exc.message)
            status = 429 if isinstance(exc, MFAThrottled) else 200
        else:
            _signed_in_with_second_factor(request, device)
            return _codes_page(request, codes, next_url=_next(request), enrolled=True)
    device = mfa_pending_device(user=user)
    context: dict[str, Any] = {
        "form": form,
        "qr_svg": qr_code_svg(device.config_url, label=_("QR code to scan with your authenticator app")),
        "secret": secret_for_manual_entry(device),
        "next": _next(request),
    }
    return render(request, "registration/mfa_setup.html", context, status=status)


@never_cache
@sensitive_post_parameters("token")
@require_http_methods(["GET", "POST"])
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Type a code from the app, or a backup code (used up by this)."""
    user = request.user
    if not mfa_required(user) or user.is_verified():
        return redirect(_next(request))
    if not mfa_enrolled(user):
        return _to(request, "accounts:mfa_setup")
    form = VerifyCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = mfa_verify(user=user, token=form.cleaned_data["token"], request_id=request_id(request))
        except MFAError as exc:
            form.add_error("token", exc.message)
            status = 429 if isinstance(exc, MFAThrottled) else 200
        else:
            _signed_in_with_second_factor(request, device)
            if isinstance(device, StaticDevice):
                messages.warning(
                    request,
                    _(
                        "You signed in with a backup code; %(left)d are left. If your phone is lost, "
                        "ask the programme office to reset your second factor."
                    )
                    % {"left": device.token_set.count()},
                )
            return redirect(_next(request))
    return render(request, "registration/mfa_verify.html", {"form": form, "next": _next(request)}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def backup_codes(request: HttpRequest) -> HttpResponse:
    """How many backup codes are left; POST replaces them all with new ones, shown once."""
    user = request.user
    if not mfa_enrolled(user):
        return redirect("accounts:mfa_setup") if mfa_required(user) else redirect(_next(request))
    if not user.is_verified():
        return _to(request, "accounts:mfa_verify")
    if request.method == "POST":
        codes = mfa_backup_codes_regenerate(user=user, request_id=request_id(request))
        return _codes_page(request, codes, next_url=reverse("accounts:landing"), enrolled=False)
    return render(request, "registration/mfa_backup_codes.html", {"left": backup_codes_left(user)})
