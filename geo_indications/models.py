"""Geographic-indication (GI) products, their protected area, and authorised users of the GI special mark."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Enterprise, Region, region_q


class ProtectionType(models.TextChoices):
    GI_PRODUCT = "gi_product", _("GI-protected product")
    AGRICULTURAL_GI = "agricultural_gi", _("Agricultural-product GI")
    GI_TRADEMARK = "gi_trademark", _("GI certification or collective trademark")


class GIStatus(models.TextChoices):
    PROTECTED = "protected", _("Protected")
    REVOKED = "revoked", _("Revoked")


class GIProductQuerySet(models.QuerySet):
    def in_region(self, region: Region | str) -> GIProductQuerySet:
        return self.filter(region_q(region))

    def protected_as_of(self, day) -> GIProductQuerySet:
        """Products protected on ``day``: announced by then and not revoked by then. A record with
        only the year of protection counts from that year; one with no date at all always counts."""
        return self.filter(
            models.Q(announced_on__lte=day)
            | models.Q(announced_on__isnull=True, year__lte=day.year)
            | models.Q(announced_on__isnull=True, year__isnull=True),
            models.Q(revoked_on__isnull=True) | models.Q(revoked_on__gt=day),
        )


class GIProduct(models.Model):
    """A product protected as a geographic indication, with its protected area."""

    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    protection_type = models.CharField(_("protection type"), max_length=20, choices=ProtectionType.choices)
    category = models.CharField(_("category"), max_length=50, blank=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="gi_products", verbose_name=_("principal region")
    )
    protected_area = models.ManyToManyField(
        Region, blank=True, related_name="gi_protected_areas", verbose_name=_("protected area")
    )
    announcement_number = models.CharField(_("announcement number"), max_length=100, blank=True)
    announced_on = models.DateField(_("announced on"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year of protection"), null=True, blank=True)
    specification = models.TextField(_("quality specification"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=GIStatus.choices, default=GIStatus.PROTECTED)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GIProductQuerySet.as_manager()

    class Meta:
        ordering = ["name_zh"]
        constraints = [
            models.UniqueConstraint(fields=["name_zh", "protection_type"], name="gi_product_name_type_unique")
        ]
        verbose_name = _("GI product")
        verbose_name_plural = _("GI products")

    def __str__(self) -> str:
        return self.name_zh


class GIMarkUserStatus(models.TextChoices):
    AUTHORISED = "authorised", _("Authorised")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


class GIMarkUser(models.Model):
    """An enterprise authorised to use the GI special mark for a GI product (its USCC is printed with the mark)."""

    gi_product = models.ForeignKey(GIProduct, on_delete=models.CASCADE, related_name="mark_users")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="gi_mark_uses")
    status = models.CharField(
        _("status"), max_length=12, choices=GIMarkUserStatus.choices, default=GIMarkUserStatus.AUTHORISED
    )
    authorised_on = models.DateField(_("authorised on"), null=True, blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)

    class Meta:
        ordering = ["gi_product", "enterprise"]
        constraints = [models.UniqueConstraint(fields=["gi_product", "enterprise"], name="gi_mark_user_unique")]
        verbose_name = _("GI mark user")
        verbose_name_plural = _("GI mark users")

    def __str__(self) -> str:
        return f"{self.gi_product} - {self.enterprise}"
