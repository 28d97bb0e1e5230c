import time
import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from targets.demo import DEMO_PASSWORD, SEED, MissingReferenceData, load_demo


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal column: CJK characters take two cells."""
    cells = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - cells, 1)


class Command(BaseCommand):
    help = (
        "Load the deterministic demo data set (enterprises, brands, trademarks, certifications, zones, "
        "GI mark users, measurements) and one account per role. Idempotent; run load_reference first."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even with DEBUG off (the demo accounts share a published password).",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                _(
                    "DEBUG is off: refusing to create demo accounts with a published password. "
                    "Use --force if this really is a demonstration server."
                )
            )
        started = time.monotonic()
        try:
            result = load_demo()
        except MissingReferenceData as exc:
            raise CommandError(
                _("Reference data is missing (%(what)s): run `manage.py load_reference` before `manage.py load_demo`.")
                % {"what": exc}
            ) from exc
        elapsed = time.monotonic() - started

        self.stdout.write(
            _("Demo data (seed %(seed)s, dates relative to %(today)s), %(seconds).1f s:")
            % {"seed": SEED, "today": result.today, "seconds": elapsed}
        )
        self.stdout.write(f"  {'records':<24}{'created':>9}{'updated':>9}{'unchanged':>11}")
        for label, tally in result.tallies.items():
            self.stdout.write(f"  {label:<24}{tally.created:>9}{tally.updated:>9}{tally.unchanged:>11}")
        self.stdout.write("")
        self.stdout.write(
            _("Demo accounts (development only), password for all: %(password)s") % {"password": DEMO_PASSWORD}
        )
        self.stdout.write(f"  {'username':<22}{'role':<26}scope")
        for username, role, scope in result.accounts:
            self.stdout.write(f"  {username:<22}{_pad(role, 26)}{scope}")
        if result.certificates:
            self.stdout.write("")
            self.stdout.write(
                _("Certificates (check them at %(url)s):") % {"url": f"{settings.CERTIFICATE_VERIFY_BASE_URL}/verify/"}
            )
            for number, status, holder in result.certificates:
                self.stdout.write(f"  {number:<20}{_pad(status, 10)}{holder}")
        self.stdout.write(self.style.SUCCESS(_("Demo data loaded.")))
