"""Import register records from CSV or XLSX files: the generic part (no knowledge of other apps).

An importer declares its columns (model field, Chinese and English header, required or not,
description, example) and the natural key that identifies a record. For each row the importer
parses the cells (foreign keys by natural key, choices by value or label), applies them to a new
or existing instance and runs ``Model.full_clean()``, so every row meets the same rules, with the
same messages, as the admin, the forms and the API. Bad rows are reported with their spreadsheet
row number, column and reason and are not saved; good rows are saved.

Speed comes from working in chunks: the foreign keys of a chunk are looked up in one query per
column and cached for the whole run, existing records are fetched by natural key in one query per
chunk, and new or changed rows are written in bulk (``executemany`` inserts, ``bulk_update``) inside
one transaction per chunk. If that transaction fails (a conflicting write by someone else), the chunk
is saved again row by row, each in its own transaction, so one bad row never rolls back good ones.

Uniqueness: every unique field or constraint of an imported model is its natural key, which the
importer resolves itself (an existing record is updated, a duplicate inside the file is refused),
so ``full_clean`` runs with ``validate_unique=False``; the database constraint remains the last guard.
Foreign keys are resolved by the importer from the database, so ``full_clean`` does not query them again.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import DatabaseError, connections, models, router, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MISSING = object()
QUERY_CHUNK = 500
# Workbooks compress their XML 5 to 20 times; a zip bomb, thousands of times.
XLSX_MAX_RATIO = 100
XLSX_UNPACKED_ALLOWANCE = 10 * 1024 * 1024


# --- reading files ---------------------------------------------------------------------------------


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


def _plain_str(value: Any) -> Any:
    return value if value is None or type(value) is str else str(value)


def chunked(items: Sequence | Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def error_messages(exc: ValidationError) -> Iterator[tuple[str, str, str | None]]:
    """(field, message, code) for every error in ``exc``; field is NON_FIELD_ERRORS when not tied to one."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            for err in errors:
                for _f, message, code in error_messages(err):
                    yield name, message, code
        return
    for err in exc.error_list:
        message = err.message
        if err.params:
            message = message % err.params
        yield NON_FIELD_ERRORS, str(message), err.code


# --- columns ---------------------------------------------------------------------------------------


class Column:
    """One column of an import file, mapped to one model field (or to none, for a helper column).

    ``parse`` turns the cell text into the value to assign. Plain values are converted by the model
    field's own ``to_python``, and ``full_clean`` validates them: the same messages as the forms.
    """

    format_hint: Promise | str = _("text")

    def __init__(
        self,
        name: str,
        *,
        header_zh: str,
        header_en: str,
        required: bool = False,
        description: Promise | str = "",
        example: str = "",
        field: str | None = MISSING,  # type: ignore[assignment]
        upper: bool = False,
        other_headers: Sequence[str] = (),
        format_hint: Promise | str | None = None,
    ) -> None:
        self.name = name
        # Headers are a file contract, not interface text: both are accepted whatever the UI language.
        self.header_zh = header_zh
        self.header_en = header_en
        self.required = required
        self.description = description
        self.example = example
        self.field_name: str | None = name if field is MISSING else field
        self.upper = upper
        self.other_headers = tuple(other_headers)
        if format_hint is not None:
            self.format_hint = format_hint
        self.model_field: models.Field | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

    def bind(self, model: type[models.Model]) -> None:
        if self.field_name:
            self.model_field = model._meta.get_field(self.field_name)

    def header(self, lang: str = "zh-hans") -> str:
        return self.header_zh if lang.startswith("zh") else self.header_en

    def accepted_headers(self) -> set[str]:
        return {normalize_header(h) for h in (self.header_zh, self.header_en, self.name, *self.other_headers) if h}

    def describe_format(self) -> str:
        return str(self.format_hint)

    @property
    def is_many(self) -> bool:
        return False

    def empty_value(self) -> Any:
        f = self.model_field
        if f is None:
            return None
        if f.has_default():
            return f.get_default()
        if f.null:
            return None
        return ""

    def prepare(self, rows: list[dict[str, str]], ctx: ImportContext) -> None:
        """Called once per chunk with the raw rows, before ``parse``: look up what the chunk needs."""

    def parse(self, raw: str, row: dict[str, str], ctx: ImportContext) -> Any:
        if not raw:
            return self.empty_value()
        return self.to_python(raw.upper() if self.upper else raw)

    def to_python(self, value: Any) -> Any:
        """Convert with the model field itself: a bad value gets the field's own message and code, and
        the model's ``clean()`` only ever sees typed values (as it does behind a form or the API)."""
        return self.model_field.to_python(value) if self.model_field is not None else value

    def apply(self, obj: models.Model, value: Any) -> None:
        if self.model_field is not None:
            setattr(obj, self.model_field.attname, value)


