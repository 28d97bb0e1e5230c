"""Check every certificate the registry issued, e.g. after restoring a backup (docs/operations.md).

    manage.py verify_all_certificates

For each certificate: its QR code is checked exactly as the public verify page checks it (``verify_qr``:
the Ed25519 signature against the published key, then the record), and the signed details must equal the
record (number, holder, credit code, subject, validity). For each issued PDF file: it is on disk and its
SHA-256 and size are the ones recorded when it was issued.

Prints a summary. Exit status 0 when everything verifies, 1 when any certificate or file does not (one line
per problem). Certificates signed by a withdrawn key are listed (issue them again with
``issue_certificates --reissue --key <key id>``) but are not a failure: a restore cannot cause them.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from awards.certificates.models import Certificate, CertificateFile
from awards.certificates.signing import Payload, b64url_decode
from awards.certificates.verification import STATUS_OUTCOME, Outcome, verify_qr

LIVE_OUTCOMES = frozenset(STATUS_OUTCOME.values())


def record_differences(certificate: Certificate) -> list[str]:
    """The fields whose signed value differs from the record (the payload was signed when it was issued)."""
    payload = Payload.from_bytes(b64url_decode(certificate.payload))
    pairs = {
        "number": (payload.number, certificate.number),
        "holder": (payload.holder, certificate.holder_name),
        "uscc": (payload.uscc, certificate.holder_uscc),
        "subject": (payload.subject, certificate.subject_name),
        "valid_until": (payload.valid_until, certificate.valid_until.isoformat()),
        "key_id": (payload.key_id, certificate.key_id),
    }
    return [name for name, (signed, recorded) in pairs.items() if signed != recorded]


def file_problem(stored: CertificateFile) -> str | None:
    """Why an issued file no longer is the one issued, or None."""
    digest, size = hashlib.sha256(), 0
    try:
        with stored.file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
                size += len(chunk)
    except (FileNotFoundError, ValueError):
        return f"file {stored.file.name or '(none)'} is missing"
    if digest.hexdigest() != stored.sha256:
        return f"file {stored.file.name} does not match its recorded SHA-256"
    if size != stored.size:
        return f"file {stored.file.name} is {size} bytes, {stored.size} recorded"
    return None


class Command(BaseCommand):
    help = "Check the signature and the stored PDF files of every certificate (after a restore, for instance)."

    def handle(self, *args, **options) -> None:
        problems: list[str] = []
        withdrawn: list[Certificate] = []
        outcomes: Counter[str] = Counter()
        verified = 0
        certificates = Certificate.objects.order_by("number")
        for certificate in certificates.iterator(chunk_size=500):
            verdict = verify_qr(certificate.number, certificate.payload, certificate.signature)
            outcomes[verdict.outcome] += 1
            if verdict.outcome == Outcome.WITHDRAWN_KEY:
                withdrawn.append(certificate)
            elif verdict.outcome not in LIVE_OUTCOMES or not verdict.signature_checked:
                problems.append(f"{certificate.number}: {verdict.outcome.value} ({verdict.outcome.label})")
                continue
            if differences := record_differences(certificate):
                problems.append(
                    f"{certificate.number}: signed details differ from the record ({', '.join(differences)})"
                )
            elif verdict.outcome in LIVE_OUTCOMES:
                verified += 1
        files = 0
        for stored in CertificateFile.objects.select_related("certificate").order_by("certificate__number", "version"):
            files += 1
            if problem := file_problem(stored):
                problems.append(f"{stored.certificate.number} v{stored.version}: {problem}")

        total = sum(outcomes.values())
        self.stdout.write(f"Certificates: {total} checked, {verified} with a valid signature matching the record.")
        if outcomes:
            by_status = ", ".join(f"{Outcome(o).value} {n}" for o, n in sorted(outcomes.items()))
            self.stdout.write(f"  by outcome: {by_status}")
        self.stdout.write(f"Files: {files} checked against their recorded SHA-256.")
        for certificate in withdrawn:
            self.stdout.write(
                f"  {certificate.number}: signed by withdrawn key {certificate.key_id}; "
                f"issue it again: manage.py issue_certificates --reissue --key {certificate.key_id}"
            )
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} problem(s): see above.", returncode=1)
        self.stdout.write(self.style.SUCCESS("Every certificate and file verifies."))
