"""The operator's commands: issue due certificates (or issue again), rotate and withdraw signing keys."""

from __future__ import annotations

import datetime
import io
import stat

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from awards.certificates.models import Certificate, SigningKey, SigningKeyStatus
from awards.certificates.verification import Outcome, verify_qr
from awards.models import AwardStatus
from core.models import AuditEvent
from tests.factories_certificates import ensure_programmes, issued_certificate
from tests.factories_portal import AwardFactory, programme

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def key_file(settings, tmp_path):
    settings.CERTIFICATE_SIGNING_KEY = ""
    settings.CERTIFICATE_SIGNING_KEY_FILE = tmp_path / "keys" / "signing.pem"
    return settings.CERTIFICATE_SIGNING_KEY_FILE


def awards_without_certificates(count: int, **fields):
    ensure_programmes()
    defaults = {"granted_on": today(), "valid_until": today().replace(year=today().year + 3)}
    return [AwardFactory(application__programme=programme(), **{**defaults, **fields}) for _ in range(count)]


def test_issue_certificates_issues_every_due_award_with_a_progress_bar():
    due = awards_without_certificates(3)
    awards_without_certificates(1, valid_until=today() - datetime.timedelta(days=1))  # lapsed: not due
    revoked = awards_without_certificates(1)[0]
    revoked.status = AwardStatus.REVOKED
    revoked.save()
    out, err = run("issue_certificates", "--lang", "en")
    assert "3 certificates to issue." in out
    assert "3 done, 0 failed." in out
    assert "3/3" in err
    assert set(Certificate.objects.values_list("award_id", flat=True)) == {a.pk for a in due}
    out, _ = run("issue_certificates", "--lang", "en")
    assert "0 certificates to issue." in out


def test_issue_certificates_dry_run_changes_nothing():
    awards_without_certificates(2)
    out, _ = run("issue_certificates", "--dry-run", "--lang", "en")
    assert "2 certificates to issue." in out
    assert not Certificate.objects.exists()


def test_key_and_number_need_reissue():
    with pytest.raises(CommandError, match="--reissue"):
        run("issue_certificates", "--key", "abc", "--lang", "en")


def test_rotation_publishes_a_new_key_retires_the_old_and_old_certificates_still_verify(key_file):
    old_certificate = issued_certificate()
    old_key = old_certificate.key_id
    out, _ = run("rotate_signing_key")
    assert f"Key {old_key} is retired" in out
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    retired_files = list(key_file.parent.glob(f"*{old_key}-retired*"))
    assert len(retired_files) == 1
    statuses = dict(SigningKey.objects.values_list("key_id", "status"))
    assert statuses[old_key] == SigningKeyStatus.RETIRED
    new_key = next(k for k, s in statuses.items() if s == SigningKeyStatus.ACTIVE)
    assert new_key != old_key
    new_certificate = issued_certificate()
    assert new_certificate.key_id == new_key
    for certificate in (old_certificate, new_certificate):
        verdict = verify_qr(certificate.number, certificate.payload, certificate.signature)
        assert verdict.outcome == Outcome.VALID
    assert AuditEvent.objects.filter(action="signing_key.rotate").count() == 1


def test_rotation_with_the_key_in_the_environment_needs_an_output_file(settings):
    settings.CERTIFICATE_SIGNING_KEY = "-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----"
    with pytest.raises(CommandError, match="--out"):
        run("rotate_signing_key")


def test_rotation_never_overwrites_a_key_file(key_file, tmp_path):
    target = tmp_path / "elsewhere.pem"
    target.write_text("existing")
    with pytest.raises(CommandError, match="exists"):
        run("rotate_signing_key", "--out", str(target))
    assert target.read_text() == "existing"


def test_withdrawing_a_key_invalidates_its_signatures_until_reissued(key_file):
    certificate = issued_certificate()
    withdrawn = certificate.key_id
    out, _ = run("withdraw_signing_key", withdrawn, "--reason", "key file leaked")
    assert "1 certificates carry its signature" in out
    assert "rotate_signing_key" in out
    assert verify_qr(certificate.number, certificate.payload, certificate.signature).outcome == Outcome.WITHDRAWN_KEY
    run("rotate_signing_key")
    out, _ = run("issue_certificates", "--reissue", "--key", withdrawn, "--lang", "en", "--no-progress")
    assert "1 done, 0 failed." in out
    certificate.refresh_from_db()
    assert certificate.key_id != withdrawn and certificate.version == 2
    assert verify_qr(certificate.number, certificate.payload, certificate.signature).outcome == Outcome.VALID
    assert AuditEvent.objects.filter(action="signing_key.withdraw").count() == 1


def test_withdrawing_an_unknown_key_or_without_reason_fails():
    with pytest.raises(CommandError, match="No published key"):
        run("withdraw_signing_key", "nope", "--reason", "x")
    with pytest.raises(CommandError, match="reason"):
        run("withdraw_signing_key", "nope", "--reason", " ")
