"""What the brand and trademark registers' open-data downloads hold (the columns of the import templates,
plus readable names and labels; nothing the public pages do not show)."""

from __future__ import annotations

from brands.importers import BrandImporter, TrademarkImporter
from brands.models import Brand, BrandStatus
from core.exports import (
    Labels,
    RegisterExport,
    choice_columns,
    column,
    computed,
    import_column,
    import_headers,
    label_column,
    many_column,
    model_rule,
)
from core.exports_registers import region_name_column

# What the list page shows: a recognised brand past its validity is expired.
_BRAND_EFFECTIVE_STATUS = computed(
    "effective_status",
    "当前状态",
    "Current status",
    fields=("status", "valid_until"),
    value=model_rule(Brand, "effective_status", ("status", "valid_until")),
)

BRANDS = RegisterExport(
    name="brands",
    columns=[
        import_column(BrandImporter, "enterprise", "enterprise__uscc", key="enterprise_uscc"),
        column("enterprise_name", "所属企业名称", "Owner name", "enterprise__name"),
        import_column(BrandImporter, "name"),
        *choice_columns(BrandImporter, "kind"),
        *choice_columns(BrandImporter, "industry"),
        import_column(BrandImporter, "region", "region_id", key="region_code"),
        region_name_column(),
        import_column(BrandImporter, "gi_product", "gi_product__name_zh"),
        import_column(BrandImporter, "gi_protection_type", "gi_product__protection_type"),
        import_column(BrandImporter, "description"),
        import_column(BrandImporter, "status"),
        _BRAND_EFFECTIVE_STATUS,
        label_column(
            "effective_status_display",
            "当前状态名称",
            "Current status (label)",
            _BRAND_EFFECTIVE_STATUS,
            Labels(lambda: BrandStatus.choices),
        ),
        import_column(BrandImporter, "recognised_on"),
        import_column(BrandImporter, "valid_until"),
        import_column(BrandImporter, "revoked_on"),
    ],
)

TRADEMARKS = RegisterExport(
    name="trademarks",
    columns=[
        import_column(TrademarkImporter, "registration_number"),
        import_column(TrademarkImporter, "mark_text"),
        many_column("nice_classes", *import_headers(TrademarkImporter, "nice_classes"), "nice_classes__number"),
        import_column(TrademarkImporter, "enterprise", "enterprise__uscc", key="enterprise_uscc"),
        import_column(TrademarkImporter, "owner_name"),
        # As Trademark.owner_display: the enterprise in the registry, else the owner as published.
        computed(
            "owner",
            "权利人",
            "Owner",
            fields=("enterprise__name", "owner_name"),
            value=lambda row: row["enterprise__name"] or row["owner_name"],
        ),
        import_column(TrademarkImporter, "region", "region_id", key="region_code"),
        region_name_column(),
        import_column(TrademarkImporter, "brand", "brand__name"),
        import_column(TrademarkImporter, "registered_on"),
        import_column(TrademarkImporter, "expires_on"),
        *choice_columns(TrademarkImporter, "status"),
        *choice_columns(TrademarkImporter, "tier"),
        import_column(TrademarkImporter, "tier_recognised_on"),
        import_column(TrademarkImporter, "tier_valid_until"),
        import_column(TrademarkImporter, "tier_authority"),
        import_column(TrademarkImporter, "source"),
    ],
)
