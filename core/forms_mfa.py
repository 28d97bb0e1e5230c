"""Forms of the second-factor pages (core/views_mfa.py): one code each. core/mfa.py checks it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class EnrolCodeForm(forms.Form):
    """The first code of a newly scanned authenticator app."""

    token = forms.CharField(
        label=_("Six-digit code"),
        max_length=16,
        help_text=_("The code the app shows for this account now. It changes every 30 seconds."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false", "class": "mono"}
        ),
    )


class VerifyCodeForm(forms.Form):
    """A code from the authenticator app, or one backup code."""

    token = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The six-digit code from your authenticator app, or one of your backup codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "spellcheck": "false", "autofocus": True, "class": "mono"}
        ),
    )
