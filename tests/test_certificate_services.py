"""Issuing and changing certificates: numbers, signatures, files, history, audit, and what follows."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import override

from awards import services as workflow
from awards.certificates import services, signing
from awards.certificates.models import (
    Certificate,
    CertificateEvent,
    CertificateFile,
    CertificateSerial,
    CertificateStatus,
    SigningKey,
    SigningKeyStatus,
)
from awards.certificates.signing import Payload, b64url_decode, public_key_from_text, verify_signature
from awards.certificates.verification import Outcome, verify_qr
from awards.models import AwardProgramme, AwardStatus
from brands.models import Brand, BrandStatus
from core.errors import DomainError, InvalidTransition, PermissionDenied
from core.models import AuditEvent, Role
from tests.factories import BrandFactory, UserFactory
from tests.factories_certificates import committee_member, ensure_programmes, issued_certificate
from tests.factories_portal import AwardFactory, programme
from tests.factories_workflow import ApplicationFactory

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def test_a_certificate_gets_the_next_number_of_its_programme_and_year():
    first = issued_certificate()
    second = issued_certificate()
    year = today().year
    assert first.number == f"NMPP-{year}-000001"
    assert second.number == f"NMPP-{year}-000002"
    assert CertificateSerial.objects.get(prefix="NMPP", year=year).last_serial == 2


def test_serials_restart_each_year_and_differ_per_programme():
    last_year = today().replace(month=1, day=15) - datetime.timedelta(days=30)
    old = issued_certificate(granted_on=last_year, valid_until=today() + datetime.timedelta(days=400))
    gi = issued_certificate(code="gi-mark-use")
    new = issued_certificate()
    assert old.number == f"NMPP-{last_year.year}-000001"
    assert gi.number == f"NMGI-{today().year}-000001"
    assert new.number == f"NMPP-{today().year}-000001"


def test_a_rolled_back_issue_gives_its_serial_back():
    ensure_programmes()
    award = AwardFactory(
        application__programme=programme(), granted_on=today(), valid_until=today().replace(year=today().year + 3)
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        services.certificate_issue(award=award)
        raise RuntimeError("the grant failed after the certificate")
    assert not Certificate.objects.exists()
    assert services.certificate_issue(award=award).serial == 1


@pytest.mark.django_db(transaction=True)
def test_the_number_is_allocated_only_inside_a_transaction():
    from awards.certificates.numbering import allocate_serial

    with pytest.raises(RuntimeError):
        allocate_serial(prefix="NMPP", year=2026)


def test_the_issued_certificate_records_its_holder_subject_dates_and_signed_payload():
    certificate = issued_certificate(name="内蒙古草原乳业有限公司")
    award = certificate.award
    assert certificate.holder_name == "内蒙古草原乳业有限公司"
    assert certificate.holder_uscc == award.enterprise.uscc
    assert certificate.subject_name == award.brand.name
    assert (certificate.issued_on, certificate.valid_until) == (award.granted_on, award.valid_until)
    payload = Payload.from_bytes(b64url_decode(certificate.payload))
    assert payload == Payload(
        number=certificate.number,
        holder="内蒙古草原乳业有限公司",
        uscc=certificate.holder_uscc,
        subject=certificate.subject_name,
        valid_until=certificate.valid_until.isoformat(),
        key_id=certificate.key_id,
    )
    key = SigningKey.objects.get(key_id=certificate.key_id)
    assert key.status == SigningKeyStatus.ACTIVE
    assert verify_signature(
        public_key_from_text(key.public_key), b64url_decode(certificate.payload), b64url_decode(certificate.signature)
    )


def test_the_issued_file_is_stored_with_its_sha256_and_the_issue_is_in_the_history_and_the_audit():
    certificate = issued_certificate()
    stored = CertificateFile.objects.get(certificate=certificate)
    data = stored.file.read()
    assert data.startswith(b"%PDF")
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.size == len(data)
    assert stored.version == 1
    assert list(certificate.events.values_list("action", flat=True)) == ["issue"]
    event = AuditEvent.objects.get(action="certificate.issue")
    assert event.object_id == str(certificate.pk)
    assert event.after["sha256"] == stored.sha256


def test_a_programme_without_prefix_issues_no_certificate():
    ensure_programmes()
    AwardProgramme.objects.filter(code="brand-recognition").update(certificate_prefix="")
    award = AwardFactory(
        application__programme=programme(), granted_on=today(), valid_until=today().replace(year=today().year + 3)
    )
    assert services.certificate_issue(award=award) is None
    assert not Certificate.objects.exists()


def test_an_award_gets_one_certificate_only():
    certificate = issued_certificate()
    with pytest.raises(InvalidTransition):
        services.certificate_issue(award=certificate.award)
    assert Certificate.objects.count() == 1


def test_granting_an_application_issues_its_certificate_in_the_same_transaction():
    ensure_programmes()
    application = ApplicationFactory(notice_over=True)
    workflow.application_grant(actor=committee_member(), application=application)
    certificate = Certificate.objects.get(award__application=application)
    assert certificate.status == CertificateStatus.VALID
    assert certificate.files.count() == 1
    assert verify_qr(certificate.number, certificate.payload, certificate.signature).outcome == Outcome.VALID


def test_a_grant_whose_certificate_fails_grants_nothing(monkeypatch):
    ensure_programmes()
    application = ApplicationFactory(notice_over=True)

    def no_key():
        raise signing.SigningKeyError("no key")

    monkeypatch.setattr(signing, "active_signer", no_key)
    with pytest.raises(DomainError):
        workflow.application_grant(actor=committee_member(), application=application)
    application.refresh_from_db()
    assert application.state == "public_notice"
    assert not Certificate.objects.exists()
    assert not AuditEvent.objects.filter(action="application.grant").exists()


# --- status changes --------------------------------------------------------------------------------


def counts() -> tuple[int, int]:
    return CertificateEvent.objects.count(), AuditEvent.objects.count()


def test_revoking_revokes_the_award_and_the_brand_with_the_reason():
    certificate = issued_certificate()
    member = committee_member()
    services.certificate_revoke(actor=member, certificate=certificate, reason="产品抽检不合格")
    certificate.refresh_from_db()
    assert (certificate.status, certificate.status_reason, certificate.revoked_on) == (
        "revoked",
        "产品抽检不合格",
        today(),
    )
    award = certificate.award
    award.refresh_from_db()
    assert (award.status, award.revocation_reason) == (AwardStatus.REVOKED, "产品抽检不合格")
    assert Brand.objects.get(pk=award.brand_id).status == BrandStatus.REVOKED
    event = certificate.events.last()
    assert (event.action, event.actor, event.reason) == ("revoke", member, "产品抽检不合格")
    audit = AuditEvent.objects.get(action="certificate.revoke")
    assert audit.before == {"status": "valid"} and audit.after["status"] == "revoked"


def test_suspending_and_reinstating_moves_the_brand_with_it():
    certificate = issued_certificate()
    member = committee_member()
    until = today() + datetime.timedelta(days=60)
    services.certificate_suspend(actor=member, certificate=certificate, until=until, reason="整改")
    certificate.refresh_from_db()
    brand = Brand.objects.get(pk=certificate.award.brand_id)
    assert (certificate.status, certificate.suspended_until) == ("suspended", until)
    assert (brand.status, brand.suspended_on) == (BrandStatus.SUSPENDED, today())
    assert verify_qr(certificate.number, certificate.payload, certificate.signature).outcome == Outcome.SUSPENDED
    services.certificate_reinstate(actor=member, certificate=certificate, reason="整改完成")
    certificate.refresh_from_db()
    brand.refresh_from_db()
    assert (certificate.status, certificate.suspended_until) == ("valid", None)
    assert (brand.status, brand.suspended_on) == (BrandStatus.RECOGNISED, None)
    assert list(certificate.events.values_list("action", flat=True)) == ["issue", "suspend", "reinstate"]


def test_cancelling_ends_the_recognition_without_a_revocation():
    certificate = issued_certificate()
    services.certificate_cancel(actor=committee_member(), certificate=certificate, reason="企业申请注销")
    certificate.refresh_from_db()
    award = certificate.award
    award.refresh_from_db()
    assert certificate.status == "cancelled"
    assert (award.status, award.revoked_on) == (AwardStatus.CANCELLED, None)
    assert Brand.objects.get(pk=award.brand_id).status == BrandStatus.EXPIRED


@pytest.mark.parametrize(
    ("until_days", "message"),
    [(0, "must end after today"), (-3, "must end after today"), (5000, "cannot outlast")],
)
def test_a_suspension_must_end_after_today_and_within_the_validity(until_days, message):
    certificate = issued_certificate()
    before = counts()
    with override("en"), pytest.raises(ValidationError, match=message):
        services.certificate_suspend(
            actor=committee_member(),
            certificate=certificate,
            until=today() + datetime.timedelta(days=until_days),
            reason="x",
        )
    certificate.refresh_from_db()
    assert certificate.status == "valid" and counts() == before


@pytest.mark.parametrize("change", ["revoke", "cancel", "reinstate"])
def test_every_status_change_needs_a_reason(change):
    certificate = issued_certificate()
    if change == "reinstate":
        until = today() + datetime.timedelta(days=30)
        services.certificate_suspend(actor=committee_member(), certificate=certificate, until=until, reason="x")
    before = counts()
    with pytest.raises(ValidationError) as error:
        getattr(services, f"certificate_{change}")(actor=committee_member(), certificate=certificate, reason="  ")
    assert error.value.error_dict["reason"][0].code == "required"
    assert counts() == before


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.REVIEWER, Role.STAFF, Role.LEADERSHIP])
def test_only_the_committee_changes_a_status(role):
    certificate = issued_certificate()
    user = UserFactory(role=role, enterprise=certificate.enterprise if role == Role.ENTERPRISE else None)
    before = counts()
    with pytest.raises(PermissionDenied):
        services.certificate_revoke(actor=user, certificate=certificate, reason="x")
    with pytest.raises(PermissionDenied):
        services.certificate_reissue(actor=user, certificate=certificate)
    certificate.refresh_from_db()
    assert certificate.status == "valid" and counts() == before


@pytest.mark.parametrize(
    ("setup", "change"),
    [
        ("revoke", "revoke"),
        ("revoke", "reinstate"),
        ("revoke", "suspend"),
        ("cancel", "revoke"),
        (None, "reinstate"),
    ],
)
def test_a_change_not_allowed_from_the_status_is_refused_and_changes_nothing(setup, change):
    certificate = issued_certificate()
    member = committee_member()
    if setup:
        getattr(services, f"certificate_{setup}")(actor=member, certificate=certificate, reason="first")
    certificate.refresh_from_db()
    status, before = certificate.status, counts()
    arguments = {"reason": "again"}
    if change == "suspend":
        arguments["until"] = today() + datetime.timedelta(days=10)
    with pytest.raises(InvalidTransition):
        getattr(services, f"certificate_{change}")(actor=member, certificate=certificate, **arguments)
    certificate.refresh_from_db()
    assert certificate.status == status and counts() == before


# --- reissue ---------------------------------------------------------------------------------------


def test_reissuing_renders_and_signs_again_and_the_old_rendering_stops_being_current():
    certificate = issued_certificate()
    old_payload, old_signature = certificate.payload, certificate.signature
    enterprise = certificate.enterprise
    enterprise.name = "内蒙古新名称有限公司"
    enterprise.save()
    services.certificate_reissue(actor=committee_member(), certificate=certificate, reason="企业更名")
    certificate.refresh_from_db()
    assert certificate.version == 2
    assert certificate.holder_name == "内蒙古新名称有限公司"
    files = list(certificate.files.order_by("version"))
    assert [f.version for f in files] == [1, 2]
    assert files[0].sha256 != files[1].sha256
    assert verify_qr(certificate.number, certificate.payload, certificate.signature).outcome == Outcome.VALID
    assert verify_qr(certificate.number, old_payload, old_signature).outcome == Outcome.MISMATCH


@pytest.mark.parametrize("final", ["revoke", "cancel"])
def test_a_revoked_or_cancelled_certificate_is_never_issued_again(final):
    certificate = issued_certificate()
    getattr(services, f"certificate_{final}")(actor=committee_member(), certificate=certificate, reason="x")
    with pytest.raises(InvalidTransition):
        services.certificate_reissue(certificate=certificate)
    assert certificate.files.count() == 1
    assert verify_qr(certificate.number, certificate.payload, certificate.signature).outcome in (
        Outcome.REVOKED,
        Outcome.CANCELLED,
    )


def test_an_expired_certificate_is_not_issued_again():
    past = today() - datetime.timedelta(days=1200)
    certificate = issued_certificate(granted_on=past, valid_until=today() - datetime.timedelta(days=1))
    assert certificate.effective_status == CertificateStatus.EXPIRED
    with pytest.raises(InvalidTransition):
        services.certificate_reissue(certificate=certificate)


# --- keys -------------------------------------------------------------------------------------------


def test_the_first_key_is_published_as_active_on_first_use():
    assert not SigningKey.objects.exists()
    certificate = issued_certificate()
    key = SigningKey.objects.get()
    assert (key.key_id, key.status) == (certificate.key_id, SigningKeyStatus.ACTIVE)
    assert signing.public_keys_document()["keys"][0]["public_key"] == key.public_key


def test_a_server_holding_a_retired_key_refuses_to_sign():
    certificate = issued_certificate()
    SigningKey.objects.filter(key_id=certificate.key_id).update(status=SigningKeyStatus.RETIRED)
    ensure_programmes()
    award = AwardFactory(
        application__programme=programme(), granted_on=today(), valid_until=today().replace(year=today().year + 3)
    )
    with pytest.raises(signing.SigningKeyError, match=certificate.key_id):
        services.certificate_issue(award=award)


def test_only_one_key_can_be_active():
    issued_certificate()
    with pytest.raises(IntegrityError), transaction.atomic():
        SigningKey.objects.create(key_id="x", public_key="y", status=SigningKeyStatus.ACTIVE)


# --- the well-known trademark guardrail ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name_zh", "name_en"),
    [("驰名商标认定", "Recognition"), ("内蒙古驰名品牌", ""), ("认定", "Well-known trademark recognition")],
)
def test_no_programme_naming_well_known_trademarks_can_issue_certificates(name_zh, name_en):
    programme_ = AwardProgramme(
        code="wk", name_zh=name_zh, name_en=name_en, subject_kind="brand", certificate_prefix="NMWK"
    )
    with pytest.raises(ValidationError) as error:
        programme_.full_clean()
    assert error.value.error_dict["certificate_prefix"][0].code == "well_known_trademark"
    with pytest.raises(IntegrityError), transaction.atomic():
        programme_.save()
    programme_.certificate_prefix = ""
    programme_.full_clean()  # recorded, without certificates: allowed
    programme_.save()


def test_a_subject_naming_a_well_known_trademark_gets_no_certificate():
    ensure_programmes()
    brand = BrandFactory(name="驰名商标草原牌")
    award = AwardFactory(
        application__programme=programme(),
        application__enterprise=brand.enterprise,
        application__brand=brand,
        granted_on=today(),
        valid_until=today().replace(year=today().year + 3),
    )
    with pytest.raises(DomainError) as error:
        services.certificate_issue(award=award)
    assert error.value.code == "well_known_trademark"
    assert not Certificate.objects.exists()


@pytest.mark.parametrize("prefix", ["nmpp", "N", "NM-P", "NMPPNMPP9", "品牌"])
def test_a_certificate_prefix_is_two_to_eight_capitals_or_digits(prefix):
    programme_ = AwardProgramme(code="x", name_zh="测试", subject_kind="brand", certificate_prefix=prefix)
    with pytest.raises(ValidationError) as error:
        programme_.full_clean()
    assert "certificate_prefix" in error.value.error_dict
