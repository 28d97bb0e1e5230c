"""Check a certificate's QR code offline: ``manage.py verify_certificate "<QR URL>" --keys keys.json``.

The key list is the JSON of /verify/keys.json, saved beforehand; nothing else is needed, and the
database is never touched. What can be known offline: whether the signature is genuine (and its key
published and not withdrawn), whether the signed number is the address's, whether the validity
has ended. A suspension or revocation is known only to the registry: the answer says so.

Exit status: 0 valid, 1 not valid, 2 could not check (an unreadable address or key list).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from awards.certificates.verification import Outcome, Verdict, keys_from_document, verify_qr_offline

EXIT_VALID, EXIT_NOT_VALID, EXIT_COULD_NOT_CHECK = 0, 1, 2
QR_PATH_RE = re.compile(r"^/v/(?P<number>[^/]+)$")  # awards.certificates.signing.QR_PATH


def parse_qr_url(url: str) -> tuple[str, str, str] | None:
    """(number, payload, signature) from a QR address, or None when it is not one."""
    parts = urlsplit(url.strip())
    match = QR_PATH_RE.match(parts.path)
    query = parse_qs(parts.query)
    if not match or len(query.get("p", [])) != 1 or len(query.get("s", [])) != 1:
        return None
    return match["number"], query["p"][0], query["s"][0]


def live_url(url: str) -> str:
    """The certificate's public page on the registry that printed the QR code."""
    parts = urlsplit(url.strip())
    number = QR_PATH_RE.match(parts.path)["number"]
    base = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    return f"{base}/verify/{number}/"


class Command(BaseCommand):
    help = "Check the signature of a certificate's QR code offline, against a saved list of the registry's keys."
    requires_system_checks: list = []  # runs anywhere, with no database

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", help="The address in the QR code: https://<host>/v/<number>?p=…&s=…")
        parser.add_argument(
            "--keys",
            required=True,
            type=Path,
            help="The registry's key list, saved from https://<host>/verify/keys.json",
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the answer as JSON.")

    def handle(self, *args, url: str, keys: Path, as_json: bool = False, **options) -> None:
        key_map = self._read_keys(keys)
        parsed = parse_qr_url(url)
        if parsed is None:
            verdict = Verdict(
                Outcome.COULD_NOT_CHECK,
                notes=[_("This is not the address of a certificate's QR code (…/v/<number>?p=…&s=…).")],
            )
        else:
            number, p, s = parsed
            verdict = verify_qr_offline(number, p, s, keys=key_map)
        self._print(verdict, as_json=as_json)
        if verdict.outcome == Outcome.VALID:
            if not as_json:
                self.stdout.write("")
                self.stdout.write(_("The live status (suspended? revoked?) is at %(url)s") % {"url": live_url(url)})
            return
        raise SystemExit(EXIT_COULD_NOT_CHECK if verdict.outcome == Outcome.COULD_NOT_CHECK else EXIT_NOT_VALID)

    def _read_keys(self, path: Path) -> dict[str, tuple[str, str]]:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(
                _("No key list at %(path)s: save it from /verify/keys.json first.") % {"path": path},
                returncode=EXIT_COULD_NOT_CHECK,
            ) from None
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise CommandError(
                _("The key list %(path)s cannot be read: %(error)s") % {"path": path, "error": exc},
                returncode=EXIT_COULD_NOT_CHECK,
            ) from None
        key_map = keys_from_document(document)
        if not key_map:
            raise CommandError(
                _("The key list %(path)s holds no key: is it the JSON of /verify/keys.json?") % {"path": path},
                returncode=EXIT_COULD_NOT_CHECK,
            )
        return key_map

    def _print(self, verdict: Verdict, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(verdict.as_public_dict(), ensure_ascii=False, indent=2))
            return
        style = self.style.SUCCESS if verdict.is_valid else self.style.ERROR
        if verdict.outcome == Outcome.COULD_NOT_CHECK:
            style = self.style.WARNING
        self.stdout.write(style(f"{verdict.outcome.label} [{verdict.outcome.value}]"))
        self.stdout.write(verdict.explanation)
        for note in verdict.notes:
            self.stdout.write(f"- {note}")
        payload = verdict.payload
        if payload is None:
            return
        heading = _("Signed details:") if verdict.signature_checked else _("Details the code claims (not signed):")
        self.stdout.write("")
        self.stdout.write(heading)
        for label, value in (
            (_("Certificate number"), payload.number),
            (_("Holder"), payload.holder),
            (_("Unified Social Credit Code"), payload.uscc),
            (_("What is recognised"), payload.subject),
            (_("Valid until"), payload.valid_until),
            (_("Signing key"), payload.key_id),
        ):
            self.stdout.write(f"  {label}: {value}")
