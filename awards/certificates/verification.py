"""One answer to "is this certificate genuine and in force?", by number, by QR URL or by PDF file.

The verify page, the public API and the ``verify_certificate`` command all call these functions, so
the three cannot disagree. Each outcome is plain and distinct (DESIGN section 5). The live status is
read on every call through ``lookup``, whose cache is voided by every change of a certificate or a
key (no stale answer), so a revocation shows at once.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from awards.certificates.lookup import WELL_FORMED, lookup
from awards.certificates.models import Certificate, CertificateFile, CertificateStatus, SigningKey, SigningKeyStatus
from awards.certificates.signing import Payload, b64url_decode, public_key_from_text, verify_signature

NUMBER_RE = WELL_FORMED
UPLOAD_MAX_BYTES = 5 * 1024 * 1024


class Outcome(models.TextChoices):
    VALID = "valid", _("Valid")
    FORGED = "forged_signature", _("Not valid: the signature is forged")
    UNKNOWN_KEY = "unknown_key", _("Not valid: signed by a key the registry never published")
    WITHDRAWN_KEY = "withdrawn_key", _("Not valid: signed by a withdrawn (compromised) key")
    UNKNOWN_NUMBER = "unknown_number", _("Not valid: no certificate has this number")
    MISMATCH = "payload_mismatch", _("Not valid: the signed details do not match the record")
    REVOKED = "revoked", _("Not valid: revoked")
    SUSPENDED = "suspended", _("Not valid: suspended")
    CANCELLED = "cancelled", _("Not valid: cancelled")
    EXPIRED = "expired", _("Not valid: expired")
    UNKNOWN_FILE = "unknown_file", _("Not valid: this file was not issued by the registry")
    COULD_NOT_CHECK = "could_not_check", _("Could not check")


STATUS_OUTCOME = {
    CertificateStatus.VALID: Outcome.VALID,
    CertificateStatus.SUSPENDED: Outcome.SUSPENDED,
    CertificateStatus.REVOKED: Outcome.REVOKED,
    CertificateStatus.CANCELLED: Outcome.CANCELLED,
    CertificateStatus.EXPIRED: Outcome.EXPIRED,
}

EXPLANATIONS = {
    Outcome.VALID: _("The certificate is genuine and in force."),
    Outcome.FORGED: _("The signature does not belong to these details: the code was altered or forged."),
    Outcome.UNKNOWN_KEY: _("The code names a signing key that the registry has never published."),
    Outcome.WITHDRAWN_KEY: _(
        "The key that signed this code was withdrawn after a compromise; ask the holder for a reissued certificate."
    ),
    Outcome.UNKNOWN_NUMBER: _("The registry has no certificate with this number."),
    Outcome.MISMATCH: _(
        "The code is signed, but its details differ from the registry's record (an outdated or altered copy)."
    ),
    Outcome.REVOKED: _("The certificate was revoked."),
    Outcome.SUSPENDED: _("The certificate is suspended."),
    Outcome.CANCELLED: _("The certificate was cancelled."),
    Outcome.EXPIRED: _("The certificate's validity has ended."),
    Outcome.UNKNOWN_FILE: _(
        "No issued certificate file has exactly this content: it was altered, or it is not the registry's file."
    ),
    Outcome.COULD_NOT_CHECK: _("The input is not a certificate number, code or PDF the registry can read."),
}


@dataclass
class Verdict:
    outcome: Outcome
    certificate: Certificate | None = None
    payload: Payload | None = None
    signature_checked: bool = False  # the Ed25519 signature was verified against a published key
    key: SigningKey | None = None
    file: CertificateFile | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return self.outcome == Outcome.VALID

    @property
    def explanation(self) -> str:
        return str(EXPLANATIONS[self.outcome])

    def as_public_dict(self) -> dict[str, Any]:
        """What the API answers: public fields only."""
        cert = self.certificate
        return {
            "outcome": self.outcome.value,
            "valid": self.is_valid,
            "label": str(self.outcome.label),
            "explanation": self.explanation,
            "notes": [str(n) for n in self.notes],
            "signature_checked": self.signature_checked,
            "key_id": self.key.key_id if self.key else (self.payload.key_id if self.payload else None),
            "signed_payload": self.payload.as_public_dict() if self.payload else None,
            "certificate": public_certificate(cert) if cert else None,
            "file": {
                "version": self.file.version,
                "issued_at": self.file.created_at.isoformat(),
                "sha256": self.file.sha256,
            }
            if self.file
            else None,
        }


def public_certificate(cert: Certificate) -> dict[str, Any]:
    status = cert.effective_status
    return {
        "number": cert.number,
        "programme": cert.programme.name_zh,
        "programme_en": cert.programme.name_en,
        "holder": cert.holder_name,
        "uscc": cert.holder_uscc,
        "subject": cert.subject_name,
        "issued_on": cert.issued_on.isoformat(),
        "valid_until": cert.valid_until.isoformat(),
        "status": status,
        "status_label": str(CertificateStatus(status).label),
        "suspended_until": cert.suspended_until.isoformat() if status == CertificateStatus.SUSPENDED else None,
        "reason": cert.status_reason if status in (CertificateStatus.REVOKED, CertificateStatus.SUSPENDED) else "",
        "version": cert.version,
    }


def normalise_number(number: str) -> str:
    return (number or "").strip().upper()


def _live(cert: Certificate) -> Outcome:
    return STATUS_OUTCOME[CertificateStatus(cert.effective_status)]


def verify_number(number: str, *, tokens: Mapping[str, Any] | None = None) -> Verdict:
    """The live status of the certificate with this number (nothing is signed in a typed number).

    ``tokens``: ``lookup.token_keys(number)`` already read by the caller (see ``lookup.lookup``)."""
    number = normalise_number(number)
    if not NUMBER_RE.match(number):
        return Verdict(Outcome.COULD_NOT_CHECK, notes=[_("A certificate number looks like NMPP-2026-000123.")])
    cert = lookup(number, tokens=tokens)[0]
    if cert is None:
        return Verdict(Outcome.UNKNOWN_NUMBER)
    return Verdict(_live(cert), certificate=cert)


def _decode(p: str, s: str) -> tuple[bytes, Payload, bytes] | None:
    try:
        raw = b64url_decode(p)
        signature = b64url_decode(s)
        payload = Payload.from_bytes(raw)
    except ValueError:
        return None
    if len(signature) != 64:
        return None
    return raw, payload, signature


@functools.lru_cache(maxsize=4096)
def _signature_holds(public_text: str, raw: bytes, signature: bytes) -> bool:
    """Whether ``signature`` over ``raw`` verifies with the key ``public_text``; ValueError for a bad key.

    A pure function of its arguments, so remembered: the same QR code is checked again and again, and one
    Ed25519 verification costs more than the rest of the check (docs/benchmarks.md)."""
    return verify_signature(public_key_from_text(public_text), raw, signature)


def check_signature(
    raw: bytes, payload: Payload, signature: bytes, keys: Mapping[str, tuple[str, str]]
) -> tuple[Outcome | None, str | None]:
    """Check the signature against ``keys`` (key id -> (base64url public key, status)).

    Returns (a failing outcome or None, the key's status). Shared with the offline verifier."""
    entry = keys.get(payload.key_id)
    if entry is None:
        return Outcome.UNKNOWN_KEY, None
    public_text, status = entry
    try:
        holds = _signature_holds(public_text, raw, signature)
    except ValueError:
        return Outcome.COULD_NOT_CHECK, status
    if not holds:
        return Outcome.FORGED, status
    if status == SigningKeyStatus.WITHDRAWN:
        return Outcome.WITHDRAWN_KEY, status
    return None, status


def verify_qr(number: str, p: str, s: str, *, tokens: Mapping[str, Any] | None = None) -> Verdict:
    """Check a scanned QR URL: signature first, then the record, then the live status.

    ``tokens``: ``lookup.token_keys(number)`` already read by the caller (see ``lookup.lookup``)."""
    decoded = _decode(p or "", s or "")
    if decoded is None:
        return Verdict(Outcome.COULD_NOT_CHECK, notes=[_("The code's details or signature cannot be read.")])
    raw, payload, signature = decoded
    number = normalise_number(number)
    # The certificate and the key in one cached read; the certificate is used only once the signature holds.
    cert, key = lookup(number, payload.key_id, tokens=tokens)
    keys = {key.key_id: (key.public_key, key.status)} if key else {}
    failure, _status = check_signature(raw, payload, signature, keys)
    if failure is not None:
        # A forged code proves nothing about the record: show no certificate next to it.
        return Verdict(failure, payload=payload, key=key)
    verdict = Verdict(Outcome.VALID, payload=payload, key=key, signature_checked=True)
    if payload.number != number:
        verdict.outcome = Outcome.MISMATCH
        verdict.notes.append(_("The number in the address differs from the signed number."))
        return verdict
    if cert is None:
        verdict.outcome = Outcome.UNKNOWN_NUMBER
        return verdict
    verdict.certificate = cert
    if p != cert.payload:
        verdict.outcome = Outcome.MISMATCH
        if cert.version > 1:
            verdict.notes.append(_("The certificate was issued again since; only its latest rendering is current."))
        return verdict
    verdict.outcome = _live(cert)
    return verdict


def verify_file(upload: IO[bytes]) -> Verdict:
    """Match an uploaded PDF by its SHA-256 against every file the registry issued."""
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: upload.read(64 * 1024), b""):
        size += len(chunk)
        if size > UPLOAD_MAX_BYTES:
            return Verdict(
                Outcome.UNKNOWN_FILE, notes=[_("The file is larger than any certificate the registry issues.")]
            )
        digest.update(chunk)
    if size == 0:
        return Verdict(Outcome.COULD_NOT_CHECK, notes=[_("The file is empty.")])
    stored = CertificateFile.objects.select_related("certificate__programme").filter(sha256=digest.hexdigest()).first()
    if stored is None:
        return Verdict(Outcome.UNKNOWN_FILE)
    cert = stored.certificate
    verdict = Verdict(_live(cert), certificate=cert, file=stored)
    if stored.version != cert.version:
        verdict.outcome = Outcome.MISMATCH
        verdict.notes.append(_("This file is an earlier rendering; the certificate was issued again since."))
    return verdict


