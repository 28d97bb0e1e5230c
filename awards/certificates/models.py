"""Certificate records. A PDF or a QR code is only a rendering of a Certificate (DESIGN section 5).

Statuses of a certificate:
- ``valid``: in force until ``valid_until``; past that day it reads as ``expired`` (derived, never stored);
- ``suspended``: the committee suspended it until ``suspended_until`` (the date by which the holder must put
  things right); it stays suspended until the committee reinstates or revokes it;
- ``revoked``: withdrawn for cause, with the reason; final;
- ``cancelled``: withdrawn without fault (at the holder's request, or issued in error); final.

Every change is made by ``awards.certificates.services`` and recorded as a CertificateEvent and an AuditEvent.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def private_storage():
    from awards.models import private_storage as storage

    return storage()


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


STORED_STATUSES = [s for s in CertificateStatus if s != CertificateStatus.EXPIRED]
FINAL_STATUSES = frozenset({CertificateStatus.REVOKED, CertificateStatus.CANCELLED})


class CertificateSerial(models.Model):
    """The last serial used for one prefix and year; locked while a number is allocated."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last_serial = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="certificate_serial_once")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last_serial}"


class SigningKeyStatus(models.TextChoices):
    ACTIVE = "active", _("Active: signs new certificates")
    RETIRED = "retired", _("Retired: still verifies what it signed")
    WITHDRAWN = "withdrawn", _("Withdrawn: compromised, its signatures no longer count")


class SigningKey(models.Model):
    """A published Ed25519 public key. The private half never enters the database."""

    key_id = models.CharField(_("key id"), max_length=16, unique=True)
    public_key = models.CharField(_("public key (base64url, raw 32 bytes)"), max_length=64, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=SigningKeyStatus.choices)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "key_id"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=Q(status="active"), name="one_active_signing_key")
        ]

    def __str__(self) -> str:
        return f"{self.key_id} ({self.get_status_display()})"


class CertificateQuerySet(models.QuerySet):
    def with_effective_status(self, status: str, day: datetime.date | None = None) -> CertificateQuerySet:
        day = day or timezone.localdate()
        if status == CertificateStatus.EXPIRED:
            return self.filter(status=CertificateStatus.VALID, valid_until__lt=day)
        if status == CertificateStatus.VALID:
            return self.filter(status=CertificateStatus.VALID, valid_until__gte=day)
        return self.filter(status=status)

    def for_display(self) -> CertificateQuerySet:
        return self.select_related("programme")


class Certificate(models.Model):
    """One certificate: a permanent number and what was true when it was issued (the holder's name and
    credit code, the subject, the dates), so that a rendering can always be reproduced and checked."""

    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    serial = models.PositiveIntegerField()
    programme = models.ForeignKey("awards.AwardProgramme", on_delete=models.PROTECT, related_name="certificates")
    award = models.OneToOneField("awards.Award", on_delete=models.PROTECT, related_name="certificate")
    enterprise = models.ForeignKey("core.Enterprise", on_delete=models.PROTECT, related_name="certificates")
    holder_name = models.CharField(_("holder"), max_length=200)
    holder_uscc = models.CharField(_("unified social credit code"), max_length=18)
    subject_name = models.CharField(_("what is recognised"), max_length=200)
    subject_name_en = models.CharField(_("what is recognised (English)"), max_length=200, blank=True)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=10, choices=[(s.value, s.label) for s in STORED_STATUSES], default="valid"
    )
    suspended_on = models.DateField(_("suspended on"), null=True, blank=True)
    suspended_until = models.DateField(_("suspended until"), null=True, blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    key_id = models.CharField(_("key id"), max_length=16)
    payload = models.CharField(_("signed payload (base64url)"), max_length=1000)
    signature = models.CharField(_("signature (base64url)"), max_length=100)
    version = models.PositiveSmallIntegerField(_("rendering"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "-number"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year", "serial"], name="certificate_serial_unique"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in STORED_STATUSES]), name="certificate_status_stored"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("certificates:verify-number", args=[self.number])

    @property
    def effective_status(self) -> str:
        if self.status == CertificateStatus.VALID and self.valid_until < timezone.localdate():
            return CertificateStatus.EXPIRED
        return self.status

    def get_effective_status_display(self) -> str:
        return CertificateStatus(self.effective_status).label


class CertificateAction(models.TextChoices):
    ISSUE = "issue", _("Issued")
    REISSUE = "reissue", _("Issued again")
    SUSPEND = "suspend", _("Suspended")
    REINSTATE = "reinstate", _("Reinstated")
    REVOKE = "revoke", _("Revoked")
    CANCEL = "cancel", _("Cancelled")


class CertificateEvent(models.Model):
    """The history of a certificate, shown on its public page (the AuditEvent keeps who and why in full)."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("what happened"), max_length=10, choices=CertificateAction.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    version = models.PositiveSmallIntegerField(_("rendering"), null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("certificate event")
        verbose_name_plural = _("certificate events")

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.action} {self.at:%Y-%m-%d}"


class CertificateFile(models.Model):
    """An issued PDF, kept with its SHA-256 so that an uploaded copy can be recognised as genuine."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="files")
    version = models.PositiveSmallIntegerField(_("rendering"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    size = models.PositiveIntegerField(_("size (bytes)"))
    key_id = models.CharField(_("key id"), max_length=16)
    file = models.FileField(upload_to="certificates/%Y/", storage=private_storage)
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)

    class Meta:
        ordering = ["certificate", "-version"]
        verbose_name = _("issued certificate file")
        verbose_name_plural = _("issued certificate files")
        constraints = [models.UniqueConstraint(fields=["certificate", "version"], name="one_file_per_rendering")]

    def __str__(self) -> str:
        return f"{self.certificate_id} v{self.version}"
