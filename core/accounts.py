"""Accounts: who may hold which role, self-registration of enterprise users with an email
confirmation, password changes, and the client address that login rate limiting counts by.

Writes follow the services' habit: keyword-only arguments, one transaction, one audit event,
email after commit. Passwords never reach the audit log.
"""

from __future__ import annotations

import unicodedata
from functools import partial
from typing import Any, Literal

from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from core.audit import audit
from core.errors import DomainError
from core.models import AuditEvent, Enterprise, Industry, Region, RegionLevel, Role, User
from core.ratelimit import client_address
from core.services import enterprise_create
from core.validators import normalize_uscc

CONFIRM_SALT = "core.accounts.confirm"

# --- roles -------------------------------------------------------------------------------------


def validate_user_role(user: User) -> None:
    """An account's enterprise and jurisdiction must fit its role (called from ``User.clean``).

    Enterprise users act for one enterprise and have no jurisdiction; reviewers review in a
    jurisdiction (the whole region, or one league/city) and belong to no enterprise (conflicts of
    interest are declared per application); committee, programme office and leadership accounts
    have neither. Raises one ``ValidationError`` naming every field that does not fit.
    """
    errors: dict[str, list[ValidationError]] = {}
    # ``user.enterprise`` also sees an enterprise assigned but not saved yet (during registration).
    has_enterprise = user.enterprise_id is not None or user.enterprise is not None
    has_jurisdiction = user.jurisdiction_id is not None

    def refuse(field: str, message: Any, code: str, **params: Any) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code, params=params or None))

    role_label = Role(user.role).label if user.role in Role.values else user.role
    if user.role == Role.ENTERPRISE:
        if not has_enterprise:
            refuse("enterprise", _("An enterprise user must belong to an enterprise."), "enterprise_required")
        if has_jurisdiction:
            refuse("jurisdiction", _("An enterprise user has no jurisdiction."), "jurisdiction_not_allowed")
    elif user.role == Role.REVIEWER:
        if has_enterprise:
            refuse(
                "enterprise",
                _("A reviewer does not belong to an enterprise (conflicts of interest are declared per application)."),
                "enterprise_not_allowed",
            )
        if not has_jurisdiction:
            refuse(
                "jurisdiction",
                _("A reviewer needs a jurisdiction: the whole region or one league/city."),
                "jurisdiction_required",
            )
        elif user.jurisdiction.level not in (RegionLevel.PROVINCE, RegionLevel.PREFECTURE):
            refuse(
                "jurisdiction",
                _("A reviewer's jurisdiction must be the whole region or a league/city, not %(region)s."),
                "jurisdiction_level",
                region=user.jurisdiction.name_zh,
            )
    else:
        if has_enterprise:
            refuse(
                "enterprise",
                _("A %(role)s account does not belong to an enterprise."),
                "enterprise_not_allowed",
                role=role_label,
            )
        if has_jurisdiction:
            refuse(
                "jurisdiction",
                _("A %(role)s account has no jurisdiction."),
                "jurisdiction_not_allowed",
                role=role_label,
            )
    if errors:
        raise ValidationError(errors)


# --- the client's address (login rate limiting) ------------------------------------------------


def client_ip_address(request: HttpRequest) -> str:
    """django-axes' client address (AXES_CLIENT_IP_CALLABLE): the same rule as every rate limit."""
    return client_address(request)


# --- self-registration -------------------------------------------------------------------------


class ConfirmationError(DomainError):
    """A confirmation link that cannot be used: tampered with, or for no (longer) matching account."""

    code = "confirm_invalid"


class ConfirmationExpired(ConfirmationError):
    """A genuine link that is too old; ``email`` is the address it was sent to (to send a new one)."""

    code = "confirm_expired"

    def __init__(self, message: str, *, email: str = "") -> None:
        super().__init__(message)
        self.email = email


class ConfirmationUsed(ConfirmationError):
    status_code = 409
    code = "confirm_used"


# Where each service argument's errors come from on the models.
_ENTERPRISE_FIELDS = {"name": "enterprise_name", "uscc": "uscc", "region": "region", "industry": "industry"}
_USER_FIELDS = {"username": "username", "email": "email"}


def _collect(errors: dict[str, list], exc: ValidationError, fields: dict[str, str]) -> None:
    for field, messages in exc.update_error_dict({}).items():
        errors.setdefault(fields.get(field, NON_FIELD_ERRORS), []).extend(messages)


