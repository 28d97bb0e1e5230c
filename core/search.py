"""Free-text search of the registers: every word must appear in one of the searched fields (case-insensitive,
works for Chinese, where words are not separated by spaces).

The rule is ``icontains`` on every field, the same on every database. On PostgreSQL two things make it fast
on large registers (docs/benchmarks.md, "Lists and search"), without changing which records match:

- A register with many rows has a GIN index on the characters and pairs of adjacent characters of its
  searched fields (``registry_search_grams``, created by migration ``core.0005_list_indexes``, the indexes by
  each app's migrations). A record can only contain a word if it holds every character and pair of the word,
  so the search asks the index for those first and checks ``icontains`` on what it finds. Unlike PostgreSQL's
  trigram index (pg_trgm), pairs also serve one- and two-character words, the most common Chinese searches.
- A field of a related record (the holder's name) is searched in the related register first, then the
  records are selected by key (``enterprise_id IN (...)``): one more short query per word, and an index scan
  rather than a join of every record with its holder.

On SQLite the search is the plain ``icontains`` over joins.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, migrations
from django.db.models import BooleanField, F, ForeignKey, Model, Q, QuerySet, Value
from django.db.models.expressions import Expression
from django.db.models.functions import StrIndex, Upper
from django.db.models.lookups import GreaterThan

# The separator between fields in the indexed text: a search word never contains it (str.split() treats
# U+001F as whitespace), so a word found in the joined text is found in one of the fields.
SEPARATOR_SQL = "chr(31)"

# PostgreSQL: the characters of the text and every pair of adjacent characters, upper-cased (as ``icontains``
# compares). STRICT, so not inlined: the planner takes its cost (100, an SQL function's default; about 10 us a
# call) and checks it after the cheaper conditions. A higher cost would make the planner compile plans that
# scan a register (JIT, 10-20 ms a query) for no gain.
GRAMS_FUNCTION_SQL = r"""
CREATE OR REPLACE FUNCTION registry_search_grams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 100 AS $$
  SELECT array_remove(string_to_array(
      regexp_replace(upper(value), '(.)', '\1 ', 'g') || ' ' ||
      regexp_replace(upper(value), '(..)', '\1 ', 'g') || ' ' ||
      regexp_replace(substr(upper(value), 2), '(..)', '\1 ', 'g'),
    ' '), '')
