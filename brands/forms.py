"""Forms of the brands app."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from brands.models import Brand
from core.images import CleanImage, clean_image


class BrandAdminForm(forms.ModelForm):
    """The brand form of the admin: the logo goes through ``core.images.clean_image``.

    The logo field is a plain file field so that our checks (size cap first, then type by content,
    the decompression-bomb limit, re-encoding) give the error, not the form ImageField's generic one.
    The re-encoded image is what is stored, and its thumbnail fills ``logo_thumbnail``.
    """

    logo = forms.FileField(
        label=_("logo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
        help_text=_("PNG, JPEG, GIF or WebP. The picture is re-encoded and a thumbnail is made."),
    )

    class Meta:
        model = Brand
        fields = "__all__"  # noqa: DJ007 - the admin shows every field, as a plain ModelAdmin would

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.clean_logo_image: CleanImage | None = None

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if isinstance(logo, UploadedFile):
            self.clean_logo_image = clean_image(logo, name="logo")
            return self.clean_logo_image.image
        return logo

    def save(self, commit: bool = True) -> Brand:
        brand = super().save(commit=False)
        if self.clean_logo_image is not None:
            brand.logo_thumbnail = self.clean_logo_image.thumbnail
        elif self.cleaned_data.get("logo") is False:  # "clear" was ticked
            brand.logo_thumbnail = ""
        if commit:
            brand.save()
            self._save_m2m()
        return brand
