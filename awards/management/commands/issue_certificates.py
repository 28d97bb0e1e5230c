"""Issue the certificates that are due, or issue existing ones again (e.g. after a key was withdrawn).

    manage.py issue_certificates                       # every award in force that has none yet
    manage.py issue_certificates --programme brand-recognition
    manage.py issue_certificates --reissue --key 3f2a9c0d11ab   # re-sign what a withdrawn key signed
    manage.py issue_certificates --reissue --number NMPP-2026-000001
    manage.py issue_certificates --background          # enqueue for the task worker (awards/tasks.py)

Each certificate is issued in its own transaction: one failure is reported and the rest go on.
Exit status 1 when any failed.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Sequence

from django.core.management.base import BaseCommand, CommandError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from tqdm import tqdm

from awards.certificates.models import Certificate, CertificateStatus
from awards.certificates.services import certificate_issue, certificate_reissue
from awards.models import Award, AwardStatus
from core.errors import DomainError


def due_awards(programme: str | None = None) -> QuerySet[Award]:
    """Awards in force that should have a certificate and have none."""
    qs = (
        Award.objects.filter(status=AwardStatus.ACTIVE, certificate__isnull=True, valid_until__gte=timezone.localdate())
        .exclude(programme__certificate_prefix="")
        .select_related("programme", "enterprise", "brand", "gi_product")
        .order_by("granted_on", "pk")
    )
    return qs.filter(programme__code=programme) if programme else qs


def reissuable_certificates(
    programme: str | None = None, key: str | None = None, numbers: Sequence[str] = ()
) -> QuerySet[Certificate]:
    """Certificates in force (valid or suspended) that may be signed and rendered again."""
    qs = Certificate.objects.filter(
        status__in=[CertificateStatus.VALID, CertificateStatus.SUSPENDED], valid_until__gte=timezone.localdate()
    ).order_by("issued_on", "number")
    if programme:
        qs = qs.filter(programme__code=programme)
    if key:
        qs = qs.filter(key_id=key)
    if numbers:
        qs = qs.filter(number__in=[n.strip().upper() for n in numbers])
    return qs


def batch_reason() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return _("batch reissue by %(user)s") % {"user": user}


def certificates_issue_batch(
    items: Sequence[Award | Certificate], *, reissue: bool, reason: str = "", step: Callable[[], None] | None = None
) -> tuple[int, list[tuple[Award | Certificate, str]]]:
    """Issue (awards) or issue again (certificates), one transaction each: (done, [(item, message), ...])."""
    done, failures = 0, []
    for item in items:
        try:
            if reissue:
                certificate_reissue(certificate=item, reason=reason)
            else:
                certificate_issue(award=item)
            done += 1
        except DomainError as exc:
            failures.append((item, str(exc.message)))
        if step is not None:
            step()
    return done, failures


class Command(BaseCommand):
    help = "Issue due certificates, or issue existing certificates again, with a progress bar."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--programme", help="only this award programme (its code)")
        parser.add_argument("--reissue", action="store_true", help="issue existing certificates again")
        parser.add_argument("--key", help="with --reissue: only certificates signed with this key id")
        parser.add_argument("--number", action="append", default=[], help="with --reissue: only this number")
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument("--lang", default="zh-hans", help="language of the messages (zh-hans or en)")
        parser.add_argument(
            "--background", action="store_true", help="enqueue for the task worker and print the task id"
        )

    def handle(self, *args, **options) -> None:
        with override(options["lang"]):
            self._handle(**options)

    def _handle(self, *, programme, reissue, key, number, dry_run, no_progress, background, **_options) -> None:
        if (key or number) and not reissue:
            raise CommandError(_("--key and --number choose certificates to issue again: add --reissue."))
        if background and not dry_run:
            self._enqueue(programme=programme, reissue=reissue, key=key, numbers=number)
            return
        items = list(reissuable_certificates(programme, key, number) if reissue else due_awards(programme))
        verb = _("to issue again") if reissue else _("to issue")
        self.stdout.write(_("%(count)d certificates %(verb)s.") % {"count": len(items), "verb": verb})
        if dry_run or not items:
            return
        with tqdm(total=len(items), unit=" certificates", file=self.stderr, disable=no_progress) as bar:
            done, failures = certificates_issue_batch(
                items, reissue=reissue, reason=batch_reason() if reissue else "", step=lambda: bar.update(1)
            )
        self.stdout.write(_("%(done)d done, %(failed)d failed.") % {"done": done, "failed": len(failures)})
        for item, message in failures:
            self.stderr.write(f"{item}: {message}")
        if failures:
            raise CommandError(_("%(failed)d certificates could not be issued.") % {"failed": len(failures)})

    def _enqueue(self, *, programme, reissue, key, numbers) -> None:
        from awards.tasks import certificates_issue_due, certificates_reissue

        if reissue:
            result = certificates_reissue.enqueue(
                programme=programme, key=key, numbers=list(numbers), reason=batch_reason()
            )
        else:
            result = certificates_issue_due.enqueue(programme=programme)
        self.stdout.write(_("Task %(id)s: %(status)s.") % {"id": result.id, "status": result.status})
