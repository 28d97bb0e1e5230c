"""Columns of an import file: how a cell becomes a model value (plain, date, choice, key, many)."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Iterator, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.importing.files import normalize_header

MISSING = object()
QUERY_CHUNK = 500


def chunked(items: Sequence | Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class ImportContext:
    """Per-run caches (looked-up foreign keys, choice tables)."""

    def __init__(self) -> None:
        self._caches: dict[Hashable, dict] = {}

    def cache(self, owner: Hashable) -> dict:
        key = owner if isinstance(owner, tuple) else ("column", id(owner))
        return self._caches.setdefault(key, {})


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
