"""The holder's region on every certification (``Certification.region``), kept equal to its enterprise's region
by the database itself.

A certification's place is its holder's: the progress engine counts a million certifications per region and
per league/city (targets.progress_counts), and reading the region from the certification's own index instead
of joining every row to its enterprise halves that count (docs/benchmarks.md, "Progress dashboard"). The
copy is the database's to keep, so that no write can leave it behind, whatever path it takes (a form, the
importer's bulk inserts, a queryset ``update()``, raw SQL):

- a certification written with an enterprise takes that enterprise's region (any value written to
  ``region_id`` is replaced);
- an enterprise whose region changes moves its certifications with it.

PostgreSQL: a BEFORE row trigger sets the region of the row being written; an AFTER row trigger on the
enterprises updates their certifications. SQLite, whose triggers cannot change the row being written: AFTER
row triggers update it when its region is not its enterprise's (an extra write, which also changes the
registry version, so it is skipped when the region written is already right). ``Certification.save`` also
sets the region of the instance in memory when its enterprise is loaded. Idempotent: installed by migration
0004 and again after every ``migrate`` (a post_migrate receiver in ``CertificationsConfig.ready``), because
SQLite drops a table's triggers when a later migration rebuilds it.
"""

# The SQL below is built from this module's constants only (table, column and function names).
# ruff: noqa: S608

from __future__ import annotations

CERTIFICATIONS = "certifications_certification"
ENTERPRISES = "core_enterprise"
NAME = "certifications_holder_region"
ENTERPRISE_NAME = "certifications_enterprise_moved"
_HOLDERS_REGION = f"(SELECT region_id FROM {ENTERPRISES} WHERE id = NEW.enterprise_id)"


def install(connection) -> None:
    """Create the functions and triggers that are missing (nothing before both tables exist)."""
    tables = set(connection.introspection.table_names())
    if not {CERTIFICATIONS, ENTERPRISES} <= tables:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION {NAME}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"NEW.region_id := {_HOLDERS_REGION}; RETURN NEW; END $$"
            )
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {NAME} BEFORE INSERT OR UPDATE OF enterprise_id, region_id "
                f"ON {CERTIFICATIONS} FOR EACH ROW EXECUTE FUNCTION {NAME}()"
            )
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION {ENTERPRISE_NAME}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"UPDATE {CERTIFICATIONS} SET region_id = NEW.region_id WHERE enterprise_id = NEW.id; "
                "RETURN NULL; END $$"
            )
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {ENTERPRISE_NAME} AFTER UPDATE OF region_id ON {ENTERPRISES} "
                f"FOR EACH ROW WHEN (OLD.region_id IS DISTINCT FROM NEW.region_id) "
                f"EXECUTE FUNCTION {ENTERPRISE_NAME}()"
            )
        elif connection.vendor == "sqlite":
            # Recreated every time, so that a changed definition replaces an installed one.
            set_row = f"UPDATE {CERTIFICATIONS} SET region_id = {_HOLDERS_REGION} WHERE id = NEW.id"
            wrong = f"NEW.region_id IS NOT {_HOLDERS_REGION}"  # only then: saves already set it (Certification.save)
            for trigger, event in (
                (f"{NAME}_insert", "INSERT"),
                (f"{NAME}_update", "UPDATE OF enterprise_id, region_id"),
            ):
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
                # Not recursive: SQLite does not fire a trigger from its own UPDATE (recursive_triggers is off).
                cursor.execute(
                    f"CREATE TRIGGER {trigger} AFTER {event} ON {CERTIFICATIONS} WHEN {wrong} BEGIN {set_row}; END"
                )
            cursor.execute(f"DROP TRIGGER IF EXISTS {ENTERPRISE_NAME}")
            cursor.execute(
                f"CREATE TRIGGER {ENTERPRISE_NAME} AFTER UPDATE OF region_id ON {ENTERPRISES} "
                f"WHEN OLD.region_id IS NOT NEW.region_id BEGIN "
                f"UPDATE {CERTIFICATIONS} SET region_id = NEW.region_id WHERE enterprise_id = NEW.id; END"
            )


def remove(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS {NAME} ON {CERTIFICATIONS}")
            cursor.execute(f"DROP TRIGGER IF EXISTS {ENTERPRISE_NAME} ON {ENTERPRISES}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {NAME}()")
            cursor.execute(f"DROP FUNCTION IF EXISTS {ENTERPRISE_NAME}()")
        elif connection.vendor == "sqlite":
            for trigger in (f"{NAME}_insert", f"{NAME}_update", ENTERPRISE_NAME):
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")


def backfill(connection) -> None:
    """Give every certification its enterprise's region (before the triggers keep them so)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {CERTIFICATIONS} SET region_id = (SELECT region_id FROM {ENTERPRISES} "
            f"WHERE {ENTERPRISES}.id = {CERTIFICATIONS}.enterprise_id)"
        )
