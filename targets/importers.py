"""The importers of every register, by kind, and the downloadable templates made from their columns.

Registered when Django starts (``TargetsConfig.ready``); ``core.importing.get_importer(kind)`` then
finds them, so core and the admin never import the apps to their right.
"""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext, override

from brands.importers import BrandImporter, TrademarkImporter
from certifications.importers import CertificationImporter, DemonstrationZoneImporter
from core.importers import EnterpriseImporter
from core.importing import Importer, register
from geo_indications.importers import GIProductImporter

# In the order records depend on each other: enterprises first, then what refers to them.
IMPORTERS: list[type[Importer]] = [
    EnterpriseImporter,
    GIProductImporter,
    BrandImporter,
    TrademarkImporter,
    CertificationImporter,
    DemonstrationZoneImporter,
]
FORMATS = ("csv", "xlsx")
LANGS = ("zh-hans", "en")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def register_all() -> None:
    for importer in IMPORTERS:
        register(importer)


def template_filename(kind: str, fmt: str, lang: str) -> str:
    return f"import-{kind}-{'en' if lang == 'en' else 'zh'}.{fmt}"


def template_csv(importer: Importer, lang: str = "zh-hans") -> bytes:
    """Header row and one example row, UTF-8 with a BOM so that Excel shows the Chinese correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header(lang) for c in importer.columns])
    writer.writerow([c.example for c in importer.columns])
    return out.getvalue().encode("utf-8-sig")


def template_xlsx(importer: Importer, lang: str = "zh-hans") -> bytes:
    """A workbook: the data sheet (header + example row, every cell text so codes keep their zeros)
    and a second sheet describing each column."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    with override(lang):
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = importer.kind
        bold = Font(bold=True)
        required_fill = PatternFill("solid", fgColor="FFF2CC")
        for index, column in enumerate(importer.columns, 1):
            head = sheet.cell(row=1, column=index, value=column.header(lang))
            head.font = bold
            if column.required:
                head.fill = required_fill
            head.comment = Comment(f"{column.description}\n{column.describe_format()}", "registry")
            example = sheet.cell(row=2, column=index, value=column.example)
            example.number_format = "@"
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(12, min(40, len(column.header(lang)) * 2 + 4))
            for row in range(3, 1001):
                sheet.cell(row=row, column=index).number_format = "@"
        sheet.freeze_panes = "A2"
        notes = workbook.create_sheet(gettext("Columns"))
        notes.append(
            [gettext("Column"), gettext("Required"), gettext("Format"), gettext("Description"), gettext("Example")]
        )
        for cell in notes[1]:
            cell.font = bold
        for column in importer.columns:
            notes.append(
                [
                    column.header(lang),
                    gettext("yes") if column.required else gettext("no"),
                    column.describe_format(),
                    str(column.description),
                    column.example,
                ]
            )
        for letter, width in zip("ABCDE", (24, 8, 40, 60, 24), strict=True):
            notes.column_dimensions[letter].width = width
        out = io.BytesIO()
        workbook.save(out)
    return out.getvalue()


def render_template(importer: Importer, fmt: str, lang: str) -> bytes:
    return template_xlsx(importer, lang) if fmt == "xlsx" else template_csv(importer, lang)


def columns_markdown(importer: Importer) -> str:
    """The columns table of docs/import.md for one kind (``manage.py import_template KIND --markdown``)."""
    with override("en"):
        lines = [
            "| Chinese header | English header | required | format | description | example |",
            "|---|---|---|---|---|---|",
        ]
        for c in importer.columns:
            cells = [
                c.header_zh,
                c.header_en,
                "yes" if c.required else "",
                c.describe_format(),
                str(c.description),
                f"`{c.example}`" if c.example else "",
            ]
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
        return "\n".join(lines)
