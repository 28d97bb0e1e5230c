"""Indexes for the public certification list: its order, the order by expiry, the status filters and
(PostgreSQL) the search index (core.search)."""

from django.db import migrations, models

from core import search


class Migration(migrations.Migration):
    dependencies = [
        ("certifications", "0004_holder_region"),
        ("core", "0005_list_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="certification",
            index=models.Index(
                fields=["-issued_on", "certificate_number", "id", "status", "expires_on", "kind", "region"],
                name="cert_list_order_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="certification",
            index=models.Index(fields=["expires_on", "id"], name="cert_expires_order_idx"),
        ),
        migrations.AddIndex(
            model_name="certification",
            index=models.Index(fields=["status", "expires_on"], name="cert_status_idx"),
        ),
        search.grams_index_operation(
            name="cert_search_idx",
            table="certifications_certification",
            columns=["certificate_number", "product", "certifying_body"],
        ),
    ]
