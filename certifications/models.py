"""Product and system certifications, and demonstration zones and pilots."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Enterprise, Region, region_q
from core.validators import validate_date_order


class CertificationKind(models.TextChoices):
    ORGANIC = "organic", _("Organic product")
    GREEN_FOOD = "green_food", _("Green food")
    POLLUTION_FREE = "pollution_free", _("Pollution-free agricultural product (historical)")
    LOW_CARBON = "low_carbon", _("Low-carbon product")
    CCC = "ccc", _("China Compulsory Certification (CCC)")
    QMS = "qms", _("Quality management system")
    EMS = "ems", _("Environmental management system")
    OTHER = "other", _("Other")


# Certificate-number formats of the kinds whose format is published (see data/README.md).
CERTIFICATE_NUMBER_FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    CertificationKind.ORGANIC: (
        re.compile(r"[0-9A-Z]{3,4}OP[0-9]{2}[0-9]{5}(-[0-9]{1,3})?"),
        "certifying-body code + OP + 2-digit year + 5-digit serial, e.g. 124OP2400123",
    ),
    CertificationKind.GREEN_FOOD: (
        re.compile(r"LB-[0-9]{2}-[0-9]{11}[A-Z]|GF[0-9]{12}"),
        "LB-cc-YYMMpp#####A or GF + 6-digit county code + 2-digit year + 4-digit serial, e.g. GF150105240012",
    ),
    CertificationKind.CCC: (
        re.compile(r"[0-9]{16}"),
        "16 digits: year (4) + certifying body (2) + product class (4) + serial (6)",
    ),
}


def validate_certificate_number(kind: str, number: str) -> None:
    rule = CERTIFICATE_NUMBER_FORMATS.get(kind)
    if rule and not rule[0].fullmatch(number or ""):
        raise ValidationError(
            _("Certificate number %(number)s does not match the %(kind)s format: %(format)s."),
            code="certificate_number_format",
            params={"number": number, "kind": CertificationKind(kind).label, "format": rule[1]},
        )


class CertificationStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")  # derived from expires_on; never stored


class CertificationQuerySet(models.QuerySet):
    def in_region(self, region: Region | str) -> CertificationQuerySet:
        return self.filter(region_q(region, "region"))

    def valid_as_of(self, day: datetime.date) -> CertificationQuerySet:
        """Certificates in force on ``day``: issued, not expired, not revoked, cancelled or suspended then."""
        return self.filter(issued_on__lte=day, expires_on__gte=day).filter(
            Q(revoked_on__isnull=True) | Q(revoked_on__gt=day),
            Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=day),
            Q(suspended_on__isnull=True) | Q(suspended_on__gt=day) | Q(suspended_until__lt=day),
        )

    def with_effective_status(self, status: str, day: datetime.date | None = None) -> CertificationQuerySet:
        day = day or timezone.localdate()
        if status == CertificationStatus.EXPIRED:
            return self.filter(status=CertificationStatus.VALID, expires_on__lt=day)
        if status == CertificationStatus.VALID:
            return self.filter(status=CertificationStatus.VALID, expires_on__gte=day)
        return self.filter(status=status)


class Certification(models.Model):
    """A certificate held by an enterprise for a product or a management system."""

    kind = models.CharField(_("kind"), max_length=20, choices=CertificationKind.choices)
    certificate_number = models.CharField(_("certificate number"), max_length=40, unique=True)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="certifications", verbose_name=_("holder")
    )
    # The holder's region, kept equal to the enterprise's by database triggers (certifications/holder_region.py):
    # counting by region reads it from the certification's own index instead of joining every row.
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("holder's region"),
    )
    product = models.CharField(_("product or scope"), max_length=300)
    certifying_body = models.CharField(_("certifying body"), max_length=200)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    status = models.CharField(
        _("status"), max_length=12, choices=CertificationStatus.choices[:-1], default=CertificationStatus.VALID
    )
    suspended_on = models.DateField(_("suspended on"), null=True, blank=True)
    suspended_until = models.DateField(_("suspended until"), null=True, blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    revocation_reason = models.CharField(_("reason for revocation"), max_length=300, blank=True)
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CertificationQuerySet.as_manager()

    # The fields of the PostgreSQL search index (core.search; migration certifications.0005_list_indexes).
    search_index_fields = ("certificate_number", "product", "certifying_body")

    class Meta:
        ordering = ["-issued_on", "certificate_number"]
        indexes = [
            models.Index(fields=["kind", "status", "expires_on"]),
            # The list: its order (a page is read from the index, not sorted from a million rows; the primary
            # key as pages add it), then the filtered columns, so that finding a page's keys skips the records a
            # filter leaves out without reading them (core.pagination; e.g. the newest expired certificates come
            # after a year of valid ones); the order by expiry; the status filters (counted from the index).
            models.Index(
                fields=["-issued_on", "certificate_number", "id", "status", "expires_on", "kind", "region"],
                name="cert_list_order_idx",
            ),
            models.Index(fields=["expires_on", "id"], name="cert_expires_order_idx"),
            models.Index(fields=["status", "expires_on"], name="cert_status_idx"),
            # Counting certificates in force on many dates at once (targets.progress_counts): every dated
            # column, the holder's region and the holder, so that PostgreSQL answers from the index alone
            # (index-only scan), per region without a join. Key columns rather than INCLUDE, which SQLite
            # does not know.
            models.Index(
                fields=[
                    *("kind", "expires_on", "issued_on", "revoked_on", "cancelled_on"),
                    *("suspended_on", "suspended_until", "region", "enterprise"),
                ],
                name="cert_in_force_region_idx",
            ),
        ]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")

    def __str__(self) -> str:
        return self.certificate_number

    def save(self, *args, **kwargs) -> None:
        # The database sets the stored region whatever is written (holder_region); this keeps the instance
        # in memory in step when its enterprise is at hand.
        if self.enterprise_id and Certification.enterprise.is_cached(self):
            self.region_id = self.enterprise.region_id
        super().save(*args, **kwargs)

    @property
    def effective_status(self) -> str:
        if self.status == CertificationStatus.VALID and self.expires_on < timezone.localdate():
            return CertificationStatus.EXPIRED
        return self.status

    def get_effective_status_display(self) -> str:
        return CertificationStatus(self.effective_status).label

    def clean(self) -> None:
        errors: dict[str, ValidationError] = {}
        if self.kind and self.certificate_number:
            self.certificate_number = self.certificate_number.strip().upper()
            try:
                validate_certificate_number(self.kind, self.certificate_number)
            except ValidationError as exc:
                errors["certificate_number"] = exc
        try:
            validate_date_order(
                start=self.issued_on, end=self.expires_on, start_field="issued_on", end_field="expires_on"
            )
        except ValidationError as exc:
            errors.update(exc.error_dict)
        if self.status == CertificationStatus.REVOKED and not self.revocation_reason:
            errors["revocation_reason"] = ValidationError(
                _("A revoked certificate needs the reason for revocation."), code="required"
            )
        if self.status == CertificationStatus.SUSPENDED and not self.suspended_until:
            errors["suspended_until"] = ValidationError(
                _("A suspended certificate needs the date the suspension ends."), code="required"
            )
        if errors:
            raise ValidationError(errors)


class ZoneKind(models.TextChoices):
    ORGANIC_DEMO = "organic_demo", _("Organic product certification demonstration zone")
    EXPORT_FOOD_DEMO = "export_food_demo", _("Export food and agricultural product quality safety demonstration zone")
    EXPORT_INDUSTRIAL_DEMO = "export_industrial_demo", _("Export industrial product quality safety demonstration zone")
    QUALITY_CITY = "quality_city", _("National quality-strong city demonstration city")
    FAMOUS_BRAND_DEMO = "famous_brand_demo", _("National famous-brand creation demonstration zone")
    STANDARDIZATION_PILOT = "standardization_pilot", _("National standardization service pilot")
    AGRI_STANDARDIZATION_DEMO = "agri_standardization_demo", _("Agricultural standardization demonstration zone")


class ZoneStage(models.TextChoices):
    APPLIED = "applied", _("Applied")
    APPROVED = "approved", _("Approved to create")
    UNDER_ACCEPTANCE = "under_acceptance", _("Under acceptance")
    NAMED = "named", _("Named")
    REVOKED = "revoked", _("Revoked")


class ZoneLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    REGIONAL = "regional", _("Autonomous region")


class DemonstrationZoneQuerySet(models.QuerySet):
    def in_region(self, region: Region | str) -> DemonstrationZoneQuerySet:
        return self.filter(region_q(region))

    def named_as_of(self, day: datetime.date) -> DemonstrationZoneQuerySet:
        return self.filter(named_on__lte=day).filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=day))


class DemonstrationZone(models.Model):
    """A demonstration zone or pilot, from application to naming (or revocation)."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=ZoneKind.choices)
    level = models.CharField(_("level"), max_length=10, choices=ZoneLevel.choices, default=ZoneLevel.NATIONAL)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="zones", verbose_name=_("region"))
    lead_body = models.CharField(_("lead body"), max_length=200)
    stage = models.CharField(_("stage"), max_length=20, choices=ZoneStage.choices, default=ZoneStage.APPLIED)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    named_on = models.DateField(_("named on"), null=True, blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DemonstrationZoneQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["name", "kind"], name="zone_name_kind_unique")]
        verbose_name = _("demonstration zone")
        verbose_name_plural = _("demonstration zones")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        validate_date_order(
            start=self.applied_on,
            end=self.approved_on,
            start_field="applied_on",
            end_field="approved_on",
            allow_same_day=True,
        )
        if self.stage == ZoneStage.NAMED and not self.named_on:
            raise ValidationError(
                {"named_on": ValidationError(_("A named zone needs its naming date."), code="required")}
            )
        if self.stage == ZoneStage.REVOKED and not self.revoked_on:
            raise ValidationError(
                {"revoked_on": ValidationError(_("A revoked zone needs its revocation date."), code="required")}
            )