class DateColumn(Column):
    """A date as YYYY-MM-DD; 2024/5/1, 2024.5.1, 2024年5月1日 and spreadsheet dates are accepted too."""

    format_hint = _("date, YYYY-MM-DD")
    _pattern = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")

    def parse(self, raw: str, row: dict[str, str], ctx: ImportContext) -> Any:
        if not raw:
            return self.empty_value()
        match = self._pattern.fullmatch(raw)
        if match:
            y, m, d = match.groups()
            raw = f"{y}-{int(m):02d}-{int(d):02d}"
        return self.to_python(raw)


class IntegerColumn(Column):
    format_hint = _("whole number")


class ChoiceColumn(Column):
    """A choice given by its stored value or by its Chinese or English label (case-insensitive)."""

    def __init__(
        self,
        name: str,
        *,
        aliases: dict[str, str] | None = None,
        choices: Sequence[tuple[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, **kwargs)
        self.aliases = aliases or {}
        self._choices = choices

    def choices(self) -> list[tuple[str, Any]]:
        if self._choices is not None:
            return list(self._choices)
        return list(self.model_field.choices or []) if self.model_field is not None else []

    def describe_format(self) -> str:
        text = gettext("one of: %(values)s") % {
            "values": "; ".join(f"{value} ({label})" for value, label in self.choices())
        }
        if self.aliases:
            text += "; " + gettext("also: %(aliases)s") % {"aliases": ", ".join(self.aliases)}
        return text

    def lookup(self, ctx: ImportContext) -> dict[str, str]:
        table = ctx.cache(("choices", self.name))
        if not table:
            from django.utils.translation import override

            for value, label in self.choices():
                table[normalize_header(value)] = value
                for lang in ("en", "zh-hans"):
                    with override(lang):
                        table.setdefault(normalize_header(str(label)), value)
            for alias, value in self.aliases.items():
                table.setdefault(normalize_header(alias), value)
        return table

    def parse(self, raw: str, row: dict[str, str], ctx: ImportContext) -> Any:
        if not raw:
            return self.empty_value()
        # An unknown choice is passed on: the model field reports it (invalid_choice).
        return self.to_python(self.lookup(ctx).get(normalize_header(raw), raw))


class ForeignKeyColumn(Column):
    """A foreign key given by a natural key; the keys of a chunk are fetched in one query and cached."""

    def key(self, raw: str, row: dict[str, str], ctx: ImportContext) -> Hashable:
        return raw

    def check(self, raw: str, row: dict[str, str]) -> None:
        """Raise ValidationError when the cell cannot be a key at all (wrong format)."""

    def fetch(self, keys: set[Hashable]) -> dict[Hashable, models.Model]:
        raise NotImplementedError

    def not_found(self, raw: str, row: dict[str, str]) -> ValidationError:
        return ValidationError(gettext("No record matches %(value)s.") % {"value": raw}, code="not_found")

    def prepare(self, rows: list[dict[str, str]], ctx: ImportContext) -> None:
        cache = ctx.cache(self)
        wanted = set()
        for row in rows:
            raw = row.get(self.name, "")
            if raw:
                key = self.key(raw, row, ctx)
                if key is not None and key not in cache:
                    wanted.add(key)
        if wanted:
            found = self.fetch(wanted)
            for key in wanted:
                cache[key] = found.get(key)  # None: known to be missing

    def parse(self, raw: str, row: dict[str, str], ctx: ImportContext) -> Any:
        if not raw:
            return None
        key = self.key(raw, row, ctx)
        cache = ctx.cache(self)
        obj = cache.get(key, MISSING) if key is not None else None
        if obj is MISSING:
            obj = cache[key] = self.fetch({key}).get(key)
        if obj is None:
            self.check(raw, row)  # a malformed key says which rule it breaks
            raise self.not_found(raw, row)
        return obj

    def apply(self, obj: models.Model, value: Any) -> None:
        if self.model_field is not None:
            setattr(obj, self.model_field.name, value)


class ManyToManyColumn(Column):
    """Several related records in one cell, separated by ; , 、 or spaces (e.g. Nice classes "29;30")."""

    separators = re.compile(r"[;,；，、\s]+")
    format_hint = _("list separated by ;")

    @property
    def is_many(self) -> bool:
        return True

    def resolve_item(self, token: str, ctx: ImportContext) -> Hashable:
        """Return the primary key of the related record named by ``token`` or raise ValidationError."""
        raise NotImplementedError

    def empty_value(self) -> Any:
        return ()

    def parse(self, raw: str, row: dict[str, str], ctx: ImportContext) -> Any:
        if not raw:
            return ()
        tokens = [t for t in self.separators.split(raw) if t]
        errors: list[ValidationError] = []
        pks = set()
        for token in tokens:
            try:
                pks.add(self.resolve_item(token, ctx))
            except ValidationError as exc:
                errors.append(exc)
        if errors:
            raise ValidationError(errors)
        return tuple(sorted(pks))

    # The relation is written through the intermediate table, in bulk.
    def through_fields(self) -> tuple[type[models.Model], str, str]:
        f = self.model_field
        through = f.remote_field.through
        src = through._meta.get_field(f.m2m_field_name()).attname
        dst = through._meta.get_field(f.m2m_reverse_field_name()).attname
        return through, src, dst

    def current(self, pks: list[Any]) -> dict[Any, tuple]:
        through, src, dst = self.through_fields()
        result: dict[Any, set] = {pk: set() for pk in pks}
        for batch in chunked(pks, QUERY_CHUNK):
            for a, b in through.objects.filter(**{f"{src}__in": batch}).values_list(src, dst):
                result[a].add(b)
        return {pk: tuple(sorted(v)) for pk, v in result.items()}

    def write(self, values: dict[Any, tuple], *, replace: Iterable[Any] = ()) -> None:
        through, src, dst = self.through_fields()
        replace = list(replace)
        for batch in chunked(replace, QUERY_CHUNK):
            through.objects.filter(**{f"{src}__in": batch}).delete()
        rows = [through(**{src: pk, dst: item}) for pk, items in values.items() for item in items]
        through.objects.bulk_create(rows, batch_size=QUERY_CHUNK)


# --- report ----------------------------------------------------------------------------------------


@dataclass
class RowError:
    row: int  # as the spreadsheet shows it: the header is row 1
    column: str  # the header as written in the file, or the field name when the file has no such column
    message: str
    code: str | None = None


@dataclass
class ImportReport:
    kind: str
    file_name: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "skipped": self.skipped,
        }


class ImportContext:
    """Per-run caches (looked-up foreign keys, choice tables)."""

    def __init__(self) -> None:
        self._caches: dict[Hashable, dict] = {}

    def cache(self, owner: Hashable) -> dict:
        key = owner if isinstance(owner, tuple) else ("column", id(owner))
        return self._caches.setdefault(key, {})


@dataclass
class _Row:
    number: int
    raw: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)  # names of the columns that could not be parsed
    key: tuple | None = None
    obj: models.Model | None = None
    many: dict[str, tuple] = field(default_factory=dict)
    update_fields: set[str] = field(default_factory=set)
    many_changed: set[str] = field(default_factory=set)


