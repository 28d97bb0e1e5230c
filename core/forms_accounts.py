"""Forms of the account pages. They check the input's shape; the services in core/accounts.py
decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from core.accounts import account_password_set
from core.models import Industry, Region, User
from core.validators import normalize_uscc, validate_uscc


def county_choices() -> list[tuple[str, Any]]:
    """County-level regions grouped under their league/city, in the active language."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for county in Region.objects.counties().select_related("parent").order_by("parent_id", "code"):
        groups.setdefault(county.parent.name, []).append((county.code, county.name))
    return [("", _("Choose a county, banner or district")), *groups.items()]


class RegistrationForm(forms.Form):
    """Self-registration of an enterprise user (and, if need be, of the enterprise)."""

    uscc = forms.CharField(
        label=_("Unified Social Credit Code"),
        validators=[validate_uscc],
        help_text=_("18 characters, as printed on the business licence."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "mono"}),
    )
    enterprise_name = forms.CharField(
        label=_("Enterprise name"),
        max_length=200,
        help_text=_("Exactly as on the business licence and in the enterprise register."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    # Every region is accepted here so that the enterprise's own rule (county level only) gives the
    # answer; the list offers counties only.
    region = forms.ModelChoiceField(
        queryset=Region.objects.all(),
        required=False,
        label=_("County-level region"),
        help_text=_("Where the enterprise is registered."),
    )
    industry = forms.ChoiceField(
        choices=[("", _("Choose an industry")), *Industry.choices],
        required=False,
        label=_("Industry"),
    )
    username = User._meta.get_field("username").formfield()
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("The confirmation link is sent to this address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Enter the same password again, to check it."),
    )

    # Service argument -> form field, for the errors the service raises.
    SERVICE_FIELDS = {"password": "password1"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = county_choices()
        # Built here, not at import, so that it is in the visitor's language.
        self.fields["password1"].help_text = password_validation.password_validators_help_text_html()
        self.fields["username"].widget.attrs["autocomplete"] = "username"

    def clean_uscc(self) -> str:
        return normalize_uscc(self.cleaned_data["uscc"])

    def clean_password2(self) -> str:
        password1 = self.cleaned_data.get("password1")
        password2 = self.cleaned_data["password2"]
        if password1 and password1 != password2:
            raise ValidationError(_("The two passwords do not match."), code="password_mismatch")
        return password2

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "uscc": data["uscc"],
            "enterprise_name": data["enterprise_name"],
            "region": data["region"],
            "industry": data["industry"],
            "username": data["username"],
            "email": data["email"],
            "password": data["password1"],
        }

    def add_service_errors(self, exc: ValidationError) -> None:
        for key, messages in exc.update_error_dict({}).items():
            field = self.SERVICE_FIELDS.get(key, key)
            self.add_error(field if field in self.fields else NON_FIELD_ERRORS, messages)


class ConfirmationResendForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("The address you registered with."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class _AuditedPasswordMixin:
    """Saves through ``account_password_set`` (one transaction, one audit event)."""

    reason: str
    user: User
    cleaned_data: dict[str, Any]

    def __init__(self, *args: Any, request_id: str = "", **kwargs: Any) -> None:
        self.request_id = request_id
        super().__init__(*args, **kwargs)

    def save(self, commit: bool = True) -> User:
        return account_password_set(
            user=self.user,
            password=self.cleaned_data["new_password1"],
            reason=self.reason,  # type: ignore[arg-type]
            request_id=self.request_id,
        )


class PasswordChangeForm(_AuditedPasswordMixin, auth_forms.PasswordChangeForm):
    reason = "change"


class SetPasswordForm(_AuditedPasswordMixin, auth_forms.SetPasswordForm):
    reason = "reset"
