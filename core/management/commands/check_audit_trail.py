"""Recompute the audit trail's hash chain and name every event that was changed, inserted or deleted.

    manage.py check_audit_trail

Exit status 0 with the number of events and the head hash when the chain is intact (write the head
hash down somewhere else: it anchors the chain up to that point); 1 with one line per problem, each
naming the event's id and sequence number, when it is not.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from core.audit import audit_trail_check


class Command(BaseCommand):
    help = "Check that no audit event was changed, inserted or deleted (recomputes the hash chain)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the database to check")

    def handle(self, *args, **options) -> None:
        report = audit_trail_check(using=options["database"])
        if report.intact:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Audit trail intact: {report.events} events, "
                    f"head sequence {report.head_sequence}, head hash {report.head_hash}."
                )
            )
            return
        for problem in report.problems:
            self.stderr.write(str(problem))
        raise CommandError(
            f"Audit trail tampered with: {len(report.problems)} problem(s) in {report.events} events.",
            returncode=1,
        )
