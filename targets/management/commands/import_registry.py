"""manage.py import_registry KIND FILE [--dry-run] [--lang zh-hans|en] [--background]

Exit code 0 when every row was imported, 1 when some rows failed (the good ones are imported),
2 when the file cannot be read or the kind is unknown. With --background the file is copied to private
media and the import is enqueued for the task worker (targets/tasks.py); the command prints the task id.
"""

from __future__ import annotations

import getpass
import unicodedata
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import override
from tqdm import tqdm

from core.importing import ImportFileError, ImportReport, UnknownKind, get_importer, importer_kinds, read_table

EXIT_ROWS_FAILED = 1
EXIT_UNREADABLE = 2


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def format_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(display_width(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        lines.append("  ".join([*(pad(cell, w) for cell, w in zip(row, widths, strict=False)), row[-1]]).rstrip())
    return "\n".join(lines)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def import_storage() -> FileSystemStorage:
    """Where files wait for a background import: private media, shared by the app servers and the worker."""
    return FileSystemStorage(location=Path(settings.PRIVATE_MEDIA_ROOT) / "imports", base_url=None)


class Command(BaseCommand):
    help = (
        "Import register records (enterprises, brands, trademarks, GI products, certifications, zones) from CSV/XLSX."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", help="one of: " + ", ".join(importer_kinds()))
        parser.add_argument("file", help="a .csv (UTF-8 or GB18030) or .xlsx file")
        parser.add_argument("--dry-run", action="store_true", help="check every row, save nothing")
        parser.add_argument("--lang", choices=["zh-hans", "en"], default=settings.LANGUAGE_CODE)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--background", action="store_true", help="enqueue for the task worker and print the task id"
        )

    def handle(
        self, *args, kind: str, file: str, dry_run: bool, lang: str, no_progress: bool, background: bool, **options
    ) -> None:
        with override(lang):
            self._handle(kind=kind, path=Path(file), dry_run=dry_run, progress=not no_progress, background=background)

    def _handle(self, *, kind: str, path: Path, dry_run: bool, progress: bool, background: bool = False) -> None:
        try:
            importer = get_importer(kind)
        except UnknownKind as exc:
            raise CommandError(str(exc), returncode=EXIT_UNREADABLE) from None
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": path, "error": exc.strerror or exc},
                returncode=EXIT_UNREADABLE,
            ) from None
        actor_label = f"manage.py import_registry ({_os_user()})"
        if background:
            self._enqueue(kind=kind, data=data, file_name=path.name, dry_run=dry_run, actor_label=actor_label)
            return
        try:
            table = read_table(data, path.name)
            with tqdm(
                total=len(table.rows), unit=" rows", file=self.stderr, disable=not progress, desc=kind, leave=True
            ) as bar:
                report = importer.import_table(
                    table,
                    file_name=path.name,
                    dry_run=dry_run,
                    actor_label=actor_label,
                    progress=lambda done, _total: bar.update(done - bar.n),
                )
        except ImportFileError as exc:
            raise CommandError(
                _("%(file)s: %(error)s") % {"file": path.name, "error": exc.message}, returncode=EXIT_UNREADABLE
            ) from None
        self.write_report(report)
        if report.failed:
            raise CommandError(
                _("%(failed)d of %(rows)d rows failed and were not imported; the other rows were imported.")
                % {"failed": report.failed, "rows": report.rows}
                if not dry_run
                else _("%(failed)d of %(rows)d rows would fail.") % {"failed": report.failed, "rows": report.rows},
                returncode=EXIT_ROWS_FAILED,
            )

    def _enqueue(self, *, kind: str, data: bytes, file_name: str, dry_run: bool, actor_label: str) -> None:
        from targets.tasks import registry_import

        stored_name = import_storage().save(f"{uuid.uuid4().hex}-{file_name}", ContentFile(data))
        result = registry_import.enqueue(
            kind=kind, stored_name=stored_name, file_name=file_name, dry_run=dry_run, actor_label=actor_label
        )
        self.stdout.write(_("Task %(id)s: %(status)s.") % {"id": result.id, "status": result.status})

    def write_report(self, report: ImportReport) -> None:
        register = get_importer(report.kind).model._meta.verbose_name_plural
        if report.dry_run:
            self.stdout.write(_("Dry run: nothing was saved. The counts say what an import would do."))
        self.stdout.write(
            _(
                "%(kind)s from %(file)s: %(rows)d rows, %(created)d created, %(updated)d updated, "
                "%(unchanged)d unchanged, %(failed)d failed, %(skipped)d skipped."
            )
            % {"kind": register, "file": report.file_name, **report.counts()}
        )
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(warning))
        if report.errors:
            self.stdout.write("")
            self.stdout.write(
                format_table(
                    [_("Row"), _("Column"), _("Reason")],
                    [[str(e.row), e.column or "-", e.message] for e in report.errors],
                )
            )
        elif report.ok:
            self.stdout.write(
                self.style.SUCCESS(_("Every row was imported.") if not report.dry_run else _("Every row is valid."))
            )
