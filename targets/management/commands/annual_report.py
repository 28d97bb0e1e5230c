"""Render the annual progress report and store it (one per plan and year; a second run replaces it).

    manage.py annual_report                                  # the current plan, this year, data as of today
    manage.py annual_report --plan plan-2015 --year 2025     # data as of 2025-12-31 (or today, if earlier)
    manage.py annual_report --year 2026 --as-of 2026-06-30
    manage.py annual_report --background                     # enqueue for the task worker (targets/tasks.py)

Prints where the file is, its size, its pages and its SHA-256 (with --background: the task id).
"""

from __future__ import annotations

import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from targets.models import Plan
from targets.report import ReportError, annual_report_generate


class Command(BaseCommand):
    help = "Render the annual progress report of a plan and store it for the leadership group and the office."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--plan", help="the plan's code (default: the current plan)")
        parser.add_argument("--year", type=int, help="the year reported on (default: this year)")
        parser.add_argument("--as-of", dest="as_of", help="date of the data, YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--background", action="store_true", help="enqueue for the task worker and print the task id"
        )

    def handle(
        self, *args, plan: str | None, year: int | None, as_of: str | None, background: bool = False, **options
    ) -> None:
        today = timezone.localdate()
        chosen = Plan.objects.filter(code=plan).first() if plan else Plan.objects.current()
        if chosen is None:
            raise CommandError(f"No plan with the code {plan!r}." if plan else "There is no plan yet.")
        if as_of:
            try:
                day = datetime.date.fromisoformat(as_of)
            except ValueError:
                raise CommandError(f"--as-of takes a date as YYYY-MM-DD, not {as_of!r}.") from None
        else:
            day = min(today, datetime.date(year, 12, 31)) if year else today
        year = year or day.year
        if background:
            from targets.tasks import annual_report_generate_task

            result = annual_report_generate_task.enqueue(plan=chosen.code, year=year, as_of=day.isoformat())
            self.stdout.write(f"Annual progress report {chosen.code} {year}: task {result.id} {result.status}")
            return
        started = time.perf_counter()
        try:
            report = annual_report_generate(plan=chosen, year=year, as_of=day)
        except ReportError as exc:
            raise CommandError(str(exc)) from None
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Annual progress report {chosen.code} {year} (data as of {day.isoformat()})")
        self.stdout.write(f"  file:    {report.file.path}")
        self.stdout.write(f"  size:    {report.size} bytes")
        self.stdout.write(f"  pages:   {report.pages}")
        self.stdout.write(f"  sha256:  {report.sha256}")
        self.stdout.write(f"  took:    {elapsed:.1f} s")
