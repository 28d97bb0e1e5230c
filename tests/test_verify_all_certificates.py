"""manage.py verify_all_certificates: every signature and every stored PDF, as after a restore."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from awards.certificates.models import Certificate, CertificateStatus, SigningKey, SigningKeyStatus
from tests.factories_certificates import issued_certificate

pytestmark = pytest.mark.django_db


def run() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_all_certificates", stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def test_every_certificate_and_file_verifies_whatever_its_status():
    issued_certificate()
    second = issued_certificate()
    Certificate.objects.filter(pk=second.pk).update(status=CertificateStatus.REVOKED)
    code, out, err = run()
    assert code == 0, err
    assert "Certificates: 2 checked, 2 with a valid signature matching the record." in out
    assert "by outcome: revoked 1, valid 1" in out
    assert "Files: 2 checked against their recorded SHA-256." in out
    assert "Every certificate and file verifies." in out
    assert err == ""


def test_no_certificates_is_not_a_problem():
    code, out, _err = run()
    assert code == 0
    assert "Certificates: 0 checked" in out


def test_a_changed_file_is_named():
    certificate = issued_certificate()
    stored = certificate.files.get()
    with open(stored.file.path, "ab") as handle:
        handle.write(b"% appended")
    code, _out, err = run()
    assert code == 1
    assert f"{certificate.number} v1: file {stored.file.name} does not match its recorded SHA-256" in err
    assert "1 problem(s)" in err


def test_a_missing_file_is_named():
    certificate = issued_certificate()
    stored = certificate.files.get()
    stored.file.storage.delete(stored.file.name)
    code, _out, err = run()
    assert code == 1
    assert f"{certificate.number} v1: file {stored.file.name} is missing" in err


def test_a_record_changed_after_signing_is_named():
    certificate = issued_certificate()
    Certificate.objects.filter(pk=certificate.pk).update(holder_name="别的公司")
    code, _out, err = run()
    assert code == 1
    assert f"{certificate.number}: signed details differ from the record (holder)" in err


def test_a_forged_signature_is_named():
    certificate = issued_certificate()
    forged = ("A" if certificate.signature[0] != "A" else "B") + certificate.signature[1:]
    Certificate.objects.filter(pk=certificate.pk).update(signature=forged)
    code, _out, err = run()
    assert code == 1
    assert f"{certificate.number}: forged_signature (" in err


def test_certificates_of_a_withdrawn_key_are_listed_for_reissue_but_do_not_fail():
    certificate = issued_certificate()
    SigningKey.objects.filter(key_id=certificate.key_id).update(status=SigningKeyStatus.WITHDRAWN)
    code, out, _err = run()
    assert code == 0
    assert f"{certificate.number}: signed by withdrawn key {certificate.key_id}" in out
    assert f"issue_certificates --reissue --key {certificate.key_id}" in out