def _same_name(given: str, registered: str) -> bool:
    """Names match exactly, except surrounding spaces and full-width/half-width forms (（ and ()."""
    return unicodedata.normalize("NFKC", given.strip()) == unicodedata.normalize("NFKC", registered.strip())


def _events(user: User, action: str):
    return AuditEvent.objects.filter(action=action, object_type=User._meta.label_lower, object_id=str(user.pk))


@transaction.atomic
def account_register(
    *,
    username: str,
    email: str,
    password: str,
    uscc: str,
    enterprise_name: str,
    region: Region | None = None,
    industry: str = "",
    site_url: str,
    request_id: str = "",
) -> User:
    """Register an enterprise user, inactive until the emailed link is opened.

    The enterprise is found by its credit code and the name must match the registered one. An
    enterprise not yet in the registry is registered with it (county-level ``region`` and
    ``industry`` then required), through ``enterprise_create``. Raises ``ValidationError`` keyed by
    this function's argument names, with every problem found. The link (valid
    ``ACCOUNT_CONFIRM_MAX_AGE``) is emailed after commit; ``site_url`` is the scheme and host it
    starts with.
    """
    errors: dict[str, list] = {}
    uscc = normalize_uscc(uscc)
    enterprise_name = enterprise_name.strip()
    enterprise = Enterprise.objects.filter(uscc=uscc).first()
    new_enterprise: Enterprise | None = None
    if enterprise is not None:
        if not _same_name(enterprise_name, enterprise.name):
            errors["enterprise_name"] = [
                ValidationError(
                    _(
                        "This name does not match the enterprise registered under this credit code. "
                        "Enter the name exactly as it appears in the enterprise register."
                    ),
                    code="enterprise_name_mismatch",
                )
            ]
    else:
        if region is None:
            errors["region"] = [
                ValidationError(
                    _("This enterprise is not in the registry yet: choose its county-level region to register it."),
                    code="required",
                )
            ]
        if not industry:
            errors["industry"] = [
                ValidationError(
                    _("This enterprise is not in the registry yet: choose its industry to register it."),
                    code="required",
                )
            ]
        new_enterprise = Enterprise(name=enterprise_name, uscc=uscc, region=region, industry=industry or Industry.OTHER)
        try:
            new_enterprise.full_clean(exclude=[] if region is not None else ["region"])
        except ValidationError as exc:
            _collect(errors, exc, _ENTERPRISE_FIELDS)

    user = User(
        username=username.strip(),
        email=User.objects.normalize_email(email.strip()),
        role=Role.ENTERPRISE,
        is_active=False,
    )
    user.enterprise = enterprise or new_enterprise
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        _collect(errors, exc, _USER_FIELDS)
    if "username" not in errors and User.objects.filter(username__iexact=user.username).exists():
        errors["username"] = [ValidationError(_("A user with that username already exists."), code="unique")]
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        errors.setdefault("password", []).extend(exc.error_list)
    if errors:
        raise ValidationError(errors)

    user.set_password(password)
    user.enterprise = enterprise
    user.save()
    if new_enterprise is not None:
        enterprise = enterprise_create(
            actor=user,
            name=new_enterprise.name,
            uscc=new_enterprise.uscc,
            region=new_enterprise.region,
            industry=new_enterprise.industry,
            request_id=request_id,
        )
        user.enterprise = enterprise
        user.save(update_fields=["enterprise"])
    audit(
        actor=user,
        action="account.register",
        obj=user,
        after={
            "username": user.username,
            "email": user.email,
            "role": user.role,
            "is_active": user.is_active,
            "enterprise": enterprise.pk,
            "enterprise_uscc": enterprise.uscc,
            "enterprise_created": new_enterprise is not None,
        },
        request_id=request_id,
    )
    if confirmation_recipient(user):
        transaction.on_commit(partial(send_confirmation, user_pk=user.pk, site_url=site_url), robust=True)
    return user


def confirmation_recipient(user: User) -> str:
    """Who receives the confirmation link of a self-registered user.

    The credit code and the name of an enterprise are public, so they prove nothing: a user joining an
    enterprise already in the registry is confirmed by the enterprise itself, through the contact email
    on record (empty: the programme office checks and activates the account in the admin). Only the
    person who registers a new enterprise confirms their own address.
    """
    created_it = AuditEvent.objects.filter(
        action="enterprise.create", actor=user, object_type="core.enterprise", object_id=str(user.enterprise_id)
    ).exists()
    return user.email if created_it else (user.enterprise.contact_email if user.enterprise_id else "")


