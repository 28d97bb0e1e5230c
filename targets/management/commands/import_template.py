"""manage.py import_template KIND --format csv|xlsx --lang zh-hans|en -o FILE

Writes the import template of a register (header row and an example row). ``--markdown`` prints
the columns table used in docs/import.md instead.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.importing import UnknownKind, get_importer, importer_kinds
from targets.importers import FORMATS, columns_markdown, render_template, template_filename


class Command(BaseCommand):
    help = "Write the CSV or XLSX import template of a register."

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", help="one of: " + ", ".join(importer_kinds()) + ", or all (with --markdown)")
        parser.add_argument("--format", choices=FORMATS, default="xlsx")
        parser.add_argument("--lang", choices=["zh-hans", "en"], default="zh-hans", help="language of the headers")
        parser.add_argument("-o", "--output", help="file to write (default: the template's usual name)")
        parser.add_argument("--markdown", action="store_true", help="print the columns as a Markdown table")

    def handle(self, *args, kind: str, format: str, lang: str, output: str | None, markdown: bool, **options) -> None:
        kinds = importer_kinds() if kind == "all" and markdown else [kind]
        try:
            importers = [get_importer(k) for k in kinds]
        except UnknownKind as exc:
            raise CommandError(str(exc), returncode=2) from None
        if markdown:
            for importer in importers:
                self.stdout.write(f"### {importer.kind}\n\n{columns_markdown(importer)}\n")
            return
        importer = importers[0]
        path = Path(output or template_filename(kind, format, lang))
        path.write_bytes(render_template(importer, format, lang))
        self.stdout.write(str(path))
