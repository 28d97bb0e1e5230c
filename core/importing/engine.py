"""The import engine: rows to validated records, saved in chunks, with a report; and the registry of importers."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import DatabaseError, connections, models, router, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext

from core.importing.columns import QUERY_CHUNK, Column, ImportContext, chunked
from core.importing.files import ImportFileError, Table, normalize_header, read_table


def _plain_str(value: Any) -> Any:
    return value if value is None or type(value) is str else str(value)


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
            self._update([(r.obj, r.update_fields) for r in to_update if r.update_fields])
        for column in many_columns:
            new = {r.obj.pk: r.many[column.name] for r in to_create if column.name in r.many}
            changed = {r.obj.pk: r.many[column.name] for r in to_update if column.name in r.many_changed}
            column.write({**new, **changed}, replace=changed.keys())

    def _db_value(self, f: models.Field, connection, *, add: bool) -> Callable[[models.Model], Any]:
        """A function giving the value Django would write for ``f`` of a cleaned instance (get_db_prep_save),
        with shortcuts for the types whose preparation is the identity once ``full_clean`` has run."""
        if f.get_internal_type() in self._TEXT_TYPES:
            # After full_clean these hold str (or None, or a TextChoices default, a str subclass).
            return lambda obj, attname=f.attname: _plain_str(getattr(obj, attname))
        if type(f) is models.DateField and not (f.auto_now or f.auto_now_add):  # a date or None after full_clean
            adapt = connection.ops.adapt_datefield_value
            return lambda obj, attname=f.attname: adapt(getattr(obj, attname))
        if f.is_relation and isinstance(f.target_field, models.AutoField):  # an integer key or None
            return lambda obj, attname=f.attname: getattr(obj, attname)
        if add:
            return lambda obj: f.get_db_prep_save(f.pre_save(obj, True), connection)
        return lambda obj: f.get_db_prep_save(getattr(obj, f.attname), connection)  # what bulk_update writes

    def _insert(self, objs: list[models.Model]) -> None:
        """INSERT the values Django's bulk_create would write, without its per-row SQL compilation, which on
        SQLite costs more than the rest of the import together: ``executemany`` of one prepared statement;
        on PostgreSQL, COPY (a statement per row costs the server a parse and plan each, about 5 x COPY)."""
        connection = connections[router.db_for_write(self.model)]
        fields = [f for f in self.model._meta.concrete_fields if not isinstance(f, models.AutoField)]
        quote = connection.ops.quote_name
        table, names = quote(self.model._meta.db_table), ", ".join(quote(f.column) for f in fields)
        now = timezone.now()
        preps = []
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                for obj in objs:  # one timestamp for the batch, as bulk_create would nearly give
                    setattr(obj, f.attname, now)
                value = f.get_db_prep_save(now, connection)
                preps.append(lambda _obj, value=value: value)
            else:
                preps.append(self._db_value(f, connection, add=True))
        params = [[prep(obj) for prep in preps] for obj in objs]
        # Table and column names come from the model's metadata, quoted; the values are parameters.
        with connection.cursor() as cursor:
            # psycopg 3's cursor.copy() (logged by Django's debug cursor); psycopg2 and SQLite have none.
            copy_from = getattr(cursor, "copy", None) if connection.vendor == "postgresql" else None
            if copy_from is not None:
                # Errors become Django's (IntegrityError, ...), as through execute(), so that _save can fall back.
                with connection.wrap_database_errors, copy_from(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in params:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(fields))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", params)  # noqa: S608

    def _update(self, changes: list[tuple[models.Model, set[str]]]) -> None:
        """UPDATE only the fields that changed (attnames, the auto_now ones included), one ``executemany`` per
        set of fields; bulk_update would build a CASE per field and row, which grows with the chunk."""
        connection = connections[router.db_for_write(self.model)]
        quote = connection.ops.quote_name
        pk = self.model._meta.pk
        groups: dict[tuple[str, ...], list[models.Model]] = {}
        for obj, names in changes:
            groups.setdefault(tuple(sorted(names)), []).append(obj)
        by_attname = {f.attname: f for f in self.model._meta.concrete_fields}
        with connection.cursor() as cursor:
            for names, group in groups.items():
                fields = [by_attname[name] for name in names]
                preps = [self._db_value(f, connection, add=False) for f in fields]
                pk_value = self._db_value(pk, connection, add=False)
                assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
                table, where = quote(self.model._meta.db_table), f"{quote(pk.column)} = %s"
                sql = f"UPDATE {table} SET {assignments} WHERE {where}"  # noqa: S608
                cursor.executemany(sql, [[*(prep(obj) for prep in preps), pk_value(obj)] for obj in group])


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
