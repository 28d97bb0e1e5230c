"""Ed25519 signing of the certificate payload, and the published key list.

The payload is compact UTF-8 JSON (short keys, so that the QR code stays small):
``{"v":1,"n":number,"h":holder,"c":credit code,"s":subject,"u":valid-until,"k":key id}``. The signature
covers the exact payload bytes, so nobody has to reproduce a canonical form to check it: the QR URL
carries both, base64url without padding.

A key id is derived from the public key (the first 12 hex digits of its SHA-256), so a key file and
its published row cannot disagree. Keys are published in ``SigningKey`` (active, retired, withdrawn);
private keys come only from settings (``CERTIFICATE_SIGNING_KEY`` or ``CERTIFICATE_SIGNING_KEY_FILE``).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from awards.certificates.models import SigningKey, SigningKeyStatus
from core.errors import DomainError

PAYLOAD_VERSION = 1
PAYLOAD_FIELDS = ("v", "n", "h", "c", "s", "u", "k")
ALGORITHM = "Ed25519"


class SigningKeyError(DomainError):
    status_code = 503
    code = "signing_key_unavailable"


# --- encoding ------------------------------------------------------------------------------------


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_B64URL = re.compile(r"[A-Za-z0-9_-]+")


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding; raises ValueError on anything else."""
    if not isinstance(text, str) or not text or len(text) > 4000:
        raise ValueError("empty or oversized")
    if not _B64URL.fullmatch(text):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


def key_id_for(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:12]


