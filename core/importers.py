"""Import of enterprises, and the columns other registers use to name an enterprise or a region."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.importing import (
    QUERY_CHUNK,
    ChoiceColumn,
    Column,
    ForeignKeyColumn,
    ImportContext,
    Importer,
    ManyToManyColumn,
    chunked,
)
from core.models import Enterprise, Region
from core.validators import normalize_uscc, uscc_check_character, validate_uscc

EXAMPLE_USCC = "91150102MA0000001" + uscc_check_character("91150102MA0000001")
EXAMPLE_REGION = "150102"


def regions_by_key(ctx: ImportContext) -> dict[str, Region | None]:
    """Every region by code and by Chinese name, loaded once per import (116 rows)."""
    table = ctx.cache(("regions",))
    if not table:
        for region in Region.objects.all():
            table[region.code] = region
            # Two regions with one name: that name cannot identify a region (None = ambiguous).
            table[region.name_zh] = None if region.name_zh in table else region
    return table


def _region(raw: str, ctx: ImportContext) -> Region:
    table = regions_by_key(ctx)
    region = table.get(raw.strip())
    if region is None:
        if raw.strip() in table:
            raise ValidationError(
                gettext("Several regions are named %(value)s: give the 6-digit code instead.") % {"value": raw},
                code="region_ambiguous",
            )
        raise ValidationError(
            gettext("No region has the code or Chinese name %(value)s.") % {"value": raw}, code="region_not_found"
        )
    return region


class RegionColumn(ForeignKeyColumn):
    """A region by its 6-digit GB/T 2260 code or its exact Chinese name."""

    format_hint = _("6-digit region code or exact Chinese name")

    def prepare(self, rows: list[dict[str, str]], ctx: ImportContext) -> None:
        regions_by_key(ctx)

    def parse(self, raw: str, row: dict[str, str], ctx: ImportContext) -> Any:
        return _region(raw, ctx) if raw else None


class RegionsColumn(ManyToManyColumn):
    """Several regions (codes or Chinese names) separated by ;"""

    format_hint = _("region codes or Chinese names separated by ;")

    def resolve_item(self, token: str, ctx: ImportContext) -> Hashable:
        return _region(token, ctx).pk


class EnterpriseColumn(ForeignKeyColumn):
    """An enterprise by its USCC (lower case accepted); the chunk's enterprises are fetched in one query."""

    format_hint = _("18-character USCC of an enterprise in the registry")

    def key(self, raw: str, row: dict[str, str], ctx: ImportContext) -> Hashable:
        return normalize_uscc(raw)

    def check(self, raw: str, row: dict[str, str]) -> None:
        validate_uscc(raw)

    def fetch(self, keys: set[Hashable]) -> dict[Hashable, Enterprise]:
        found = {}
        for batch in chunked(sorted(keys), QUERY_CHUNK):
            for enterprise in Enterprise.objects.filter(uscc__in=batch).only("id", "uscc", "name", "region_id"):
                found[enterprise.uscc] = enterprise
        return found

    def not_found(self, raw: str, row: dict[str, str]) -> ValidationError:
        return ValidationError(
            gettext("No enterprise with the USCC %(uscc)s is in the registry: import the enterprise first.")
            % {"uscc": normalize_uscc(raw)},
            code="enterprise_not_found",
        )


class EnterpriseImporter(Importer):
    kind = "enterprises"
    model = Enterprise
    natural_key = ("uscc",)
    description = _("Enterprises, identified by their Unified Social Credit Code.")
    columns = [
        Column(
            "uscc",
            header_zh="统一社会信用代码",
            header_en="USCC",
            required=True,
            upper=True,
            format_hint=_("18 characters: digits and capital letters except I, O, S, V, Z (lower case accepted)"),
            description=_("Unified Social Credit Code, 18 characters (GB 32100-2015); identifies the enterprise."),
            example=EXAMPLE_USCC,
        ),
        Column(
            "name",
            header_zh="企业名称",
            header_en="Name",
            required=True,
            description=_("Registered name."),
            example="内蒙古示例乳业有限公司",
        ),
        RegionColumn(
            "region",
            header_zh="所在旗县区",
            header_en="Region",
            required=True,
            other_headers=("所在地区", "地区"),
            description=_("County-level region of registration (county, banner, district or county-level city)."),
            example=EXAMPLE_REGION,
        ),
        ChoiceColumn("industry", header_zh="行业", header_en="Industry", description=_("Industry."), example="dairy"),
        Column("address", header_zh="地址", header_en="Address", description=_("Address."), example="呼和浩特市新城区"),
        Column(
            "website",
            header_zh="网站",
            header_en="Website",
            format_hint=_("URL"),
            description=_("Website (http or https)."),
            example="",
        ),
        Column(
            "contact_name",
            header_zh="联系人",
            header_en="Contact person",
            description=_("Contact person (not public)."),
            example="张三",
        ),
        Column(
            "contact_phone",
            header_zh="联系电话",
            header_en="Contact phone",
            description=_("Contact phone (not public)."),
            example="0471-1234567",
        ),
        Column(
            "contact_email",
            header_zh="联系邮箱",
            header_en="Contact email",
            format_hint=_("email address"),
            description=_("Contact email (not public)."),
            example="contact@example.cn",
        ),
        ChoiceColumn(
            "credit_grade",
            header_zh="信用等级",
            header_en="Credit grade",
            description=_("Credit grade A to D; A when empty."),
            example="A",
        ),
    ]
