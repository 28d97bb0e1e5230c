"""Import of brands and trademarks."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from brands.models import Brand, NiceClass, Trademark
from core.importers import EXAMPLE_REGION, EXAMPLE_USCC, EnterpriseColumn, RegionColumn
from core.importing import (
    QUERY_CHUNK,
    ChoiceColumn,
    Column,
    DateColumn,
    ForeignKeyColumn,
    ImportContext,
    Importer,
    ManyToManyColumn,
    chunked,
)
from core.validators import normalize_uscc, validate_nice_class
from geo_indications.importers import GIProductColumn, protection_type_column


class NiceClassesColumn(ManyToManyColumn):
    """Nice classes as numbers separated by ; (e.g. 29;30)."""

    format_hint = _("Nice class numbers 1-45 separated by ;")

    def resolve_item(self, token: str, ctx: ImportContext) -> Hashable:
        known = ctx.cache(("nice_classes",))
        if not known:
            known.update(dict.fromkeys(NiceClass.objects.values_list("number", flat=True), True))
        number = int(token) if token.isdigit() else None
        if number is None:
            # The model validator's rule and message, for a token that is not even a number.
            raise ValidationError(
                _("Nice class must be a number from 1 to 45 (got %(value)s)."),
                code="nice_class_range",
                params={"value": token},
            )
        validate_nice_class(number)
        if number not in known:
            raise ValidationError(
                gettext("Nice class %(number)d is not loaded in the registry.") % {"number": number},
                code="nice_class_missing",
            )
        return number


class OwnerBrandColumn(ForeignKeyColumn):
    """A brand by its name, among the brands of the row's owner (given by the owner USCC column)."""

    format_hint = _("name of a brand of the same owner")

    def __init__(self, name: str, *, owner_column: str, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.owner_column = owner_column

    def key(self, raw: str, row: dict[str, str], ctx: ImportContext) -> Hashable:
        owner = row.get(self.owner_column, "")
        return (normalize_uscc(owner), raw) if owner else None

    def check(self, raw: str, row: dict[str, str]) -> None:
        if not row.get(self.owner_column):
            raise ValidationError(
                gettext("A brand is named together with its owner: fill in the owner's USCC."),
                code="brand_owner_missing",
            )

    def fetch(self, keys: set[Hashable]) -> dict[Hashable, Brand]:
        found = {}
        for batch in chunked(sorted(keys), QUERY_CHUNK):
            qs = Brand.objects.filter(enterprise__uscc__in={k[0] for k in batch}, name__in={k[1] for k in batch})
            for brand in qs.values("id", "name", "enterprise__uscc"):
                found[(brand["enterprise__uscc"], brand["name"])] = Brand(id=brand["id"], name=brand["name"])
        return found

    def not_found(self, raw: str, row: dict[str, str]) -> ValidationError:
        return ValidationError(
            gettext("The owner %(uscc)s has no brand named %(name)s in the registry.")
            % {"uscc": normalize_uscc(row.get(self.owner_column, "")), "name": raw},
            code="brand_not_found",
        )


_GI_TYPE = protection_type_column(
    "gi_protection_type",
    field=None,
    header_zh="地理标志保护类型",
    header_en="GI protection type",
    description=_("Protection type of that GI product; needed only when two GI products share the name."),
    example="",
)


def _dates(prefix: str, header_zh: str, header_en: str, description: Any, example: str = "") -> DateColumn:
    return DateColumn(prefix, header_zh=header_zh, header_en=header_en, description=description, example=example)


class BrandImporter(Importer):
    kind = "brands"
    model = Brand
    natural_key = ("enterprise", "name")
    description = _("Brands, identified by the owner's USCC and the brand name.")
    columns = [
        EnterpriseColumn(
            "enterprise",
            header_zh="所属企业统一社会信用代码",
            header_en="Owner USCC",
            required=True,
            other_headers=("统一社会信用代码", "USCC"),
            description=_("USCC of the owner enterprise (already in the registry)."),
            example=EXAMPLE_USCC,
        ),
        Column(
            "name",
            header_zh="品牌名称",
            header_en="Brand name",
            required=True,
            description=_("Brand name; unique for one owner."),
            example="示例草原",
        ),
        ChoiceColumn(
            "kind",
            header_zh="品牌类型",
            header_en="Kind",
            aliases={"产品品牌": "product", "企业品牌": "enterprise", "区域公用品牌": "regional"},
            description=_("Product, enterprise or regional public brand; product when empty."),
            example="product",
        ),
        ChoiceColumn("industry", header_zh="行业", header_en="Industry", description=_("Industry."), example="dairy"),
        RegionColumn(
            "region",
            header_zh="所在地区",
            header_en="Region",
            required=True,
            description=_("Region of the brand."),
            example=EXAMPLE_REGION,
        ),
        GIProductColumn(
            "gi_product",
            type_column=_GI_TYPE,
            header_zh="地理标志产品",
            header_en="GI product",
            description=_("The GI product the brand uses, by its Chinese name."),
            example="",
        ),
        _GI_TYPE,
        Column("description", header_zh="品牌简介", header_en="Description", description=_("Description."), example=""),
        ChoiceColumn(
            "status",
            header_zh="状态",
            header_en="Status",
            aliases={"培育中": "cultivating", "已认定": "recognised", "暂停": "suspended", "撤销": "revoked"},
            description=_("Cultivating, recognised, expired, suspended or revoked; cultivating when empty."),
            example="recognised",
        ),
        _dates("recognised_on", "认定日期", "Recognised on", _("Date of recognition."), "2025-03-01"),
        _dates("valid_until", "有效期至", "Valid until", _("End of the recognition (3 years)."), "2028-02-29"),
        _dates("revoked_on", "撤销日期", "Revoked on", _("Date the recognition was revoked.")),
    ]


class TrademarkImporter(Importer):
    kind = "trademarks"
    model = Trademark
    natural_key = ("registration_number",)
    description = _("Trademarks, identified by their registration number.")
    columns = [
        Column(
            "registration_number",
            header_zh="注册号",
            header_en="Registration number",
            required=True,
            format_hint=_("1 to 8 digits"),
            description=_("Registration number (1 to 8 digits)."),
            example="12345678",
        ),
        Column(
            "mark_text",
            header_zh="商标名称",
            header_en="Mark text",
            required=True,
            description=_("The words of the mark."),
            example="示例草原",
        ),
        NiceClassesColumn(
            "nice_classes",
            header_zh="核定使用类别",
            header_en="Nice classes",
            required=True,
            other_headers=("类别", "尼斯分类"),
            description=_("Nice classes, numbers 1 to 45 separated by ;"),
            example="29;30",
        ),
        EnterpriseColumn(
            "enterprise",
            header_zh="权利人统一社会信用代码",
            header_en="Owner USCC",
            other_headers=("统一社会信用代码", "USCC"),
            description=_("USCC of the owner, when the owner is in the registry."),
            example=EXAMPLE_USCC,
        ),
        Column(
            "owner_name",
            header_zh="权利人名称",
            header_en="Owner name",
            description=_("The owner as published, when it is not in the registry."),
            example="",
        ),
        RegionColumn(
            "region", header_zh="所在地区", header_en="Region", description=_("Region."), example=EXAMPLE_REGION
        ),
        OwnerBrandColumn(
            "brand",
            owner_column="enterprise",
            header_zh="所属品牌",
            header_en="Brand",
            description=_("Name of one of the owner's brands in the registry."),
            example="",
        ),
        _dates("registered_on", "注册日期", "Registered on", _("Date of registration."), "2012-05-01"),
        _dates("expires_on", "专用权期限至", "Expires on", _("End of the registration period."), "2032-04-30"),
        ChoiceColumn(
            "status",
            header_zh="状态",
            header_en="Status",
            aliases={"有效": "valid", "已注册": "valid", "过期": "expired", "注销": "cancelled", "无效": "cancelled"},
            description=_("Valid, expired or cancelled; valid when empty."),
            example="valid",
        ),
        ChoiceColumn(
            "tier",
            header_zh="商标层级",
            header_en="Tier",
            aliases={"注册商标": "registered", "著名商标": "famous", "驰名商标": "well_known"},
            description=_("Registered, famous (provincial) or well-known; registered when empty."),
            example="registered",
        ),
        _dates(
            "tier_recognised_on",
            "层级认定日期",
            "Tier recognised on",
            _("Date of the famous / well-known recognition."),
        ),
        _dates("tier_valid_until", "层级有效期至", "Tier valid until", _("End of the famous recognition.")),
        Column(
            "tier_authority",
            header_zh="认定机关",
            header_en="Recognising authority",
            description=_("Authority that recognised the tier."),
            example="",
        ),
        Column("source", header_zh="来源", header_en="Source", description=_("Source of the record."), example=""),
    ]
