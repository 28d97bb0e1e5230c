"""Open-data downloads of the public registers: one column declaration, three formats (CSV, JSON, XLSX).

A register declares its export once (``RegisterExport``: a file name and ``ExportColumn``s, each a
stable English key, a Chinese and an English header, the fields it reads and a value getter) and its
view hands the filtered, ordered queryset of its list page to ``export_response``. So a download
holds exactly the rows the list page shows for the same querystring, on all pages, in the same order.
Rows are read with ``.values()``, not as model instances: building four model instances per
certification (with its holder, region and league) made a large export ten times slower.

Formats:

- **CSV**: UTF-8 with a byte-order mark (so Excel opens Chinese text correctly), one header row in
  the file's language, streamed in batches while the queryset is read with ``.iterator()``: a million
  certifications never sit in memory at once.
- **JSON**: a plain array of objects keyed by the columns' stable English keys, and nothing else,
  streamed the same way. No ``{"count": ..., "results": [...]}`` envelope: a count would cost a second
  query before the first byte, and a bare array mirrors the CSV row for row. Values are data: codes,
  ISO dates, numbers as numbers, text exactly as stored (no formula neutralising).
- **XLSX**: an openpyxl write-only workbook (rows are written to disk as they come, not kept as
  cell objects), dates as real date cells shown as YYYY-MM-DD, numbers as numbers. Excel stops at
  1,048,576 rows; above ``settings.EXPORT_XLSX_MAX_ROWS`` (default 100,000) the answer is HTTP 400
  with a bilingual message pointing to CSV or narrower filters.

Formula injection: a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
would run as a formula when a spreadsheet opens the file, so ``neutralise`` prefixes it with an
apostrophe in CSV and XLSX (OWASP's advice). Numbers are never touched: a negative number stays a
number. (Such a cell imports back with its apostrophe: the safe direction to be wrong in.)

Headers follow the active language, or ``?lang=en`` / ``?lang=zh-hans``; the values that are labels
(choice labels, region names) follow the same language. Import columns reuse the import template's
headers (``import_column``), so an exported CSV or XLSX can be imported again; the extra, readable
columns (labels, names) are ignored by the importer with a warning.

Queries: one for the rows (``values()`` joins what the lookups name), one per to-many column per
chunk of ``CHUNK_SIZE`` rows, one for the region names, one count for XLSX; never one per row.
Time and memory: a chunk of rows at a time; XLSX is built in a temporary file before it is sent.
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import json
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db.models import Model, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.urls import URLPattern, re_path
from django.utils import timezone, translation
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMATS = ("csv", "json", "xlsx")
CHUNK_SIZE = 2000  # rows per database round trip, per batch query and per chunk of the response
XLSX_DEFAULT_MAX_ROWS = 100_000
XLSX_CELL_MAX_CHARS = 32_767  # Excel refuses longer cell text
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
LANGUAGES = {"en": "en", "zh": "zh-hans", "zh-hans": "zh-hans", "zh-cn": "zh-hans"}


# --- columns -------------------------------------------------------------------------------------

Row = dict[str, Any]  # one record as ``QuerySet.values()`` gives it
BatchHook = Callable[[list[Row], type[Model], dict[Any, Any]], None]


@dataclass(frozen=True)
class ExportColumn:
    """One column: ``key`` names it in JSON (stable, English), the headers name it in CSV and XLSX.

    ``fields`` are the ORM lookups the value needs (read with ``.values()``: no model instance per
    row, ten times faster on a large register); ``value`` turns the row into the cell. ``batch``, if
    given, runs once per batch of rows before the values, in the file's language, with a cache that
    lives for the whole download: it adds what ``values()`` cannot give (to-many relations, names
    looked up once) to the rows, with one query per batch or per download, never one per row.
    """

    key: str
    header_zh: str
    header_en: str
    fields: tuple[str, ...]
    value: Callable[[Row], Any]
    batch: BatchHook | None = None

    def header(self, lang: str) -> str:
        return self.header_en if lang.startswith("en") else self.header_zh


def column(key: str, header_zh: str, header_en: str, field: str | None = None) -> ExportColumn:
    """A column holding the value of one field or lookup (``key`` by default), e.g. ``enterprise__uscc``."""
    lookup = field or key
    return ExportColumn(key, header_zh, header_en, (lookup,), itemgetter(lookup))


def computed(
    key: str, header_zh: str, header_en: str, *, fields: Sequence[str], value: Callable[[Row], Any]
) -> ExportColumn:
    """A column computed from several fields of the row."""
    return ExportColumn(key, header_zh, header_en, tuple(fields), value)


def import_headers(importer: Any, name: str) -> tuple[str, str]:
    """The Chinese and English headers of column ``name`` of ``importer``'s template."""
    spec = next((c for c in importer.columns if c.name == name), None)
    if spec is None:
        raise LookupError(f"{importer.__name__} has no column {name!r}")
    return spec.header_zh, spec.header_en


