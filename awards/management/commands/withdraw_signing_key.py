"""Withdraw a compromised signing key: its signatures stop counting at once, everywhere.

    manage.py withdraw_signing_key 3f2a9c0d11ab --reason "key file leaked"

Then rotate (if it was the active key) and issue again what it signed:
    manage.py rotate_signing_key && manage.py issue_certificates --reissue --key 3f2a9c0d11ab
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from awards.certificates.models import Certificate, SigningKey, SigningKeyStatus
from core.audit import audit


class Command(BaseCommand):
    help = "Mark a signing key as withdrawn (compromised); certificates it signed then read 'withdrawn key'."

    def add_arguments(self, parser) -> None:
        parser.add_argument("key_id")
        parser.add_argument("--reason", required=True)

    def handle(self, *args, key_id: str, reason: str, **options) -> None:
        reason = reason.strip()
        if not reason:
            raise CommandError("Give the reason (--reason).")
        with transaction.atomic():
            key = SigningKey.objects.select_for_update().filter(key_id=key_id).first()
            if key is None:
                raise CommandError(f"No published key {key_id}.")
            if key.status == SigningKeyStatus.WITHDRAWN:
                raise CommandError(f"Key {key_id} is already withdrawn.")
            before = key.status
            key.status = SigningKeyStatus.WITHDRAWN
            key.withdrawn_at = timezone.now()
            key.note = reason[:300]
            key.save()
            audit(
                actor=None,
                actor_label="manage.py withdraw_signing_key",
                action="signing_key.withdraw",
                obj=key,
                before={"status": before},
                after={"status": key.status, "reason": reason},
            )
        affected = Certificate.objects.filter(key_id=key_id).count()
        self.stdout.write(f"Key {key_id} is withdrawn. {affected} certificates carry its signature.")
        if before == SigningKeyStatus.ACTIVE:
            self.stdout.write("It was the active key: run rotate_signing_key before issuing anything.")
        if affected:
            self.stdout.write(f"Issue them again: manage.py issue_certificates --reissue --key {key_id}")