def keys_from_document(document: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """The key map of a saved /verify/keys.json document (for the offline verifier)."""
    keys = {}
    for item in document.get("keys", []) if isinstance(document, Mapping) else []:
        if isinstance(item, Mapping) and isinstance(item.get("key_id"), str):
            keys[item["key_id"]] = (str(item.get("public_key", "")), str(item.get("status", "")))
    return keys


def verify_qr_offline(
    url_number: str, p: str, s: str, *, keys: Mapping[str, tuple[str, str]], today: date | None = None
) -> Verdict:
    """What can be known without the registry: the signature, the number, the validity date."""
    decoded = _decode(p or "", s or "")
    if decoded is None:
        return Verdict(Outcome.COULD_NOT_CHECK, notes=[_("The code's details or signature cannot be read.")])
    raw, payload, signature = decoded
    failure, _status = check_signature(raw, payload, signature, keys)
    if failure is not None:
        return Verdict(failure, payload=payload)
    verdict = Verdict(Outcome.VALID, payload=payload, signature_checked=True)
    if payload.number != normalise_number(url_number):
        verdict.outcome = Outcome.MISMATCH
        verdict.notes.append(_("The number in the address differs from the signed number."))
    elif payload.valid_until < (today or timezone.localdate()).isoformat():
        verdict.outcome = Outcome.EXPIRED
    else:
        verdict.notes.append(_("Checked offline: revocation and suspension are known only to the registry."))
    return verdict


def outcomes() -> Iterable[Outcome]:
    return list(Outcome)