def public_key_text(public_key: Ed25519PublicKey) -> str:
    return b64url_encode(public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def public_key_from_text(text: str) -> Ed25519PublicKey:
    raw = b64url_decode(text)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


# --- the payload ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payload:
    number: str
    holder: str
    uscc: str
    subject: str
    valid_until: str  # ISO date
    key_id: str
    version: int = PAYLOAD_VERSION

    def to_bytes(self) -> bytes:
        data = {
            "v": self.version,
            "n": self.number,
            "h": self.holder,
            "c": self.uscc,
            "s": self.subject,
            "u": self.valid_until,
            "k": self.key_id,
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> Payload:
        """Parse a payload; raises ValueError when it is not one."""
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError("not a payload") from exc
        if not isinstance(data, dict) or set(data) != set(PAYLOAD_FIELDS):
            raise ValueError("not a payload")
        if data["v"] != PAYLOAD_VERSION or not all(isinstance(data[f], str) for f in PAYLOAD_FIELDS[1:]):
            raise ValueError("unknown payload version")
        return cls(
            version=data["v"],
            number=data["n"],
            holder=data["h"],
            uscc=data["c"],
            subject=data["s"],
            valid_until=data["u"],
            key_id=data["k"],
        )

    def as_public_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "holder": self.holder,
            "uscc": self.uscc,
            "subject": self.subject,
            "valid_until": self.valid_until,
            "key_id": self.key_id,
            "version": self.version,
        }


# Printed on paper, so it never changes with the URL configuration (a test pins the route to it).
QR_PATH = "/v/{number}"


def qr_url(number: str, payload: str, signature: str, *, base_url: str | None = None) -> str:
    """The address printed in the QR code: ``<base>/v/<number>?p=<payload>&s=<signature>``."""
    base = (base_url or settings.CERTIFICATE_VERIFY_BASE_URL).rstrip("/")
    return f"{base}{QR_PATH.format(number=number)}?{urlencode({'p': payload, 's': signature})}"


def verify_signature(public_key: Ed25519PublicKey, payload: bytes, signature: bytes) -> bool:
    try:
        public_key.verify(signature, payload)
    except InvalidSignature:
        return False
    return True


# --- private keys --------------------------------------------------------------------------------

_lock = threading.Lock()
_cache: dict[tuple, Ed25519PrivateKey] = {}


def generate_key_file(path: Path) -> Ed25519PrivateKey:
    """Write a new private key to ``path`` (mode 0600), refusing to overwrite one."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key


def _parse_private(pem: bytes, source: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(
            _("The certificate signing key in %(source)s cannot be read.") % {"source": source}
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(_("The certificate signing key in %(source)s is not Ed25519.") % {"source": source})
    return key


def configured_private_key() -> Ed25519PrivateKey:
    """The private key from the settings (the environment first, then the key file)."""
    pem_text = settings.CERTIFICATE_SIGNING_KEY
    if pem_text:
        pem = pem_text.replace("\\n", "\n").encode("ascii")
        cache_key: tuple = ("env", hashlib.sha256(pem).hexdigest())
        source = "CERTIFICATE_SIGNING_KEY"
        with _lock:
            if cache_key not in _cache:
                _cache[cache_key] = _parse_private(pem, source)
            return _cache[cache_key]
    path = Path(settings.CERTIFICATE_SIGNING_KEY_FILE)
    with _lock:
        if not path.exists():
            if not settings.CERTIFICATE_SIGNING_KEY_GENERATE:
                raise SigningKeyError(
                    _("No certificate signing key: set CERTIFICATE_SIGNING_KEY or CERTIFICATE_SIGNING_KEY_FILE.")
                )
            with contextlib.suppress(FileExistsError):  # another process generated it first
                generate_key_file(path)
        stat = path.stat()
        cache_key = ("file", str(path), stat.st_mtime_ns, stat.st_size)
        if cache_key not in _cache:
            _cache[cache_key] = _parse_private(path.read_bytes(), str(path))
        return _cache[cache_key]


def register_public_key(public_key: Ed25519PublicKey, *, note: str = "") -> SigningKey:
    """Publish ``public_key`` as the active key; the key active until now is retired (it still verifies)."""
    key_id = key_id_for(public_key)
    with transaction.atomic():
        existing = SigningKey.objects.select_for_update().filter(key_id=key_id).first()
        if existing:
            return existing
        now = timezone.now()
        SigningKey.objects.select_for_update().filter(status=SigningKeyStatus.ACTIVE).update(
            status=SigningKeyStatus.RETIRED, retired_at=now
        )
        return SigningKey.objects.create(
            key_id=key_id, public_key=public_key_text(public_key), status=SigningKeyStatus.ACTIVE, note=note
        )


def active_signer() -> tuple[Ed25519PrivateKey, SigningKey]:
    """The configured key and its published row; a key seen for the first time is published as active.

    Refuses to sign with a key that has been retired or withdrawn: after a rotation every app server
    must be given the new key."""
    private = configured_private_key()
    key_id = key_id_for(private.public_key())
    row = SigningKey.objects.filter(key_id=key_id).first()
    if row is None:
        try:
            row = register_public_key(private.public_key(), note=_("published on first use"))
        except IntegrityError:  # another worker published it at the same moment
            row = SigningKey.objects.get(key_id=key_id)
    if row.status != SigningKeyStatus.ACTIVE:
        raise SigningKeyError(
            _(
                "The configured certificate signing key %(key_id)s is %(status)s. Give this server the active key "
                "(see docs/operations.md, key rotation)."
            )
            % {"key_id": key_id, "status": row.get_status_display()}
        )
    return private, row


def sign_payload(payload_for_key) -> tuple[Payload, str, str]:
    """Sign ``payload_for_key(key_id)`` with the active key; returns the payload and its base64url
    encoding and signature."""
    private, row = active_signer()
    payload: Payload = payload_for_key(row.key_id)
    raw = payload.to_bytes()
    return payload, b64url_encode(raw), b64url_encode(private.sign(raw))


# --- the published key list ----------------------------------------------------------------------


def public_keys_document() -> dict[str, Any]:
    """The JSON served at /verify/keys.json and read by the offline verifier."""
    return {
        "issuer": settings.CERTIFICATE_ISSUER_EN,
        "algorithm": ALGORITHM,
        "payload_version": PAYLOAD_VERSION,
        "keys": [
            {
                "key_id": key.key_id,
                "public_key": key.public_key,
                "status": key.status,
                "created_at": key.created_at.isoformat(),
                "retired_at": key.retired_at.isoformat() if key.retired_at else None,
                "withdrawn_at": key.withdrawn_at.isoformat() if key.withdrawn_at else None,
            }
            for key in SigningKey.objects.order_by("created_at", "key_id")
        ],
    }
