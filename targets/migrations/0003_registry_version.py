"""The registry version: one row that database triggers change with every write to a counted table.

PostgreSQL: a statement-level trigger on each table sets the version to the next value of a sequence (never
reused, even after a rollback). SQLite: row-level triggers set it to a random 64-bit number. Either way the
new version is part of the writing transaction: a reader sees it exactly when it sees the rows.
"""

from django.db import migrations, models

# Every table whose rows change what targets.progress_counts and targets.progress_pipeline count.
COUNTED_TABLES = [
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
]
FUNCTION = "targets_registry_changed"
SEQUENCE = "targets_registry_version_seq"


def install(apps, schema_editor):
    connection = schema_editor.connection
    apps.get_model("targets", "RegistryVersion").objects.using(connection.alias).get_or_create(pk=1)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}")
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"UPDATE targets_registryversion SET version = nextval('{SEQUENCE}') WHERE id = 1; "
                "RETURN NULL; END $$"
            )
            for table in COUNTED_TABLES:
                cursor.execute(
                    f"CREATE TRIGGER {FUNCTION} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
                )
        elif connection.vendor == "sqlite":
            for table in COUNTED_TABLES:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    cursor.execute(
                        f"CREATE TRIGGER {FUNCTION}_{table}_{event.lower()} AFTER {event} ON {table} BEGIN "
                        "UPDATE targets_registryversion SET version = random() WHERE id = 1; END"
                    )


def remove(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in COUNTED_TABLES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {FUNCTION} ON {table}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
            cursor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")
        elif connection.vendor == "sqlite":
            for table in COUNTED_TABLES:
                for event in ("insert", "update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {FUNCTION}_{table}_{event}")


class Migration(migrations.Migration):
    dependencies = [
        ("targets", "0002_annual_report"),
        ("core", "0004_audit_chain_required"),
        ("brands", "0004_progress_indexes"),
        ("certifications", "0003_progress_indexes"),
        ("geo_indications", "0001_initial"),
        ("awards", "0005_programme_metric"),
    ]

    operations = [
        migrations.CreateModel(
            name="RegistryVersion",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("version", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "registry version", "verbose_name_plural": "registry version"},
        ),
        migrations.RunPython(install, remove),
    ]
