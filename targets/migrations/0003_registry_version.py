"""The registry version: one row that database triggers change with every write to a counted table
(targets/registry_triggers.py, which also reinstalls them after every migrate)."""

from django.db import migrations, models

from targets import registry_triggers


def install(apps, schema_editor):
    registry_triggers.install(schema_editor.connection)


def remove(apps, schema_editor):
    registry_triggers.remove(schema_editor.connection)


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
