"""QR codes in every state a verifier must tell apart, for the verify page, API and command tests.

Each helper starts from a certificate issued by the real service (``issued_certificate()``) and makes
the code a forger, an outdated copy or a broken scanner would give.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from awards.certificates.models import Certificate, SigningKey, SigningKeyStatus
from awards.certificates.services import certificate_revoke, certificate_suspend
from awards.certificates.signing import Payload, b64url_decode, b64url_encode, key_id_for, qr_url, sign_payload
from tests.factories_certificates import committee_member, issued_certificate

REVOCATION_REASON = "抽检不合格，撤销认定 (failed the spot check)"
SUSPENSION_REASON = "限期整改 (to put right by the date)"
SECRET_EMAIL = "private-contact@example.cn"  # the holder's contact on record: never public


@dataclass
class QRCase:
    """One scanned code: the address's number, the payload and signature (base64url), the expected outcome,
    and text the answer must show."""

    number: str
    p: str
    s: str
    outcome: str
    shows: tuple[str, ...] = ()
    certificate: Certificate | None = None

    @property
    def path(self) -> str:
        return qr_url(self.number, self.p, self.s, base_url="")

    def url(self, base_url: str = "http://testserver") -> str:
        return qr_url(self.number, self.p, self.s, base_url=base_url)


def altered_payload(encoded: str, **changes: str) -> str:
    """The payload with some fields changed and encoded again the same way (the signature no longer fits)."""
    data = json.loads(b64url_decode(encoded))
    data.update(changes)
    return b64url_encode(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def signed_by_unpublished_key(cert: Certificate) -> tuple[str, str]:
    """The certificate's details signed by an Ed25519 key the registry never published."""
    key = Ed25519PrivateKey.generate()
    payload = Payload(
        number=cert.number,
        holder=cert.holder_name,
        uscc=cert.holder_uscc,
        subject=cert.subject_name,
        valid_until=cert.valid_until.isoformat(),
        key_id=key_id_for(key.public_key()),
    )
    raw = payload.to_bytes()
    return b64url_encode(raw), b64url_encode(key.sign(raw))


def signed_for_number(number: str, *, like: Certificate) -> tuple[str, str]:
    """A genuine signature, by the registry's active key, over details for ``number``."""
    _payload, encoded, signature = sign_payload(
        lambda key_id: Payload(
            number=number,
            holder=like.holder_name,
            uscc=like.holder_uscc,
            subject=like.subject_name,
            valid_until=like.valid_until.isoformat(),
            key_id=key_id,
        )
    )
    return encoded, signature


def unused_number(cert: Certificate) -> str:
    """A well-formed number that no certificate has (the last serial of the certificate's year)."""
    return f"{cert.prefix}-{cert.year}-999999"


def withdraw_key(key_id: str) -> None:
    SigningKey.objects.filter(key_id=key_id).update(status=SigningKeyStatus.WITHDRAWN, withdrawn_at=timezone.now())


def certificate(**fields) -> Certificate:
    """A certificate of a holder with a contact email on record (which must never be shown)."""
    return issued_certificate(contact_email=SECRET_EMAIL, **fields)


def expired_certificate() -> Certificate:
    today = timezone.localdate()
    return certificate(
        granted_on=today - datetime.timedelta(days=4 * 365), valid_until=today - datetime.timedelta(days=2)
    )


def revoke(cert: Certificate) -> Certificate:
    return certificate_revoke(actor=committee_member(), certificate=cert, reason=REVOCATION_REASON)


def suspend(cert: Certificate) -> tuple[Certificate, datetime.date]:
    until = timezone.localdate() + datetime.timedelta(days=45)
    return certificate_suspend(actor=committee_member(), certificate=cert, until=until, reason=SUSPENSION_REASON), until


def qr_case(name: str) -> QRCase:
    """The scanned code of case ``name`` (one per outcome of a QR check), made in the database."""
    cert = certificate()
    genuine = {"number": cert.number, "p": cert.payload, "s": cert.signature, "certificate": cert}
    if name == "valid":
        return QRCase(**genuine, outcome="valid", shows=(cert.holder_name,))
    if name == "forged_signature":
        return QRCase(**{**genuine, "p": altered_payload(cert.payload, h="冒名顶替有限公司")}, outcome=name)
    if name == "unknown_key":
        p, s = signed_by_unpublished_key(cert)
        return QRCase(cert.number, p, s, outcome=name, certificate=cert)
    if name == "unknown_number":
        number = unused_number(cert)
        p, s = signed_for_number(number, like=cert)
        return QRCase(number, p, s, outcome=name)
    if name == "payload_mismatch":
        other = certificate()
        return QRCase(**{**genuine, "number": other.number}, outcome=name)
    if name == "revoked":
        revoke(cert)
        return QRCase(**genuine, outcome=name, shows=(REVOCATION_REASON,))
    if name == "suspended":
        _cert, until = suspend(cert)
        return QRCase(**genuine, outcome=name, shows=(SUSPENSION_REASON, until.isoformat()))
    if name == "expired":
        old = expired_certificate()
        return QRCase(old.number, old.payload, old.signature, outcome=name, certificate=old)
    if name == "could_not_check":
        return QRCase(cert.number, "not-a-payload", "!!", outcome=name)
    if name == "withdrawn_key":
        withdraw_key(cert.key_id)
        return QRCase(**genuine, outcome=name)
    raise ValueError(name)


QR_CASES = [
    "valid",
    "forged_signature",
    "unknown_key",
    "unknown_number",
    "payload_mismatch",
    "revoked",
    "suspended",
    "expired",
    "could_not_check",
    "withdrawn_key",
]


def stored_pdf(cert: Certificate) -> bytes:
    """The bytes of the certificate's issued PDF, as stored."""
    stored = cert.files.get(version=cert.version)
    with stored.file.open("rb") as handle:
        return handle.read()


def one_byte_changed(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]
