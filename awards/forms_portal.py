"""Forms of the enterprise portal. They collect input; the rules are in the services."""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from awards.attachments import IMAGE_EXTENSIONS
from awards.models import Application, AwardProgramme, SubjectKind
from awards.workflow import FINAL_STATES
from brands.models import Brand, BrandStatus
from core.models import Enterprise
from geo_indications.models import GIMarkUser, GIMarkUserStatus, GIProduct, GIStatus

MAX_FILES = 10
ACCEPT = ",".join([".pdf", *sorted(IMAGE_EXTENSIONS), "application/pdf", "image/*"])


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked by content in the service, not here."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        files = [super(MultipleFileField, self).clean(f, initial) for f in files if f]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(
                _("Attach at most %(max)d files at a time."), code="too_many_files", params={"max": MAX_FILES}
            )
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return files


def _files_field() -> MultipleFileField:
    return MultipleFileField(
        label=_("Attachments"),
        help_text=_("PDF files or pictures (PNG, JPEG, GIF, WebP); you may choose several files."),
    )


def _statement_field(initial: str = "") -> forms.CharField:
    return forms.CharField(
        label=_("Statement"),
        required=False,  # a draft may be saved without it; submitting requires it
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("What the enterprise says in support of the application. Required before submitting."),
        max_length=20000,
        initial=initial,
    )


def brands_to_recognise(enterprise: Enterprise, programme: AwardProgramme, *, today: datetime.date) -> QuerySet:
    """The enterprise's own brands that are not recognised and in force, and have no unfinished application."""
    in_force = Q(status=BrandStatus.RECOGNISED) & (Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    pending = Application.objects.filter(programme=programme).exclude(state__in=FINAL_STATES).values("brand_id")
    return (
        Brand.objects.filter(enterprise=enterprise)
        .exclude(in_force)
        .exclude(pk__in=pending.filter(brand_id__isnull=False))
        .order_by("name", "pk")
    )


def gi_products_to_use(enterprise: Enterprise, programme: AwardProgramme) -> QuerySet:
    """Protected GI products whose mark the enterprise is not yet authorised to use and has not applied for."""
    authorised = GIMarkUser.objects.filter(enterprise=enterprise, status=GIMarkUserStatus.AUTHORISED).values(
        "gi_product_id"
    )
    pending = (
        Application.objects.filter(programme=programme, enterprise=enterprise, gi_product__isnull=False)
        .exclude(state__in=FINAL_STATES)
        .values("gi_product_id")
    )
    return (
        GIProduct.objects.filter(status=GIStatus.PROTECTED)
        .exclude(pk__in=authorised)
        .exclude(pk__in=pending)
        .order_by("name_zh", "pk")
    )


class ApplicationStartForm(forms.Form):
    """A new draft: the subject the programme recognises, the statement and attachments."""

    def __init__(self, *args, enterprise: Enterprise, programme: AwardProgramme, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme
        if programme.subject_kind == SubjectKind.BRAND:
            self.fields["brand"] = forms.ModelChoiceField(
                label=_("Brand"),
                queryset=brands_to_recognise(enterprise, programme, today=today),
                empty_label=_("Choose one of your brands"),
                help_text=_("Your own brands that are not recognised at present and have no unfinished application."),
            )
        elif programme.subject_kind == SubjectKind.GI_MARK:
            self.fields["gi_product"] = forms.ModelChoiceField(
                label=_("GI product"),
                queryset=gi_products_to_use(enterprise, programme),
                empty_label=_("Choose the GI product"),
                help_text=_("Protected GI products whose special mark your enterprise is not yet authorised to use."),
            )
        self.fields["statement"] = _statement_field()
        self.fields["files"] = _files_field()

    @property
    def has_subject_choice(self) -> bool:
        return "brand" in self.fields or "gi_product" in self.fields

    @property
    def no_subject_available(self) -> bool:
        subject = self.fields.get("brand") or self.fields.get("gi_product")
        return subject is not None and not subject.queryset.exists()


class ApplicationEditForm(forms.Form):
    """Change the statement and add attachments while the application is a draft or information is requested."""

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["statement"] = _statement_field(application.statement)
        self.fields["files"] = _files_field()
        self.fields["files"].label = _("Add attachments")


class RespondForm(forms.Form):
    response = forms.CharField(
        label=_("Your answer"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        help_text=_("Attach any documents asked for with “Add attachments” before sending the answer."),
    )
