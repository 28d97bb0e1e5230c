"""Rotate the certificate signing key: a new Ed25519 key becomes active, the old one is retired.

    manage.py rotate_signing_key                    # key-file mode: replaces CERTIFICATE_SIGNING_KEY_FILE
    manage.py rotate_signing_key --out /etc/registry/keys/signing-2027.pem

The retired key stays published in /verify/keys.json, so every certificate it signed still verifies.
The new private key is written with mode 0600 and never printed. Every app server must be given it
(docs/operations.md): a server still holding the retired key refuses to sign.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from awards.certificates.models import SigningKey, SigningKeyStatus
from awards.certificates.signing import generate_key_file, key_id_for, register_public_key
from core.audit import audit


class Command(BaseCommand):
    help = "Generate a new certificate signing key, publish it as active and retire the current one."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", help="where to write the new private key (default: CERTIFICATE_SIGNING_KEY_FILE)")

    def handle(self, *args, out: str | None, **options) -> None:
        from_env = bool(settings.CERTIFICATE_SIGNING_KEY)
        if from_env and not out:
            raise CommandError(
                "The signing key comes from CERTIFICATE_SIGNING_KEY: give --out PATH for the new key, then put "
                "it in the secret store of every app server."
            )
        target = Path(out) if out else Path(settings.CERTIFICATE_SIGNING_KEY_FILE)
        base = Path(settings.BASE_DIR).resolve()
        if out and base in target.resolve().parents and "keys" not in target.resolve().relative_to(base).parts:
            raise CommandError(
                f"Refusing to write a private key inside the checkout ({target}); use keys/ or elsewhere."
            )
        old = SigningKey.objects.filter(status=SigningKeyStatus.ACTIVE).first()
        moved = None
        if target.exists():
            if out:
                raise CommandError(f"{target} exists; choose a new file.")
            # The configured file is replaced; the old private key is set aside for the operator to destroy.
            moved = target.with_name(f"{target.stem}-{old.key_id if old else 'old'}-retired{target.suffix}")
            target.rename(moved)
        key = generate_key_file(target)
        with transaction.atomic():
            new = register_public_key(key.public_key(), note="rotate_signing_key")
            audit(
                actor=None,
                actor_label="manage.py rotate_signing_key",
                action="signing_key.rotate",
                obj=new,
                before={"active": old.key_id if old else None},
                after={"active": new.key_id},
            )
        self.stdout.write(f"New active key {key_id_for(key.public_key())} written to {target} (mode 0600).")
        if old:
            self.stdout.write(f"Key {old.key_id} is retired; it stays published and what it signed still verifies.")
        if moved:
            self.stdout.write(f"The retired private key was moved to {moved}: destroy it once you no longer need it.")
        if out or from_env:
            self.stdout.write(
                "Give the new key to every app server (CERTIFICATE_SIGNING_KEY_FILE or CERTIFICATE_SIGNING_KEY) "
                "and restart them; until then they refuse to sign."
            )
