"""Import register records from CSV or XLSX files: the generic part (no knowledge of other apps).

An importer declares its columns (model field, Chinese and English header, required or not,
description, example) and the natural key that identifies a record. For each row the importer
parses the cells (foreign keys by natural key, choices by value or label), applies them to a new
or existing instance and runs ``Model.full_clean()``, so every row meets the same rules, with the
same messages, as the admin, the forms and the API. Bad rows are reported with their spreadsheet
row number, column and reason and are not saved; good rows are saved.

Speed comes from working in chunks: the foreign keys of a chunk are looked up in one query per
column and cached for the whole run, existing records are fetched by natural key in one query per
chunk, and new or changed rows are written in bulk (inserts by COPY on PostgreSQL, ``executemany``
elsewhere; updates of the changed fields only, by ``executemany``) inside one transaction per chunk.
If that transaction fails (a conflicting write by someone else), the chunk is saved again row by
row, each in its own transaction, so one bad row never rolls back good ones.

Uniqueness: every unique field or constraint of an imported model is its natural key, which the
importer resolves itself (an existing record is updated, a duplicate inside the file is refused),
so ``full_clean`` runs with ``validate_unique=False``; the database constraint remains the last guard.
Foreign keys are resolved by the importer from the database, so ``full_clean`` does not query them again.
"""

from core.importing.columns import (
    MISSING,
    QUERY_CHUNK,
    ChoiceColumn,
    Column,
    DateColumn,
    ForeignKeyColumn,
    ImportContext,
    IntegerColumn,
    ManyToManyColumn,
    chunked,
)
from core.importing.engine import (
    Importer,
    ImportReport,
    RowError,
    UnknownKind,
    error_messages,
    get_importer,
    importer_kinds,
    register,
)
from core.importing.files import ImportFileError, Table, check_file, decode_csv, read_table

__all__ = [
    "MISSING",
    "QUERY_CHUNK",
    "ChoiceColumn",
    "Column",
    "DateColumn",
    "ForeignKeyColumn",
    "ImportContext",
    "ImportFileError",
    "ImportReport",
    "Importer",
    "IntegerColumn",
    "ManyToManyColumn",
    "RowError",
    "Table",
    "UnknownKind",
    "check_file",
    "chunked",
    "decode_csv",
    "error_messages",
    "get_importer",
    "importer_kinds",
    "read_table",
    "register",
]
