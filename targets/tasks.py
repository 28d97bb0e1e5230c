"""Background jobs for the registry and the plan (Django's tasks framework, settings.TASKS): the annual
progress report, and an import from a file stored in private media.

Each task calls the same function as its command (``annual_report``, ``import_registry``) and returns a
JSON summary, which the database backend keeps as the task's result.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.tasks import task

from core.importing import ImportReport, get_importer, read_table
from targets.management.commands.import_registry import import_storage
from targets.models import Plan
from targets.report import annual_report_generate


@task
def annual_report_generate_task(*, plan: str, year: int, as_of: str, generated_by: str = "") -> dict[str, Any]:
    """Render and store the annual progress report of ``plan`` (its code) for ``year``, data as of ``as_of``."""
    report = annual_report_generate(
        plan=Plan.objects.get(code=plan),
        year=year,
        as_of=datetime.date.fromisoformat(as_of),
        generated_by=generated_by or "task worker",
    )
    return {
        "plan": plan,
        "year": year,
        "as_of": as_of,
        "file": report.file.name,
        "size": report.size,
        "pages": report.pages,
        "sha256": report.sha256,
    }


def import_report_summary(report: ImportReport) -> dict[str, Any]:
    return {
        "kind": report.kind,
        "file_name": report.file_name,
        "dry_run": report.dry_run,
        "ok": report.ok,
        **report.counts(),
        "errors": [{"row": e.row, "column": e.column, "message": str(e.message)} for e in report.errors],
        "warnings": [str(w) for w in report.warnings],
    }


@task
def registry_import(
    *, kind: str, stored_name: str, file_name: str, dry_run: bool = False, actor_label: str = ""
) -> dict[str, Any]:
    """Import a file that ``import_registry --background`` stored in private media; the file is deleted after
    the run (the result keeps the report). Raises like the command does for an unreadable file."""
    storage = import_storage()
    try:
        with storage.open(stored_name, "rb") as handle:
            table = read_table(handle.read(), file_name)
        report = get_importer(kind).import_table(
            table, file_name=file_name, dry_run=dry_run, actor_label=actor_label or "task worker"
        )
    finally:
        storage.delete(stored_name)
    return import_report_summary(report)
