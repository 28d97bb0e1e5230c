"""Forms of the committee's certificate actions. They parse input; the rules (a reason, a suspension
that ends after today and within the validity, which status allows which action) are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from awards.certificates.models import STORED_STATUSES, CertificateStatus
from awards.certificates.services import REASON_MAX
from awards.forms_review import NoSuffix
from awards.models import AwardProgramme


class CertificateReasonForm(NoSuffix, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2}))


class CertificateSuspendForm(CertificateReasonForm):
    until = forms.DateField(label=_("Suspended until"), widget=forms.DateInput(attrs={"type": "date"}))


class CertificateReissueForm(NoSuffix, forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"), max_length=REASON_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CertificateFilterForm(NoSuffix, forms.Form):
    q = forms.CharField(label=_("Number or holder"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status"))] + [(s.value, s.label) for s in [*STORED_STATUSES, CertificateStatus.EXPIRED]],
    )
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        required=False,
        queryset=AwardProgramme.objects.exclude(certificate_prefix=""),
        empty_label=_("Any programme"),
    )