def import_column(importer: Any, name: str, field: str | None = None, *, key: str | None = None) -> ExportColumn:
    """A column of ``importer``'s template, under its headers, so that the downloaded file imports again.

    ``field`` (the column name by default) must give what the import column reads: a USCC for an
    enterprise (``enterprise__uscc``), a region code (``region_id``), a choice's stored value, ...
    """
    return column(key or name, *import_headers(importer, name), field or name)


class Labels:
    """The labels of a set of choices in the active language, translated once per language (not per row)."""

    def __init__(self, choices: Callable[[], Iterable[tuple[Any, Any]]]) -> None:
        self._choices = choices
        self._tables: dict[str, dict[Any, str]] = {}

    def __call__(self, value: Any) -> Any:
        lang = translation.get_language() or ""
        table = self._tables.get(lang)
        if table is None:
            table = self._tables[lang] = {key: str(label) for key, label in self._choices()}
        return table.get(value, value)


def label_column(key: str, header_zh: str, header_en: str, of: ExportColumn, labels: Labels) -> ExportColumn:
    """The label of the choice that column ``of`` holds."""
    return ExportColumn(key, header_zh, header_en, of.fields, lambda row: labels(of.value(row)))


def field_choices(model: type[Model], name: str) -> Labels:
    return Labels(lambda: model._meta.get_field(name).flatchoices)


def choice_columns(importer: Any, name: str, *, key: str | None = None) -> tuple[ExportColumn, ExportColumn]:
    """A choice of ``importer``'s template as two columns: the stored value (re-importable, stable) and
    its label in the file's language (``<key>_display``, as the API names it)."""
    code = import_column(importer, name, key=key)
    label = label_column(
        f"{code.key}_display",
        f"{code.header_zh}名称",
        f"{code.header_en} (label)",
        code,
        field_choices(importer.model, code.fields[0]),
    )
    return code, label


def model_rule(model: type[Model], name: str, fields: Sequence[str]) -> Callable[[Row], Any]:
    """The model's own property ``name`` (e.g. ``effective_status``), read from a row's ``fields``.

    The property runs on a stand-in that has only those fields, so the rule is written once, in the
    model; a property that starts reading another field fails loudly here rather than guessing.
    """
    rule = getattr(model, name).fget
    slot = f"__rule_{name}"

    def get(row: Row) -> Any:
        # Kept in the row: the value and its label column ask for it, and the rule may read the clock.
        if slot not in row:
            row[slot] = rule(SimpleNamespace(**{f: row[f] for f in fields}))
        return row[slot]

    return get


def many_column(key: str, header_zh: str, header_en: str, lookup: str, *, separator: str = ";") -> ExportColumn:
    """The values of a to-many relation (``nice_classes__number``) in one cell, sorted, joined by ``;``.

    One query per batch of rows (``values()`` would repeat the row once per related record).
    """
    slot = f"__many_{key}"

    def load(rows: list[Row], model: type[Model], _cache: dict[Any, Any]) -> None:
        found: dict[Any, list[str]] = {}
        pairs = (
            model._default_manager.filter(pk__in=[row["pk"] for row in rows], **{f"{lookup}__isnull": False})
            .order_by("pk", lookup)
            .values_list("pk", lookup)
        )
        for pk, value in pairs:
            found.setdefault(pk, []).append(str(value))
        for row in rows:
            row[slot] = separator.join(found.get(row["pk"], ()))

    return ExportColumn(key, header_zh, header_en, ("pk",), itemgetter(slot), batch=load)


@dataclass(frozen=True)
class RegisterExport:
    """What a register's download holds: the file's base name and the columns."""

    name: str
    columns: Sequence[ExportColumn]


# --- cells ---------------------------------------------------------------------------------------


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe; anything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    """Resolve translatable text now (inside the file's language); other values pass unchanged."""
    return str(value) if isinstance(value, Promise) else value


def _iso(value: datetime.date) -> str:
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.isoformat()


def csv_cell(value: Any) -> Any:
    if type(value) is str:  # the common case first: millions of cells in a large register
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return _iso(value)
    if isinstance(value, int | float | Decimal):
        return value
    return neutralise(str(value))