# --- importer --------------------------------------------------------------------------------------


class Importer:
    """Subclasses set ``kind``, ``model``, ``columns`` and ``natural_key`` (column names)."""

    kind: ClassVar[str]
    model: ClassVar[type[models.Model]]
    columns: ClassVar[Sequence[Column]]
    natural_key: ClassVar[tuple[str, ...]]
    description: ClassVar[Promise | str] = ""
    chunk_size: ClassVar[int] = 2000
    _TEXT_TYPES = frozenset({"CharField", "TextField", "SlugField", "EmailField", "URLField"})

    def __init__(self) -> None:
        for column in self.columns:
            column.bind(self.model)
        self.ctx = ImportContext()
        self._seen: dict[tuple, int] = {}
        self._relations = [f for f in self.model._meta.concrete_fields if f.is_relation]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def natural_key_headers(self, lang: str = "zh-hans") -> list[str]:
        return [self.column(name).header(lang) for name in self.natural_key]

    # -- reading

    def map_headers(self, headers: list[str]) -> tuple[dict[int, Column], list[str]]:
        """Match the file's headers to columns; refuse a file that lacks a required column."""
        by_header = {h: c for c in self.columns for h in c.accepted_headers()}
        mapping: dict[int, Column] = {}
        unknown = []
        for index, header in enumerate(headers):
            if not header.strip():
                continue
            column = by_header.get(normalize_header(header))
            if column is None:
                unknown.append(header)
            elif column in mapping.values():
                raise ImportFileError(
                    gettext("The column %(header)s appears twice.") % {"header": header}, code="duplicate_column"
                )
            else:
                mapping[index] = column
        missing = [c for c in self.columns if c.required and c not in mapping.values()]
        if missing:
            raise ImportFileError(
                gettext("Required columns are missing: %(columns)s.")
                % {"columns": ", ".join(f"{c.header_zh} / {c.header_en}" for c in missing)},
                code="missing_columns",
            )
        warnings = [gettext("Column %(header)s is not recognised and was ignored.") % {"header": h} for h in unknown]
        return mapping, warnings

    def run(
        self,
        data: bytes,
        *,
        file_name: str,
        dry_run: bool = False,
        actor=None,
        actor_label: str = "",
        request_id: str = "",
        progress: Callable[[int, int], None] | None = None,
    ) -> ImportReport:
        """Read ``data`` (the file's bytes) and import it. Raises ImportFileError for an unreadable file."""
        table = read_table(data, file_name)
        return self.import_table(
            table,
            file_name=file_name,
            dry_run=dry_run,
            actor=actor,
            actor_label=actor_label,
            request_id=request_id,
            progress=progress,
        )

    def import_table(
        self,
        table: Table,
        *,
        file_name: str,
        dry_run: bool = False,
        actor=None,
        actor_label: str = "",
        request_id: str = "",
        progress: Callable[[int, int], None] | None = None,
    ) -> ImportReport:
        mapping, warnings = self.map_headers(table.headers)
        report = ImportReport(kind=self.kind, file_name=file_name, dry_run=dry_run, warnings=warnings)
        headers = {column.name: table.headers[index].strip() for index, column in mapping.items()}
        example = {c.name: c.example for c in mapping.values()}
        done = 0
        total = len(table.rows)
        for chunk in chunked(table.rows, self.chunk_size):
            rows = []
            for number, cells in chunk:
                raw = {c.name: (cells[i] if i < len(cells) else "") for i, c in mapping.items()}  # stripped
                if not any(raw.values()):
                    continue
                report.rows += 1
                if raw == example:
                    report.skipped += 1
                    report.warnings.append(
                        gettext("Row %(row)d is the template's example row and was skipped.") % {"row": number}
                    )
                    continue
                rows.append(_Row(number=number, raw=raw))
            self._import_chunk(rows, headers, report, dry_run=dry_run)
            done += len(chunk)
            if progress:
                progress(done, total)
        report.errors.sort(key=lambda e: e.row)
        if not dry_run:
            from core.models import AuditEvent

            AuditEvent.objects.create(
                actor=actor if actor is not None and actor.is_authenticated else None,
                actor_label=actor_label
                or (actor.get_username() if actor is not None and actor.is_authenticated else "system"),
                action="registry.import",
                object_type=self.model._meta.label_lower,
                object_id=self.kind,
                object_repr=file_name[:300],
                after={"kind": self.kind, "file": file_name, **report.counts()},
                request_id=request_id,
            )
        return report

    # -- one chunk

    def _header(self, name: str, headers: dict[str, str]) -> str:
        if name in headers:
            return headers[name]
        if name == NON_FIELD_ERRORS:
            return ""
        for column in self.columns:
            if column.field_name == name and column.name in headers:
                return headers[column.name]
        try:
            return str(self.model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            return name

    def _import_chunk(self, rows: list[_Row], headers: dict[str, str], report: ImportReport, *, dry_run: bool) -> None:
        active = [c for c in self.columns if c.name in headers]
        for column in active:
            column.prepare([r.raw for r in rows], self.ctx)
        for row in rows:
            self._parse_row(row, active, headers)
        existing = self._fetch_existing([r.key for r in rows if r.key is not None])
        many_columns = [c for c in active if c.is_many]
        current_many = {c.name: c.current([o.pk for o in existing.values()]) for c in many_columns}
        to_create: list[_Row] = []
        to_update: list[_Row] = []
        for row in rows:
            obj = existing.get(row.key) if row.key is not None else None
            is_new = obj is None
            obj = self.model() if is_new else obj
            before = None if is_new else self._snapshot(obj)
            for column in active:
                if column.name in row.failed:
                    continue
                if column.is_many:
                    row.many[column.name] = row.values[column.name]
                else:
                    column.apply(obj, row.values[column.name])
            # Foreign keys were looked up by the importer (or are unchanged): no query per row to re-check them.
            exclude = {self.column(n).field_name for n in row.failed} - {None}
            exclude |= {f.name for f in self._relations if getattr(obj, f.attname) is not None}
            try:
                obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                for name, message, code in error_messages(exc):
                    row.errors.append(RowError(row.number, self._header(name, headers), message, code))
            if row.errors:
                report.failed += 1
                report.errors.extend(row.errors)
                continue
            row.obj = obj
            if is_new:
                to_create.append(row)
                continue
            row.update_fields = {name for name, value in self._snapshot(obj).items() if before[name] != value}
            row.many_changed = {c.name for c in many_columns if current_many[c.name][obj.pk] != row.many[c.name]}
            if row.update_fields or row.many_changed:
                to_update.append(row)
            else:
                report.unchanged += 1
        if not dry_run:
            to_create, to_update = self._save(to_create, to_update, many_columns, headers, report)
        report.created += len(to_create)
        report.updated += len(to_update)

    def _parse_row(self, row: _Row, active: list[Column], headers: dict[str, str]) -> None:
        for column in active:
            raw = row.raw[column.name]
            try:
                if column.required and not raw:
                    raise ValidationError(gettext("This field is required."), code="required")
                row.values[column.name] = column.parse(raw, row.raw, self.ctx)
            except ValidationError as exc:
                row.failed.add(column.name)
                for _f, message, code in error_messages(exc):
                    row.errors.append(RowError(row.number, headers[column.name], message, code))
        if row.failed.intersection(self.natural_key):
            return
        key = tuple(self._key_part(row.values[n]) for n in self.natural_key)
        first = self._seen.setdefault(key, row.number)
        if first != row.number:
            message = gettext("Duplicate of row %(row)d: the same record appears twice in the file.")
            columns = ", ".join(headers[n] for n in self.natural_key)
            row.errors.append(RowError(row.number, columns, message % {"row": first}, "duplicate_row"))
        else:
            row.key = key  # a row with errors is still checked against the record it would update

    @staticmethod
    def _key_part(value: Any) -> Hashable:
        return value.pk if isinstance(value, models.Model) else value

    def _snapshot(self, obj: models.Model) -> dict[str, Any]:
        return {
            f.attname: getattr(obj, f.attname)
            for f in self.model._meta.concrete_fields
            if not f.primary_key and not getattr(f, "auto_now", False) and not getattr(f, "auto_now_add", False)
        }

    def _fetch_existing(self, keys: list[tuple]) -> dict[tuple, models.Model]:
        if not keys:
            return {}
        fields = [self.model._meta.get_field(self.column(n).field_name) for n in self.natural_key]
        wanted = set(keys)
        found: dict[tuple, models.Model] = {}
        for batch in chunked(sorted({k[0] for k in keys}, key=str), QUERY_CHUNK):
            qs = self.model._default_manager.filter(**{f"{fields[0].attname}__in": batch})
            if len(fields) > 1:
                qs = qs.filter(**{f"{f.attname}__in": {k[i] for k in keys} for i, f in enumerate(fields[1:], 1)})
            for obj in qs:
                key = tuple(getattr(obj, f.attname) for f in fields)
                if key in wanted:
                    found[key] = obj
        return found

    # -- writing

    def _auto_now_fields(self) -> list[models.Field]:
        return [f for f in self.model._meta.concrete_fields if getattr(f, "auto_now", False)]

    def _save(
        self,
        to_create: list[_Row],
        to_update: list[_Row],
        many_columns: list[Column],
        headers: dict[str, str],
        report: ImportReport,
    ) -> tuple[list[_Row], list[_Row]]:
        auto_now = self._auto_now_fields()
        for row in to_update:
            for f in auto_now:
                f.pre_save(row.obj, add=False)
                row.update_fields.add(f.attname)
        try:
            with transaction.atomic():
                self._write_bulk(to_create, to_update, many_columns)
            return to_create, to_update
        except DatabaseError:
            pass
        # Something in the chunk conflicts (e.g. a record written meanwhile): save row by row.
        created, updated = [], []
        for row, is_new in [(r, True) for r in to_create] + [(r, False) for r in to_update]:
            if is_new:
                row.obj.pk = None
                row.obj._state.adding = True
            try:
                with transaction.atomic():
                    self._write_bulk([row] if is_new else [], [] if is_new else [row], many_columns)
            except DatabaseError as exc:
                report.failed += 1
                report.errors.append(
                    RowError(
                        row.number,
                        ", ".join(headers[n] for n in self.natural_key),
                        gettext("Could not be saved: %(error)s") % {"error": exc},
                        "database",
                    )
                )
                continue
            (created if is_new else updated).append(row)
        return created, updated

    def _write_bulk(self, to_create: list[_Row], to_update: list[_Row], many_columns: list[Column]) -> None:
        if to_create and many_columns:
            self.model._default_manager.bulk_create([r.obj for r in to_create])  # sets the pks the relations need
        elif to_create:
            self._insert([r.obj for r in to_create])
        if to_update:
            fields = sorted(set().union(*(r.update_fields for r in to_update)))
            if fields:
                rows_with_fields = [r.obj for r in to_update if r.update_fields]
                self.model._default_manager.bulk_update(rows_with_fields, fields, batch_size=QUERY_CHUNK)
        for column in many_columns:
            new = {r.obj.pk: r.many[column.name] for r in to_create if column.name in r.many}
            changed = {r.obj.pk: r.many[column.name] for r in to_update if column.name in r.many_changed}
            column.write({**new, **changed}, replace=changed.keys())

    def _insert(self, objs: list[models.Model]) -> None:
        """INSERT with executemany: the values Django's bulk_create would write, without its per-row
        SQL compilation, which on SQLite costs more than the rest of the import together."""
        connection = connections[router.db_for_write(self.model)]
        fields = [f for f in self.model._meta.concrete_fields if not isinstance(f, models.AutoField)]
        quote = connection.ops.quote_name
        # Table and column names come from the model's metadata, quoted; the values are parameters.
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
            quote(self.model._meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join(["%s"] * len(fields)),
        )
        now = timezone.now()
        preps = []
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                for obj in objs:  # one timestamp for the batch, as bulk_create would nearly give
                    setattr(obj, f.attname, now)
                value = f.get_db_prep_save(now, connection)
                preps.append(lambda _obj, value=value: value)
            elif f.get_internal_type() in self._TEXT_TYPES:
                # After full_clean these hold str (or None, or a TextChoices default, a str subclass).
                preps.append(lambda obj, attname=f.attname: _plain_str(getattr(obj, attname)))
            elif type(f) is models.DateField:  # a date or None after full_clean
                adapt = connection.ops.adapt_datefield_value
                preps.append(lambda obj, attname=f.attname, adapt=adapt: adapt(getattr(obj, attname)))
            elif f.is_relation and isinstance(f.target_field, models.AutoField):  # an integer key or None
                preps.append(lambda obj, attname=f.attname: getattr(obj, attname))
            else:
                preps.append(lambda obj, f=f: f.get_db_prep_save(f.pre_save(obj, True), connection))
        params = [[prep(obj) for prep in preps] for obj in objs]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


# --- registry of importers by kind -----------------------------------------------------------------

_registry: dict[str, type[Importer]] = {}


class UnknownKind(LookupError):
    pass


def register(importer: type[Importer]) -> type[Importer]:
    _registry[importer.kind] = importer
    return importer


def get_importer(kind: str) -> Importer:
    """A fresh importer for ``kind``; the apps register theirs when Django starts (targets.importers)."""
    try:
        return _registry[kind]()
    except KeyError:
        raise UnknownKind(
            gettext("Unknown import kind %(kind)s. Choose one of: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(importer_kinds())}
        ) from None


def importer_kinds() -> list[str]:
    return list(_registry)
