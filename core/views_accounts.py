"""Account pages: sign in and out, the per-role landing, passwords, self-registration and its
confirmation link, and the lock-out page of login rate limiting. The views are thin: Django's
auth views, or a form and a service from core/accounts.py."""

from __future__ import annotations

import math
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from core import ratelimit
from core.accounts import (
    ConfirmationError,
    ConfirmationExpired,
    ConfirmationUsed,
    account_confirm,
    account_confirmation_resend,
    account_register,
    confirmation_check,
)
from core.forms_accounts import ConfirmationResendForm, PasswordChangeForm, RegistrationForm, SetPasswordForm
from core.models import Role

# Where each role works. The paths are owned by the portal, the review workspace, the admin and
# the dashboard.
LANDING_PATHS = {
    Role.ENTERPRISE: "/portal/",
    Role.REVIEWER: "/review/",
    Role.COMMITTEE: "/review/",
    Role.STAFF: "/admin/",
    Role.LEADERSHIP: "/progress/",
}


def request_id(request: HttpRequest) -> str:
    return (getattr(request, "request_id", "") or request.META.get("HTTP_X_REQUEST_ID", ""))[:64]


def site_url(request: HttpRequest) -> str:
    """Scheme and host of this request (the host is checked against ALLOWED_HOSTS)."""
    return request.build_absolute_uri("/").rstrip("/")


@login_required
def landing(request: HttpRequest) -> HttpResponse:
    return redirect(LANDING_PATHS.get(request.user.role, "/"))


# --- Django's auth views with our templates, namespaced URLs and audited password writes -------


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "failure_limit": settings.AXES_FAILURE_LIMIT}


class LogoutView(auth_views.LogoutView):
    template_name = "registration/logged_out.html"


class _RequestIdFormMixin:
    request: HttpRequest

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()  # type: ignore[misc]
        kwargs["request_id"] = request_id(self.request)
        return kwargs


class PasswordChangeView(_RequestIdFormMixin, auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    success_url = reverse_lazy("accounts:password_change_done")


def email_budget_spent(request: HttpRequest) -> HttpResponse | None:
    """Count one account email for the client; a 429 page when the client has used up its budget.

    Registration, a new confirmation link and a password reset each send an email to an address the
    visitor types: limited per client address so the pages cannot be used to flood a mailbox."""
    limit, window = ratelimit.account_email_rate()
    if ratelimit.hit("account-email", ratelimit.client_address(request), limit=limit, window=window):
        return None
    response = render(request, "registration/rate_limited.html", {"minutes": max(1, window // 60)}, status=429)
    response["Retry-After"] = str(window)
    return response


class PasswordResetView(auth_views.PasswordResetView):
    email_template_name = "emails/accounts/password_reset_body.txt"
    subject_template_name = "emails/accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        return email_budget_spent(self.request) or super().form_valid(form)


class PasswordResetConfirmView(_RequestIdFormMixin, auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


# --- self-registration ------------------------------------------------------------------------


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if refused := email_budget_spent(request):
            return refused
        try:
            account_register(**form.service_arguments(), site_url=site_url(request), request_id=request_id(request))
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            return redirect("accounts:register_done")
    context = {"form": form, "confirm_days": settings.ACCOUNT_CONFIRM_MAX_AGE.days}
    return render(request, "registration/register.html", context)


def register_done(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/register_done.html")


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the link would do and a button; POST activates. (Mail scanners that open
    links must not confirm an address on their own.)"""
    try:
        if request.method == "POST":
            account_confirm(token=token, request_id=request_id(request))
            messages.success(request, _("Your email address is confirmed and your account is active. Please sign in."))
            return redirect("accounts:login")
        user = confirmation_check(token=token)
    except ConfirmationError as exc:
        context: dict[str, Any] = {"error": exc}
        if isinstance(exc, ConfirmationExpired):
            context["resend_form"] = ConfirmationResendForm(initial={"email": exc.email})
        context["expired"] = isinstance(exc, ConfirmationExpired)
        context["used"] = isinstance(exc, ConfirmationUsed)
        return render(request, "registration/confirm.html", context, status=exc.status_code)
    return render(request, "registration/confirm.html", {"account": user})


@require_http_methods(["GET", "POST"])
def confirm_resend(request: HttpRequest) -> HttpResponse:
    form = ConfirmationResendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if refused := email_budget_spent(request):
            return refused
        # The answer is the same whether or not an account waits at that address.
        account_confirmation_resend(email=form.cleaned_data["email"], site_url=site_url(request))
        return redirect("accounts:confirm_resend_done")
    return render(request, "registration/confirm_resend.html", {"form": form})


def confirm_resend_done(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/confirm_resend_done.html")


# --- login rate limiting ------------------------------------------------------------------------


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """django-axes' answer to a locked-out sign-in (AXES_LOCKOUT_CALLABLE), the admin's included.

    The lock-out ends one cool-off after the last counted failure (a refused attempt during the
    lock-out does not count: AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is off).
    """
    now = timezone.now()
    cool_off = get_cool_off(request)
    retry_at = None
    if cool_off is not None:
        latest = None
        handler = AxesProxyHandler.get_implementation()
        for attempts in getattr(handler, "get_user_attempts", lambda *args: [])(request, credentials):
            time = attempts.aggregate(latest=Max("attempt_time"))["latest"]
            if time is not None and (latest is None or time > latest):
                latest = time
        retry_at = (latest or now) + cool_off
    context = {
        "retry_at": retry_at,
        "minutes": max(1, math.ceil((retry_at - now).total_seconds() / 60)) if retry_at else None,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    return render(request, "registration/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
