"""Indexes for the public brand and trademark lists: their orders, and (PostgreSQL) the brands' search index
(core.search)."""

from django.db import migrations, models

from core import search


class Migration(migrations.Migration):
    dependencies = [
        ("brands", "0004_progress_indexes"),
        ("core", "0005_list_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="brand",
            index=models.Index(fields=["name", "id"], name="brand_list_order_idx"),
        ),
        migrations.AddIndex(
            model_name="brand",
            index=models.Index(fields=["valid_until", "id"], name="brand_valid_until_order_idx"),
        ),
        migrations.AddIndex(
            model_name="trademark",
            index=models.Index(fields=["mark_text", "id"], name="trademark_list_order_idx"),
        ),
        search.grams_index_operation(name="brand_search_idx", table="brands_brand", columns=["name", "description"]),
    ]