def json_value(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return _iso(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def xlsx_cell(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime.datetime):
        # Excel has no time zones: the local wall-clock time.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, datetime.date):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", neutralise(str(value)))
    return text[:XLSX_CELL_MAX_CHARS]


# --- responses -----------------------------------------------------------------------------------


def export_language(request: HttpRequest) -> str:
    """``?lang=en`` or ``?lang=zh-hans`` when given, else the active language."""
    asked = LANGUAGES.get(request.GET.get("lang", "").strip().lower())
    return asked or translation.get_language() or settings.LANGUAGE_CODE


def export_filename(name: str, fmt: str) -> str:
    return f"{name}-{timezone.localdate().isoformat()}.{fmt}"


def xlsx_max_rows() -> int:
    return int(getattr(settings, "EXPORT_XLSX_MAX_ROWS", XLSX_DEFAULT_MAX_ROWS))


def _rows(rows: Iterable[Any], columns: Sequence[ExportColumn]) -> tuple[Iterator[Row], type[Model] | None]:
    """The records as dicts of the fields the columns need; a queryset is read in chunks."""
    if isinstance(rows, QuerySet):
        fields = list(dict.fromkeys(["pk", *(f for c in columns for f in c.fields)]))
        # values() joins what the lookups name; the selector's prefetches do not apply to dicts.
        values = rows.prefetch_related(None).values(*fields)
        return values.iterator(chunk_size=CHUNK_SIZE), rows.model
    return iter(rows), None


def _value_batches(rows: Iterable[Any], columns: Sequence[ExportColumn], lang: str) -> Iterator[list[list[Any]]]:
    """Batches of records as lists of plain values, computed in the file's language (labels, region names).

    The language is switched per batch, around the computation only: the loop runs while the response
    streams, and a language left active between two chunks would leak into whatever the worker does next.
    """
    records, model = _rows(rows, columns)
    hooks = [c.batch for c in columns if c.batch is not None]
    cache: dict[Any, Any] = {}
    while batch := list(itertools.islice(records, CHUNK_SIZE)):
        with translation.override(lang):
            for hook in hooks:
                hook(batch, model, cache)
            values = [[_plain(c.value(row)) for c in columns] for row in batch]
        yield values


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_stream(rows: Iterable[Any], columns: Sequence[ExportColumn], lang: str) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # byte-order mark: Excel then reads the file as UTF-8
    writer.writerow([neutralise(c.header(lang)) for c in columns])
    for batch in _value_batches(rows, columns, lang):
        writer.writerows([csv_cell(v) for v in values] for values in batch)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()  # the header alone when there is no row


def _json_stream(rows: Iterable[Any], columns: Sequence[ExportColumn], lang: str) -> Iterator[str]:
    keys = [c.key for c in columns]
    separator = "["
    for batch in _value_batches(rows, columns, lang):
        parts = []
        for values in batch:
            record = dict(zip(keys, (json_value(v) for v in values), strict=True))
            parts.append(separator + "\n" + json.dumps(record, ensure_ascii=False))
            separator = ","
        yield "".join(parts)
    yield "[\n]\n" if separator == "[" else "\n]\n"


def too_many_rows_response(count: int, limit: int) -> HttpResponse:
    message = (
        f"共有 {count:,} 条记录，超过 Excel（XLSX）下载的上限 {limit:,} 条。"
        "请下载 CSV 或 JSON，或缩小筛选范围后再下载 XLSX。\n"
        f"There are {count:,} records, more than the limit of {limit:,} for an Excel (XLSX) download. "
        "Download CSV or JSON instead, or narrow the filters and download XLSX again.\n"
    )
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _xlsx_response(
    rows: Iterable[Any], columns: Sequence[ExportColumn], filename: str, lang: str, sheet_title: str
) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31] or "export")
    for index, _column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = 18
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for c in columns:
        cell = WriteOnlyCell(sheet, value=xlsx_cell(c.header(lang)))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for batch in _value_batches(rows, columns, lang):
        for values in batch:
            sheet.append([xlsx_cell(v) for v in values])
    # Spooled: a small workbook stays in memory, a large one goes to a temporary file.
    output = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 (the response closes it)
    workbook.save(output)
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=filename, content_type=CONTENT_TYPES["xlsx"])


def export_response(
    rows: Iterable[Any],
    columns: Sequence[ExportColumn],
    fmt: str,
    filename: str,
    *,
    lang: str | None = None,
    sheet_title: str = "",
) -> HttpResponse:
    """``rows`` as a CSV, JSON or XLSX download: a queryset (read with ``values()`` in chunks) or an
    iterable of dicts holding the columns' fields.

    An unknown format is a 404; more rows than ``EXPORT_XLSX_MAX_ROWS`` in XLSX is a 400.
    """
    if fmt not in FORMATS:
        raise Http404("Unknown export format.")
    lang = lang or translation.get_language() or settings.LANGUAGE_CODE
    if fmt == "xlsx":
        limit = xlsx_max_rows()
        count = rows.count() if isinstance(rows, QuerySet) else len(rows)  # type: ignore[arg-type]
        if count > limit:
            return too_many_rows_response(count, limit)
        return _xlsx_response(rows, columns, filename, lang, sheet_title or filename.split(".")[0])
    stream = _csv_stream if fmt == "csv" else _json_stream
    response = StreamingHttpResponse(stream(rows, columns, lang), content_type=CONTENT_TYPES[fmt])
    return _attachment(response, filename)


def export_path(list_path: str, view: Callable[..., HttpResponse], name: str) -> URLPattern:
    """``<list_path>export.<fmt>`` for fmt in csv, json, xlsx; any other format does not match (404)."""
    prefix = re.escape(list_path.rstrip("/") + "/")
    return re_path(rf"^{prefix}export\.(?P<fmt>{'|'.join(FORMATS)})$", view, name=name)
