"""The enterprise portal: add a brand (under cultivation) to one's own enterprise, so that it can be
put forward for recognition. The write is ``brands.services.brand_create``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from awards.permissions import enterprise_for
from awards.views_portal import add_errors
from brands.models import Brand
from brands.services import brand_create
from core.errors import DomainError


def _model_field(name: str, **kwargs) -> forms.Field:
    return Brand._meta.get_field(name).formfield(**kwargs)


class BrandAddForm(forms.Form):
    """What the enterprise says about its brand; the rules (unique name, a real picture) are the service's."""

    name = _model_field(
        "name", help_text=gettext_lazy("The brand as it appears on the products; each name once per enterprise.")
    )
    kind = _model_field("kind")
    industry = _model_field("industry")
    description = _model_field("description", widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
    # A plain file field: core.images.clean_image (in the service) gives the error, not ImageField's generic one.
    logo = forms.FileField(
        label=capfirst(Brand._meta.get_field("logo").verbose_name),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
        help_text=gettext_lazy("PNG, JPEG, GIF or WebP. The picture is re-encoded and a thumbnail is made."),
    )


@login_required
def brand_add(request: HttpRequest) -> HttpResponse:
    enterprise = enterprise_for(request.user)  # 403 for anyone but an enterprise user
    form = BrandAddForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            brand = brand_create(actor=request.user, enterprise=enterprise, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The brand “%(name)s” has been added. You can now apply for its recognition.") % {"name": brand.name},
            )
            return redirect("portal:home")
    return render(request, "awards/portal/brand_add.html", {"enterprise": enterprise, "form": form})
