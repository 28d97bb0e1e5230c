"""The holder's region on every certification, kept by database triggers (certifications/holder_region.py)."""

import django.db.models.deletion
from django.db import migrations, models

from certifications import holder_region


def fill_and_keep(apps, schema_editor):
    holder_region.backfill(schema_editor.connection)
    holder_region.install(schema_editor.connection)


def stop_keeping(apps, schema_editor):
    holder_region.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("certifications", "0003_progress_indexes"),
        ("core", "0004_audit_chain_required"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="certification",
            name="cert_in_force_idx",
        ),
        migrations.AddField(
            model_name="certification",
            name="region",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.region",
                verbose_name="holder's region",
            ),
        ),
        migrations.RunPython(fill_and_keep, stop_keeping),
        migrations.AddIndex(
            model_name="certification",
            index=models.Index(
                fields=[
                    "kind",
                    "expires_on",
                    "issued_on",
                    "revoked_on",
                    "cancelled_on",
                    "suspended_on",
                    "suspended_until",
                    "region",
                    "enterprise",
                ],
                name="cert_in_force_region_idx",
            ),
        ),
    ]
