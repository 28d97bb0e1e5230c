"""The enterprise register's open-data download, and the region-name column every register's download shares.

An enterprise's public profile only: contact person, phone and email, the credit grade and the
credit records are not public (no page or API shows them) and are never exported. The columns
follow the import template (``core.importers.EnterpriseImporter``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.utils.translation import get_language

from core.exports import ExportColumn, RegisterExport, choice_columns, import_column
from core.importers import EnterpriseImporter
from core.models import Region
from core.templatetags.registry_tags import region_path


def region_name_column(field: str = "region_id", *, key: str = "region_name") -> ExportColumn:
    """The region as the list pages show it ('League · County'), in the file's language.

    The 116 regions are read once per download (one query), their names once per language.
    """
    slot = f"__name_{key}"

    def load(rows: list[dict[str, Any]], _model: type[Model], cache: dict[Any, Any]) -> None:
        if "regions" not in cache:
            cache["regions"] = Region.objects.select_related("parent").in_bulk()
        names = cache.setdefault(("region_names", get_language()), {})
        for row in rows:
            code = row[field]
            if code not in names:
                region = cache["regions"].get(code)
                names[code] = region_path(region) if region is not None else None
            row[slot] = names[code]

    return ExportColumn(key, "地区名称", "Region name", (field,), lambda row: row[slot], batch=load)


ENTERPRISES = RegisterExport(
    name="enterprises",
    columns=[
        import_column(EnterpriseImporter, "uscc"),
        import_column(EnterpriseImporter, "name"),
        import_column(EnterpriseImporter, "region", "region_id", key="region_code"),
        region_name_column(),
        *choice_columns(EnterpriseImporter, "industry"),
        import_column(EnterpriseImporter, "address"),
        import_column(EnterpriseImporter, "website"),
    ],
)