$$
"""
DROP_GRAMS_FUNCTION_SQL = "DROP FUNCTION IF EXISTS registry_search_grams(text)"

# A word matching more related records than this (e.g. "有限公司" among holders) is searched through a
# subquery: such a word matches many records, which a scan in list order finds quickly anyway.
RELATED_KEYS_MAX = 1000


def grams_text_sql(columns: Sequence[str]) -> str:
    """The indexed text of ``columns``, as SQL: the index and the search must write it the same way."""
    return f" || {SEPARATOR_SQL} || ".join(f"COALESCE({column}, '')" for column in columns)


def grams_index_sql(*, name: str, table: str, columns: Sequence[str]) -> str:
    text = grams_text_sql([f'"{column}"' for column in columns])
    return f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin (registry_search_grams({text}))'


# --- migrations: PostgreSQL only (SQLite searches without an index) ----------------------------------------


def install_grams_function(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GRAMS_FUNCTION_SQL)


def remove_grams_function(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_GRAMS_FUNCTION_SQL)


def grams_index_operation(*, name: str, table: str, columns: Sequence[str]) -> migrations.RunPython:
    """A migration step that creates the grams index of ``table`` on PostgreSQL (nothing elsewhere), then
    refreshes the table's statistics, from which the planner learns how common each character is."""

    def create(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(grams_index_sql(name=name, table=table, columns=columns))
            schema_editor.execute(f'ANALYZE "{table}"')

    def drop(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(create, drop, elidable=False)


class GramsContain(Expression):
    """``registry_search_grams(<fields>) @> <pairs of word>``: true for every record that contains ``word``
    in one of ``fields`` (and for a few that do not). PostgreSQL only.

    The word is looked up by the pairs that cover it, side by side (a one-character word by itself): every
    pair of a word is not needed to narrow the index's answer down, and the planner, which takes the pairs
    as independent, would think a word of many pairs much rarer than it is and sort all its matches instead
    of reading the list in order. The pairs are cut from ``upper(word)`` by PostgreSQL itself, as the index's
    were (Python's ``str.upper`` differs on a few characters)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, fields: Sequence[str], word: str) -> None:
        super().__init__()
        self.fields = [F(field) for field in fields]
        self.word = word

    def get_source_expressions(self) -> list:
        return self.fields

    def set_source_expressions(self, exprs: list) -> None:
        self.fields = exprs

    def as_sql(self, compiler, connection):
        columns, params = [], []
        for field in self.fields:
            sql, field_params = compiler.compile(field)
            columns.append(sql)
            params.extend(field_params)
        grams = [f"substr(upper(%s::text), {start}, {length})" for start, length in word_grams(self.word)]
        sql = f"registry_search_grams({grams_text_sql(columns)}) @> ARRAY[{', '.join(grams)}]"
        return sql, (*params, *[self.word] * len(grams))


def word_grams(word: str) -> list[tuple[int, int]]:
    """(start, length) of the pieces of ``word`` looked up in the index: the character of a one-character
    word, else pairs side by side from the start, the last pair overlapping when the length is odd."""
    if len(word) == 1:
        return [(1, 1)]
    starts = list(range(1, len(word), 2))
    if len(word) % 2:
        starts.append(len(word) - 1)
    return [(start, 2) for start in starts]


def search_words(value: str | None) -> list[str]:
    """The words of a search (at most five); none for an empty or blank search."""
    return (value or "").split()[:5]


def search_index_fields(model: type[Model]) -> tuple[str, ...]:
    """The fields of ``model``'s grams index, in the index's order (a model without one declares none)."""
    return tuple(getattr(model, "search_index_fields", ()))


def _split(fields: Sequence[str]) -> tuple[list[str], dict[str, list[str]]]:
    local, related = [], {}
    for field in fields:
        name, _, rest = field.partition("__")
        if rest:
            related.setdefault(name, []).append(rest)
        else:
            local.append(field)
    return local, related


def word_q(qs: QuerySet, fields: Sequence[str], word: str) -> Q:
    """Records of ``qs`` with ``word`` in one of ``fields`` (``icontains``); ``a__b`` searches field ``b`` of
    the related record ``a``."""
    if connections[qs.db].vendor != "postgresql":
        return _any_contains(fields, word)
    model = qs.model
    local, related = _split(fields)
    # The index can only be asked when every part of the condition can: the local fields through the grams
    # index, each related field through a list of keys.
    indexed = not local or set(local) <= set(search_index_fields(model))
    related_q, keys_q = Q(), Q()
    for name, rest in related.items():
        field = model._meta.get_field(name)
        if not isinstance(field, ForeignKey):  # a multi-valued relation keeps its join
            related_q |= _any_contains([f"{name}__{r}" for r in rest], word)
            indexed = False
            continue
        target = field.related_model._default_manager.all()
        matching = target.filter(word_q(target, rest, word)).order_by().values_list("pk", flat=True)
        keys = list(matching[: RELATED_KEYS_MAX + 1])
        if len(keys) > RELATED_KEYS_MAX:
            # Without the index condition: the subquery reads every related record anyway.
            broad = target.filter(_any_contains(rest, word)).order_by().values("pk")
            related_q |= Q(**{f"{name}__in": broad})
            indexed = False
        else:
            related_q |= Q(**{f"{name}__in": keys})
            keys_q |= Q(**{f"{name}__in": keys})
    if not indexed:
        return _any_contains(local, word) | related_q
    index_q = keys_q
    if local:
        index_q |= Q(GramsContain(search_index_fields(model), word))
    # The index condition alone selects a superset; the exact condition decides.
    return index_q & (_any_position(local, word) | related_q)


def _any_contains(fields: Sequence[str], word: str) -> Q:
    cond = Q()
    for field in fields:
        cond |= Q(**{f"{field}__icontains": word})
    return cond


def _any_position(fields: Sequence[str], word: str) -> Q:
    """``icontains`` written as ``strpos(upper(field), upper(word)) > 0``: the same records, but PostgreSQL
    estimates a LIKE '%word%' as rare whatever the word, and multiplied with the index condition that
    estimate made it sort every match of a common word ("有限公司") instead of reading the list in order."""
    cond = Q()
    for field in fields:
        cond |= Q(GreaterThan(StrIndex(Upper(field), Upper(Value(word))), 0))
    return cond
