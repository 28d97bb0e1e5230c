"""Reading import files: CSV (UTF-8 or GB18030) and XLSX (with a zip-bomb guard) into a table."""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext

# Workbooks compress their XML 5 to 20 times; a zip bomb, thousands of times.
XLSX_MAX_RATIO = 100
XLSX_UNPACKED_ALLOWANCE = 10 * 1024 * 1024


class ImportFileError(Exception):
    """The file cannot be read as a table at all (as opposed to one bad row)."""

    def __init__(self, message: str, code: str = "unreadable") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as the spreadsheet shows it, cells)


def normalize_header(text: str) -> str:
    """Headers and choice labels match whatever the case, spacing, underscores or a * for required."""
    return re.sub(r"[\s_*＊]+", "", str(text)).casefold()


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (what Excel saves on a Chinese Windows)."""
    if b"\x00" in data[:4096]:
        raise ImportFileError(gettext("The file is not a CSV text file."), code="not_text")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(gettext("The CSV file is neither UTF-8 nor GB18030 text."), code="encoding")


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_csv(data: bytes) -> Table:
    text = decode_csv(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    rows = [
        (number, [cell.strip() for cell in cells])
        for number, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1)
    ]
    if not rows or not any(rows[0][1]):
        raise ImportFileError(gettext("The file has no header row."), code="no_header")
    return Table(headers=rows[0][1], rows=rows[1:])


def _check_xlsx(data: bytes) -> None:
    """An .xlsx is a zip archive; refuse one that would unpack to far more than workbooks do (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFileError(gettext("The file is not a valid XLSX workbook."), code="not_xlsx") from None
    if unpacked > XLSX_MAX_RATIO * len(data) + XLSX_UNPACKED_ALLOWANCE:
        raise ImportFileError(gettext("The workbook unpacks to an implausible size."), code="xlsx_bomb")


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    _check_xlsx(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors for a broken file
        raise ImportFileError(gettext("The file is not a valid XLSX workbook."), code="not_xlsx") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = [
            (number, [cell_text(v) for v in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), 1)
        ]
    finally:
        workbook.close()
    if not rows or not any(rows[0][1]):
        raise ImportFileError(gettext("The file has no header row."), code="no_header")
    return Table(headers=rows[0][1], rows=rows[1:])


def read_table(data: bytes, file_name: str) -> Table:
    name = file_name.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith(".csv"):
        return _read_csv(data)
    raise ImportFileError(gettext("Upload a .csv or .xlsx file."), code="file_type")


def check_file(data: bytes, file_name: str) -> None:
    """Cheap content check for uploads: an .xlsx must be a zip archive, a .csv must decode as text."""
    name = file_name.lower()
    if name.endswith(".xlsx"):
        _check_xlsx(data)
    elif name.endswith(".csv"):
        decode_csv(data)
    else:
        raise ImportFileError(gettext("Upload a .csv or .xlsx file."), code="file_type")
