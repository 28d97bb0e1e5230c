"""Brands, trademarks (registered / famous / well-known) and brand value evaluations."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import BilingualNameMixin, Enterprise, Industry, Region, region_q
from core.validators import validate_date_order, validate_nice_class, validate_trademark_number
from geo_indications.models import GIProduct


class NiceClass(BilingualNameMixin, models.Model):
    """A class of the Nice classification of goods and services (1-45)."""

    number = models.PositiveSmallIntegerField(_("class"), primary_key=True, validators=[validate_nice_class])
    kind = models.CharField(_("kind"), max_length=10, choices=[("goods", _("Goods")), ("services", _("Services"))])
    name_zh = models.CharField(_("Chinese heading"), max_length=50)
    name_en = models.CharField(_("English heading"), max_length=100)
    heading_en = models.CharField(_("class heading (abridged)"), max_length=300, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("Nice class")
        verbose_name_plural = _("Nice classes")

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class BrandKind(models.TextChoices):
    PRODUCT = "product", _("Product brand")
    ENTERPRISE = "enterprise", _("Enterprise brand")
    REGIONAL = "regional", _("Regional public brand")


class BrandStatus(models.TextChoices):
    CULTIVATING = "cultivating", _("Cultivating")
    RECOGNISED = "recognised", _("Recognised")
    EXPIRED = "expired", _("Expired")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


RECOGNITION_YEARS = 3


class BrandQuerySet(models.QuerySet):
    def in_region(self, region: Region | str) -> BrandQuerySet:
        return self.filter(region_q(region))

    def recognised_as_of(self, day: datetime.date) -> BrandQuerySet:
        """Brands whose recognition was in force on ``day`` (from their own dates, so history counts too).

        A suspended brand stops counting from its ``suspended_on``; reinstating it clears the date."""
        return (
            self.filter(recognised_on__lte=day)
            .filter(
                Q(valid_until__isnull=True) | Q(valid_until__gte=day),
                Q(revoked_on__isnull=True) | Q(revoked_on__gt=day),
            )
            .exclude(status=BrandStatus.CULTIVATING)
            .exclude(status=BrandStatus.SUSPENDED, suspended_on__lte=day)
        )


class Brand(models.Model):
    """A brand under cultivation or recognised as an Inner Mongolia brand (recognition lasts 3 years).

    ``status`` is the administrative state; a recognised brand whose ``valid_until`` has passed is
    shown as expired (``effective_status``) until re-examination changes it.
    """

    name = models.CharField(_("name"), max_length=100)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="brands", verbose_name=_("owner enterprise")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=BrandKind.choices, default=BrandKind.PRODUCT)
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, default=Industry.OTHER)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="brands", verbose_name=_("region"))
    gi_product = models.ForeignKey(
        GIProduct, on_delete=models.SET_NULL, null=True, blank=True, related_name="brands", verbose_name=_("GI product")
    )
    description = models.TextField(_("description"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="brands/logos/", blank=True)
    logo_thumbnail = models.ImageField(_("logo thumbnail"), upload_to="brands/logos/", blank=True, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=BrandStatus.choices, default=BrandStatus.CULTIVATING)
    recognised_on = models.DateField(_("recognised on"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    suspended_on = models.DateField(_("suspended on"), null=True, blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BrandQuerySet.as_manager()

    # The fields of the PostgreSQL search index (core.search; migration brands.0005_list_indexes).
    search_index_fields = ("name", "description")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "name"], name="brand_enterprise_name_unique")]
        indexes = [
            models.Index(fields=["status", "recognised_on"]),
            # The list's orders (by name, the default, and by validity), so that a page is read from an index
            # rather than sorted from every row. By recognition date: brand_recognised_idx below.
            models.Index(fields=["name", "id"], name="brand_list_order_idx"),
            models.Index(fields=["valid_until", "id"], name="brand_valid_until_order_idx"),
            # Counting brands recognised on many dates at once (targets.progress_counts): every dated column,
            # the status and the region, so that PostgreSQL answers from the index alone (index-only scan).
            models.Index(
                fields=["recognised_on", "status", "valid_until", "revoked_on", "suspended_on", "region"],
                name="brand_recognised_idx",
            ),
        ]
        verbose_name = _("brand")
        verbose_name_plural = _("brands")

    def __str__(self) -> str:
        return self.name

    @property
    def effective_status(self) -> str:
        if self.status == BrandStatus.RECOGNISED and self.valid_until and self.valid_until < timezone.localdate():
            return BrandStatus.EXPIRED
        return self.status

    def get_effective_status_display(self) -> str:
        return BrandStatus(self.effective_status).label

    def clean(self) -> None:
        validate_date_order(
            start=self.recognised_on, end=self.valid_until, start_field="recognised_on", end_field="valid_until"
        )
        if self.status == BrandStatus.RECOGNISED and not self.recognised_on:
            raise ValidationError(
                {"recognised_on": ValidationError(_("A recognised brand needs its recognition date."), code="required")}
            )
        if self.status == BrandStatus.SUSPENDED and not self.suspended_on:
            raise ValidationError(
                {"suspended_on": ValidationError(_("A suspended brand needs the date of suspension."), code="required")}
            )


class TrademarkTier(models.TextChoices):
    REGISTERED = "registered", _("Registered trademark")
    FAMOUS = "famous", _("Famous trademark (provincial)")
    WELL_KNOWN = "well_known", _("Well-known trademark")


class TrademarkStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


class TrademarkQuerySet(models.QuerySet):
    def in_region(self, region: Region | str) -> TrademarkQuerySet:
        return self.filter(region_q(region))

    def tier_as_of(self, tier: str, day: datetime.date) -> TrademarkQuerySet:
        """Trademarks holding ``tier`` on ``day``: recognised by then and the recognition not lapsed."""
        return (
            self.filter(tier=tier)
            .filter(
                Q(tier_recognised_on__isnull=True) | Q(tier_recognised_on__lte=day),
                Q(tier_valid_until__isnull=True) | Q(tier_valid_until__gte=day),
            )
            .exclude(status=TrademarkStatus.CANCELLED)
        )


class Trademark(models.Model):
    """A registered trademark, with its tier if recognised as famous (著名) or well-known (驰名).

    Well-known recognitions are recorded only: the law forbids using them in advertising, so the
    registry never renders a promotional certificate for them.
    """

    registration_number = models.CharField(
        _("registration number"),
        max_length=8,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_trademark_number],
    )
    mark_text = models.CharField(_("mark text"), max_length=100)
    mark_image = models.ImageField(_("mark image"), upload_to="trademarks/", blank=True)
    nice_classes = models.ManyToManyField(NiceClass, related_name="trademarks", verbose_name=_("Nice classes"))
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="trademarks", verbose_name=_("owner")
    )
    owner_name = models.CharField(
        _("owner as published"),
        max_length=200,
        blank=True,
        help_text=_("The owner as the source names it, when the enterprise is not in the registry."),
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="trademarks", verbose_name=_("region")
    )
    brand = models.ForeignKey(
        Brand, on_delete=models.SET_NULL, null=True, blank=True, related_name="trademarks", verbose_name=_("brand")
    )
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    expires_on = models.DateField(_("registration expires on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=TrademarkStatus.choices, default=TrademarkStatus.VALID
    )
    tier = models.CharField(_("tier"), max_length=12, choices=TrademarkTier.choices, default=TrademarkTier.REGISTERED)
    tier_recognised_on = models.DateField(_("tier recognised on"), null=True, blank=True)
    tier_valid_until = models.DateField(_("tier valid until"), null=True, blank=True)
    tier_authority = models.CharField(_("recognising authority"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TrademarkQuerySet.as_manager()

    class Meta:
        ordering = ["mark_text"]
        indexes = [
            models.Index(fields=["tier", "tier_recognised_on"]),
            models.Index(fields=["mark_text", "id"], name="trademark_list_order_idx"),  # the list's order
        ]
        verbose_name = _("trademark")
        verbose_name_plural = _("trademarks")

    def __str__(self) -> str:
        return self.mark_text

    @property
    def owner_display(self) -> str:
        return self.enterprise.name if self.enterprise_id else self.owner_name

    def clean(self) -> None:
        validate_date_order(
            start=self.registered_on, end=self.expires_on, start_field="registered_on", end_field="expires_on"
        )
        validate_date_order(
            start=self.tier_recognised_on,
            end=self.tier_valid_until,
            start_field="tier_recognised_on",
            end_field="tier_valid_until",
        )


class BrandEvaluation(models.Model):
    """A brand value evaluation published by an evaluating body (e.g. a yearly brand value list)."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="evaluations", verbose_name=_("brand"))
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)])
    value_cny_10k = models.DecimalField(_("brand value (10,000 CNY)"), max_digits=14, decimal_places=2)
    evaluator = models.CharField(_("evaluating body"), max_length=200)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "brand"]
        constraints = [models.UniqueConstraint(fields=["brand", "year", "evaluator"], name="brand_evaluation_unique")]
        verbose_name = _("brand evaluation")
        verbose_name_plural = _("brand evaluations")

    def __str__(self) -> str:
        return f"{self.brand} {self.year}"
