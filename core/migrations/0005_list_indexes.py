"""Indexes for the public enterprise list: its order, and (PostgreSQL) the search function and index (core.search)."""

from django.db import migrations, models

from core import search


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_audit_chain_required"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="enterprise",
            index=models.Index(fields=["name", "id"], name="enterprise_list_order_idx"),
        ),
        migrations.RunPython(search.install_grams_function, search.remove_grams_function, elidable=False),
        search.grams_index_operation(name="enterprise_search_idx", table="core_enterprise", columns=["name", "uscc"]),
    ]
