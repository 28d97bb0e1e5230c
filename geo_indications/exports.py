"""What the GI register's open-data download holds (the columns of the import template, plus readable
names and labels and the number of authorised users the list page shows)."""

from __future__ import annotations

from core.exports import RegisterExport, choice_columns, column, import_column, import_headers, many_column
from core.exports_registers import region_name_column
from geo_indications.importers import GIProductImporter

GI_PRODUCTS = RegisterExport(
    name="gi-products",
    columns=[
        import_column(GIProductImporter, "name_zh"),
        *choice_columns(GIProductImporter, "protection_type"),
        import_column(GIProductImporter, "name_en"),
        import_column(GIProductImporter, "category"),
        import_column(GIProductImporter, "region", "region_id", key="region_code"),
        region_name_column(),
        many_column("protected_area", *import_headers(GIProductImporter, "protected_area"), "protected_area__code"),
        import_column(GIProductImporter, "announcement_number"),
        import_column(GIProductImporter, "announced_on"),
        import_column(GIProductImporter, "year"),
        import_column(GIProductImporter, "specification"),
        *choice_columns(GIProductImporter, "status"),
        import_column(GIProductImporter, "revoked_on"),
        # The selector's annotation: enterprises authorised to use the GI special mark (any status).
        column("authorised_users", "授权用标企业数", "Authorised users"),
        import_column(GIProductImporter, "source"),
    ],
)
