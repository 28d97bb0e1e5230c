"""Import of GI products, and the column other registers use to name a GI product."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.importers import EXAMPLE_REGION, RegionColumn, RegionsColumn
from core.importing import (
    QUERY_CHUNK,
    ChoiceColumn,
    Column,
    DateColumn,
    ForeignKeyColumn,
    ImportContext,
    Importer,
    IntegerColumn,
    chunked,
)
from geo_indications.models import GIProduct, ProtectionType

# The names the announcements and registries use for each protection type.
PROTECTION_TYPE_ALIASES = {
    "地理标志保护产品": ProtectionType.GI_PRODUCT,
    "农产品地理标志": ProtectionType.AGRICULTURAL_GI,
    "地理标志证明商标": ProtectionType.GI_TRADEMARK,
    "地理标志集体商标": ProtectionType.GI_TRADEMARK,
    "地理标志商标": ProtectionType.GI_TRADEMARK,
}


def protection_type_column(name: str, **kwargs: Any) -> ChoiceColumn:
    return ChoiceColumn(name, aliases=PROTECTION_TYPE_ALIASES, choices=ProtectionType.choices, **kwargs)


class GIProductColumn(ForeignKeyColumn):
    """A GI product by its Chinese name; a second column gives the protection type when the name is not unique."""

    format_hint = _("Chinese name of a GI product in the registry")

    def __init__(self, name: str, *, type_column: ChoiceColumn, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.type_column = type_column

    def prepare(self, rows: list[dict[str, str]], ctx: ImportContext) -> None:
        cache = ctx.cache(self)
        names = {row[self.name] for row in rows if row.get(self.name) and row[self.name] not in cache}
        for batch in chunked(sorted(names), QUERY_CHUNK):
            for name in batch:
                cache[name] = []
            for product in GIProduct.objects.filter(name_zh__in=batch).only("id", "name_zh", "protection_type"):
                cache[product.name_zh].append(product)

    def parse(self, raw: str, row: dict[str, str], ctx: ImportContext) -> Any:
        if not raw:
            return None
        candidates = ctx.cache(self).get(raw)
        if candidates is None:
            self.prepare([{self.name: raw}], ctx)
            candidates = ctx.cache(self)[raw]
        type_raw = row.get(self.type_column.name, "")
        if type_raw:
            protection_type = self.type_column.parse(type_raw, row, ctx)
            candidates = [p for p in candidates if p.protection_type == protection_type]
        if not candidates:
            raise ValidationError(
                gettext("No GI product named %(name)s is in the registry.") % {"name": raw}, code="gi_product_not_found"
            )
        if len(candidates) > 1:
            raise ValidationError(
                gettext("Several GI products are named %(name)s: fill in the GI protection type column.")
                % {"name": raw},
                code="gi_product_ambiguous",
            )
        return candidates[0]


class GIProductImporter(Importer):
    kind = "gi_products"
    model = GIProduct
    natural_key = ("name_zh", "protection_type")
    description = _("Geographic-indication products, identified by their Chinese name and protection type.")
    columns = [
        Column(
            "name_zh",
            header_zh="产品名称",
            header_en="Name (Chinese)",
            required=True,
            description=_("Chinese name of the product as announced."),
            example="示例羊肉",
        ),
        protection_type_column(
            "protection_type",
            header_zh="保护类型",
            header_en="Protection type",
            required=True,
            description=_("GI-protected product, agricultural-product GI, or GI certification/collective trademark."),
            example="agricultural_gi",
        ),
        Column("name_en", header_zh="英文名称", header_en="Name (English)", description=_("English name."), example=""),
        Column(
            "category", header_zh="类别", header_en="Category", description=_("Product category."), example="畜产品"
        ),
        RegionColumn(
            "region",
            header_zh="主要地区",
            header_en="Principal region",
            required=True,
            description=_("The region the product is named after (league/city or county)."),
            example="150100",
        ),
        RegionsColumn(
            "protected_area",
            header_zh="保护范围",
            header_en="Protected area",
            description=_("Regions of the protected area."),
            example=f"{EXAMPLE_REGION};150105",
        ),
        Column(
            "announcement_number",
            header_zh="公告号",
            header_en="Announcement number",
            description=_("Number of the announcement that granted protection."),
            example="2015年第1号",
        ),
        DateColumn(
            "announced_on",
            header_zh="公告日期",
            header_en="Announced on",
            description=_("Date of the announcement."),
            example="2015-06-01",
        ),
        IntegerColumn(
            "year",
            header_zh="保护年份",
            header_en="Year",
            description=_("Year of protection, when the date is not known."),
            example="2015",
        ),
        Column(
            "specification",
            header_zh="质量技术要求",
            header_en="Quality specification",
            description=_("Quality specification (text)."),
            example="",
        ),
        ChoiceColumn(
            "status",
            header_zh="状态",
            header_en="Status",
            aliases={"保护": "protected", "有效": "protected", "撤销": "revoked"},
            description=_("Protected or revoked; protected when empty."),
            example="protected",
        ),
        DateColumn(
            "revoked_on",
            header_zh="撤销日期",
            header_en="Revoked on",
            description=_("Date protection was revoked."),
            example="",
        ),
        Column("source", header_zh="来源", header_en="Source", description=_("Source of the record."), example=""),
    ]
