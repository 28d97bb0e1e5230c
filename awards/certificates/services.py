"""Every write of a certificate: issue, reissue, suspend, reinstate, revoke, cancel.

Each function guards the current status, locks the row, stamps who and when, records a
CertificateEvent and one AuditEvent, and carries the change over to what the certificate
certifies (the award, the brand's recognition, the GI mark authorisation), all in one
transaction. Verification reads the row live, so the public answer changes at commit.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from awards.certificates.guardrail import mentions_well_known_trademark
from awards.certificates.models import (
    FINAL_STATUSES,
    Certificate,
    CertificateAction,
    CertificateEvent,
    CertificateFile,
    CertificateStatus,
)
from awards.certificates.numbering import allocate_serial
from awards.certificates.signing import Payload, sign_payload
from awards.models import Award, AwardStatus, SubjectKind
from brands.models import Brand, BrandStatus
from core.audit import audit
from core.errors import DomainError, InvalidTransition, PermissionDenied
from core.models import Role, User
from geo_indications.models import GIMarkUser, GIMarkUserStatus

REASON_MAX = 300


def _today() -> datetime.date:
    return timezone.localdate()


def _require_committee(actor: User) -> None:
    if not (actor.is_authenticated and actor.is_active and actor.role == Role.COMMITTEE):
        raise PermissionDenied(_("Only a committee member may change the status of a certificate."))


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(_("Give the reason."), code="required")})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": ValidationError(_("Keep the reason under %(max)d characters.") % {"max": REASON_MAX})}
        )
    return reason


def _locked(certificate: Certificate) -> Certificate:
    return (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("programme", "award", "enterprise")
        .get(pk=certificate.pk)
    )


def _subject(award: Award) -> tuple[str, str]:
    """What the certificate says is recognised, in Chinese and English."""
    kind = award.programme.subject_kind
    if kind == SubjectKind.BRAND and award.brand_id:
        return award.brand.name, ""
    if kind == SubjectKind.GI_MARK and award.gi_product_id:
        return award.gi_product.name_zh, award.gi_product.name_en
    return award.enterprise.name, ""


def _signed(certificate: Certificate) -> None:
    payload, encoded, signature = sign_payload(
        lambda key_id: Payload(
            number=certificate.number,
            holder=certificate.holder_name,
            uscc=certificate.holder_uscc,
            subject=certificate.subject_name,
            valid_until=certificate.valid_until.isoformat(),
            key_id=key_id,
        )
    )
    certificate.key_id = payload.key_id
    certificate.payload = encoded
    certificate.signature = signature


def _store_rendering(certificate: Certificate) -> CertificateFile:
    from awards.certificates.pdf import render_certificate_pdf

    pdf = render_certificate_pdf(certificate)
    digest = hashlib.sha256(pdf).hexdigest()
    stored = CertificateFile(
        certificate=certificate, version=certificate.version, sha256=digest, size=len(pdf), key_id=certificate.key_id
    )
    stored.file.save(f"{certificate.number}-{certificate.version}.pdf", ContentFile(pdf), save=False)
    stored.save()
    return stored


def _event(certificate: Certificate, action: CertificateAction, actor: User | None, **fields) -> None:
    CertificateEvent.objects.create(
        certificate=certificate, action=action, actor=actor if actor and actor.is_authenticated else None, **fields
    )


def _check_guardrail(award: Award, subject: str, subject_en: str) -> None:
    programme = award.programme
    if mentions_well_known_trademark(programme.name_zh, programme.name_en, subject, subject_en):
        raise DomainError(
            _("Well-known trademark (驰名商标) recognitions never get a certificate (Trademark Law art. 14)."),
            code="well_known_trademark",
        )


def certificate_issue(*, award: Award, actor: User | None = None) -> Certificate | None:
    """Issue the certificate of ``award``: number, signed payload, PDF and its hash.

    Returns None when the programme issues no certificates; an award has at most one certificate."""
    programme = award.programme
    if not programme.certificate_prefix:
        return None
    with transaction.atomic():
        if Certificate.objects.filter(award=award).exists():
            raise InvalidTransition(_("This award already has a certificate; reissue it instead."))
        subject, subject_en = _subject(award)
        _check_guardrail(award, subject, subject_en)
        issued_on = award.granted_on
        number, serial = allocate_serial(prefix=programme.certificate_prefix, year=issued_on.year)
        certificate = Certificate(
            number=number,
            prefix=programme.certificate_prefix,
            year=issued_on.year,
            serial=serial,
            programme=programme,
            award=award,
            enterprise_id=award.enterprise_id,
            holder_name=award.enterprise.name,
            holder_uscc=award.enterprise.uscc,
            subject_name=subject,
            subject_name_en=subject_en,
            issued_on=issued_on,
            valid_until=award.valid_until,
        )
        _signed(certificate)
        certificate.save()
        stored = _store_rendering(certificate)
        _event(certificate, CertificateAction.ISSUE, actor, version=certificate.version)
        audit(
            actor=actor,
            action="certificate.issue",
            obj=certificate,
            after={"number": number, "award": award.pk, "key_id": certificate.key_id, "sha256": stored.sha256},
        )
    return certificate


def award_certificate_issue(award: Award) -> Certificate | None:
    """The workflow's hook: called by ``awards.services.application_grant`` inside the grant's transaction."""
    return certificate_issue(award=award, actor=None)


def certificate_reissue(*, certificate: Certificate, actor: User | None = None, reason: str = "") -> Certificate:
    """Render and sign again with the active key and the holder's current name and credit code.

    Never for a revoked, cancelled or expired certificate: a reissue cannot bring one back. A person
    reissuing must be a committee member; ``actor=None`` is the batch command run by an operator."""
    if actor is not None:
        _require_committee(actor)
    with transaction.atomic():
        cert = _locked(certificate)
        if cert.status in FINAL_STATUSES or cert.effective_status == CertificateStatus.EXPIRED:
            raise InvalidTransition(
                _("Certificate %(number)s is %(status)s: it cannot be issued again.")
                % {"number": cert.number, "status": cert.get_effective_status_display()}
            )
        before = {"version": cert.version, "key_id": cert.key_id, "holder": cert.holder_name}
        award = cert.award
        subject, subject_en = _subject(award)
        _check_guardrail(award, subject, subject_en)
        cert.holder_name = cert.enterprise.name
        cert.holder_uscc = cert.enterprise.uscc
        cert.subject_name, cert.subject_name_en = subject, subject_en
        cert.version += 1
        _signed(cert)
        cert.save()
        stored = _store_rendering(cert)
        _event(cert, CertificateAction.REISSUE, actor, reason=(reason or "").strip()[:REASON_MAX], version=cert.version)
        audit(
            actor=actor,
            action="certificate.reissue",
            obj=cert,
            before=before,
            after={"version": cert.version, "key_id": cert.key_id, "holder": cert.holder_name, "sha256": stored.sha256},
        )
    return cert


def _recognition_follows(cert: Certificate, action: CertificateAction, reason: str) -> None:
    """Carry a status change over to what the certificate certifies."""
    today = _today()
    award = cert.award
    kind = cert.programme.subject_kind
    brands = Brand.objects.filter(pk=award.brand_id) if kind == SubjectKind.BRAND and award.brand_id else None
    gi_users = (
        GIMarkUser.objects.filter(gi_product_id=award.gi_product_id, enterprise_id=award.enterprise_id)
        if kind == SubjectKind.GI_MARK and award.gi_product_id
        else None
    )
    now = timezone.now()
    if action == CertificateAction.SUSPEND:
        if brands is not None:
            brands.update(status=BrandStatus.SUSPENDED, suspended_on=today, updated_at=now)
        if gi_users is not None:
            gi_users.update(status=GIMarkUserStatus.SUSPENDED)
    elif action == CertificateAction.REINSTATE:
        if brands is not None:
            brands.update(status=BrandStatus.RECOGNISED, suspended_on=None, updated_at=now)
        if gi_users is not None:
            gi_users.update(status=GIMarkUserStatus.AUTHORISED)
    elif action == CertificateAction.REVOKE:
        Award.objects.filter(pk=award.pk).update(status=AwardStatus.REVOKED, revoked_on=today, revocation_reason=reason)
        if brands is not None:
            brands.update(status=BrandStatus.REVOKED, revoked_on=today, updated_at=now)
        if gi_users is not None:
            gi_users.update(status=GIMarkUserStatus.REVOKED, revoked_on=today)
    elif action == CertificateAction.CANCEL:
        Award.objects.filter(pk=award.pk).update(status=AwardStatus.CANCELLED, revoked_on=None)
        if brands is not None:
            # The recognition ends today, without the penalty of a revocation.
            brands.update(status=BrandStatus.EXPIRED, valid_until=today, updated_at=now)
        if gi_users is not None:
            gi_users.update(status=GIMarkUserStatus.REVOKED, revoked_on=today)


def _change(
    *,
    actor: User,
    certificate: Certificate,
    action: CertificateAction,
    allowed_from: set[str],
    target: CertificateStatus,
    reason: str,
    fields: dict,
    until: datetime.date | None = None,
    guard: Callable[[Certificate], None] | None = None,
) -> Certificate:
    """Who, then which status, then the input: so a refusal names the most basic reason."""
    _require_committee(actor)
    with transaction.atomic():
        cert = _locked(certificate)
        if cert.status not in allowed_from:
            raise InvalidTransition(
                _("Certificate %(number)s is %(status)s: this change is not possible now.")
                % {"number": cert.number, "status": cert.get_effective_status_display()}
            )
        reason = _require_reason(reason)
        if guard:
            guard(cert)
        before = {"status": cert.status}
        cert.status = target
        cert.status_reason = reason
        for name, value in fields.items():
            setattr(cert, name, value)
        cert.save()
        _recognition_follows(cert, action, reason)
        _event(cert, action, actor, reason=reason, until=until)
        audit(
            actor=actor,
            action=f"certificate.{action}",
            obj=cert,
            before=before,
            after={"status": target.value, "reason": reason, **({"until": until.isoformat()} if until else {})},
        )
    return cert


def certificate_suspend(*, actor: User, certificate: Certificate, until: datetime.date, reason: str) -> Certificate:
    """Suspend until ``until`` (the date by which the holder must put things right)."""

    def guard(cert: Certificate) -> None:
        if cert.effective_status == CertificateStatus.EXPIRED:
            raise InvalidTransition(_("An expired certificate cannot be suspended."))
        if until is None or until <= _today():
            raise ValidationError({"until": ValidationError(_("The suspension must end after today."), code="invalid")})
        if until > cert.valid_until:
            raise ValidationError(
                {
                    "until": ValidationError(
                        _("The suspension cannot outlast the certificate's validity."), code="invalid"
                    )
                }
            )

    return _change(
        guard=guard,
        actor=actor,
        certificate=certificate,
        action=CertificateAction.SUSPEND,
        allowed_from={CertificateStatus.VALID},
        target=CertificateStatus.SUSPENDED,
        reason=reason,
        fields={"suspended_on": _today(), "suspended_until": until},
        until=until,
    )


def certificate_reinstate(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    return _change(
        actor=actor,
        certificate=certificate,
        action=CertificateAction.REINSTATE,
        allowed_from={CertificateStatus.SUSPENDED},
        target=CertificateStatus.VALID,
        reason=reason,
        fields={"suspended_on": None, "suspended_until": None},
    )


def certificate_revoke(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    return _change(
        actor=actor,
        certificate=certificate,
        action=CertificateAction.REVOKE,
        allowed_from={CertificateStatus.VALID, CertificateStatus.SUSPENDED},
        target=CertificateStatus.REVOKED,
        reason=reason,
        fields={"revoked_on": _today()},
    )


def certificate_cancel(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    """Withdraw without fault: at the holder's request, or issued in error."""
    return _change(
        actor=actor,
        certificate=certificate,
        action=CertificateAction.CANCEL,
        allowed_from={CertificateStatus.VALID, CertificateStatus.SUSPENDED},
        target=CertificateStatus.CANCELLED,
        reason=reason,
        fields={"cancelled_on": _today()},
    )
