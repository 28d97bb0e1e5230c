"""The database triggers that change the registry version (targets.freshness) with every write to a counted
table. Idempotent: installed by migration 0003 and again after every ``migrate`` (a post_migrate receiver
in ``TargetsConfig.ready``), because SQLite rebuilds a table, dropping its triggers, whenever a later
migration alters it.

PostgreSQL: a statement-level trigger per table sets the version to the next value of a sequence (never
reused, even after a rollback). SQLite: row-level triggers set it to a random 64-bit number. Either way the
new version belongs to the writing transaction: a reader sees it exactly when it sees the rows.
"""

# The SQL below is built from this module's constants only (table, function and sequence names).
# ruff: noqa: S608

from __future__ import annotations

# Every table whose rows change what targets.progress_counts and targets.progress_pipeline count.
COUNTED_TABLES = (
    "core_region",
    "core_enterprise",
    "brands_brand",
    "brands_trademark",
    "certifications_certification",
    "certifications_demonstrationzone",
    "geo_indications_giproduct",
    "geo_indications_gimarkuser",
    "awards_awardprogramme",
    "awards_application",
    "awards_decision",
)
FUNCTION = "targets_registry_changed"
SEQUENCE = "targets_registry_version_seq"
VERSION_TABLE = "targets_registryversion"


def install(connection) -> None:
    """Create the version row, the sequence, the function and the triggers that are missing."""
    tables = set(connection.introspection.table_names())
    if VERSION_TABLE not in tables:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"INSERT INTO {VERSION_TABLE} (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING")
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}")
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"UPDATE {VERSION_TABLE} SET version = nextval('{SEQUENCE}') WHERE id = 1; "
                "RETURN NULL; END $$"
            )
            for table in COUNTED_TABLES:
                if table in tables:
                    cursor.execute(
                        f"CREATE OR REPLACE TRIGGER {FUNCTION} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
                    )
        elif connection.vendor == "sqlite":
            cursor.execute(f"INSERT OR IGNORE INTO {VERSION_TABLE} (id, version) VALUES (1, 0)")
            for table in COUNTED_TABLES:
                if table not in tables:
                    continue
                for event in ("INSERT", "UPDATE", "DELETE"):
                    cursor.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {FUNCTION}_{table}_{event.lower()} AFTER {event} ON {table} "
                        f"BEGIN UPDATE {VERSION_TABLE} SET version = random() WHERE id = 1; END"
                    )


def remove(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tables = set(connection.introspection.table_names())
            for table in COUNTED_TABLES:
                if table in tables:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {FUNCTION} ON {table}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
            cursor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")
        elif connection.vendor == "sqlite":
            for table in COUNTED_TABLES:
                for event in ("insert", "update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {FUNCTION}_{table}_{event}")