def _email_fingerprint(email: str) -> str:
    # The link names the address it was sent to without spelling it out (links end up in logs).
    return salted_hmac(CONFIRM_SALT, email.lower(), algorithm="sha256").hexdigest()[:16]


def confirmation_token(user: User) -> str:
    """A signed, timestamped token naming the account and (by fingerprint) the address it was sent to."""
    return signing.dumps({"u": user.pk, "e": _email_fingerprint(user.email)}, salt=CONFIRM_SALT)


def _token_user(payload: Any, *, for_update: bool = False) -> User | None:
    """The account a genuine token names, if its address is still the one the link was sent to."""
    if not isinstance(payload, dict):
        return None
    users = User.objects.select_for_update() if for_update else User.objects
    user = users.filter(pk=payload.get("u")).first()
    if user is None or not constant_time_compare(_email_fingerprint(user.email), str(payload.get("e", ""))):
        return None
    return user


def send_confirmation(*, user_pk: int, site_url: str) -> None:
    """Email a fresh confirmation link (in Chinese, then English). Runs after commit."""
    user = User.objects.select_related("enterprise").get(pk=user_pk)
    recipient = confirmation_recipient(user)
    if not recipient:
        return
    token = confirmation_token(user)
    context = {
        "user": user,
        "approval": recipient != user.email,  # the enterprise's contact approves a new user
        "enterprise": user.enterprise,
        "url": site_url.rstrip("/") + reverse("accounts:confirm", args=[token]),
        "valid_until": timezone.now() + settings.ACCOUNT_CONFIRM_MAX_AGE,
    }
    subject = "".join(render_to_string("emails/accounts/confirm_subject.txt", context).splitlines())
    body = render_to_string("emails/accounts/confirm_body.txt", context)
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient]).send()


def _confirmation_user(token: str, *, for_update: bool = False) -> User:
    try:
        payload = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.ACCOUNT_CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        # Genuine but too old: the address it was sent to may receive a new one.
        expired = _token_user(signing.loads(token, salt=CONFIRM_SALT))
        email = expired.email if expired is not None else ""
        raise ConfirmationExpired(_("This confirmation link has expired."), email=email) from None
    except signing.BadSignature:
        raise ConfirmationError(_("This confirmation link is not valid.")) from None
    user = _token_user(payload, for_update=for_update)
    if user is None:
        raise ConfirmationError(_("This confirmation link is not valid."))
    # Once only: an account that was confirmed and later deactivated by the programme office
    # stays deactivated, whatever old link is opened.
    if user.is_active or _events(user, "account.confirm").exists():
        raise ConfirmationUsed(_("This confirmation link has already been used."))
    return user


def confirmation_check(*, token: str) -> User:
    """The account a confirmation link would activate; raises ``ConfirmationError`` (or a subclass)."""
    return _confirmation_user(token)


@transaction.atomic
def account_confirm(*, token: str, request_id: str = "") -> User:
    """Activate the account of a confirmation link, once. Raises ``ConfirmationError`` (or a subclass)."""
    user = _confirmation_user(token, for_update=True)
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit(
        actor=user,
        action="account.confirm",
        obj=user,
        before={"is_active": False},
        after={"is_active": True},
        request_id=request_id,
    )
    return user


def account_confirmation_resend(*, email: str, site_url: str) -> int:
    """Send a new link to every registration at ``email`` still waiting for confirmation.

    Returns how many were sent; callers must not tell the visitor (it would say which addresses
    have accounts).
    """
    sent = 0
    for user in User.objects.filter(email__iexact=email.strip(), is_active=False, role=Role.ENTERPRISE):
        registered = _events(user, "account.register").exists()
        if registered and not _events(user, "account.confirm").exists() and confirmation_recipient(user):
            transaction.on_commit(partial(send_confirmation, user_pk=user.pk, site_url=site_url), robust=True)
            sent += 1
    return sent


# --- passwords ---------------------------------------------------------------------------------


@transaction.atomic
def account_password_set(
    *, user: User, password: str, reason: Literal["change", "reset"], request_id: str = ""
) -> User:
    """Set a user's password (after the old password or an emailed reset link proved who it is)."""
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit(actor=user, action=f"account.password_{reason}", obj=user, request_id=request_id)
    return user
