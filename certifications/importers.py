"""Import of certifications and demonstration zones."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from certifications.models import Certification, DemonstrationZone
from core.importers import EXAMPLE_USCC, EnterpriseColumn, RegionColumn
from core.importing import ChoiceColumn, Column, DateColumn, Importer

# The names Chinese registries use for each kind and status.
KIND_ALIASES = {
    "有机产品": "organic",
    "有机": "organic",
    "有机产品认证": "organic",
    "绿色食品": "green_food",
    "无公害农产品": "pollution_free",
    "低碳产品": "low_carbon",
    "强制性产品认证": "ccc",
    "3C": "ccc",
    "质量管理体系": "qms",
    "ISO9001": "qms",
    "环境管理体系": "ems",
    "ISO14001": "ems",
    "其他": "other",
}
STATUS_ALIASES = {"有效": "valid", "暂停": "suspended", "撤销": "revoked", "注销": "cancelled"}


class CertificationImporter(Importer):
    kind = "certifications"
    model = Certification
    natural_key = ("certificate_number",)
    description = _("Product and system certifications, identified by their certificate number.")
    columns = [
        Column(
            "certificate_number",
            header_zh="证书编号",
            header_en="Certificate number",
            required=True,
            upper=True,
            format_hint=_("organic: 124OP2400123; green food: LB-15-24051234567A or GF150105240012; CCC: 16 digits"),
            description=_("Certificate number, in the format of its kind (organic, green food and CCC are checked)."),
            example="124OP2400123",
        ),
        ChoiceColumn(
            "kind",
            header_zh="认证类别",
            header_en="Kind",
            required=True,
            aliases=KIND_ALIASES,
            description=_("Kind of certification."),
            example="organic",
        ),
        EnterpriseColumn(
            "enterprise",
            header_zh="获证企业统一社会信用代码",
            header_en="Holder USCC",
            required=True,
            other_headers=("统一社会信用代码", "USCC"),
            description=_("USCC of the certificate holder (already in the registry)."),
            example=EXAMPLE_USCC,
        ),
        Column(
            "product",
            header_zh="产品或范围",
            header_en="Product or scope",
            required=True,
            other_headers=("认证产品", "认证范围"),
            description=_("Certified product or scope."),
            example="有机牛奶",
        ),
        Column(
            "certifying_body",
            header_zh="认证机构",
            header_en="Certifying body",
            required=True,
            description=_("Certifying body."),
            example="中绿华夏有机产品认证中心",
        ),
        DateColumn(
            "issued_on",
            header_zh="颁证日期",
            header_en="Issued on",
            required=True,
            other_headers=("发证日期",),
            description=_("Date of issue."),
            example="2024-05-01",
        ),
        DateColumn(
            "expires_on",
            header_zh="有效期至",
            header_en="Expires on",
            required=True,
            description=_("Date of expiry, after the date of issue."),
            example="2025-04-30",
        ),
        ChoiceColumn(
            "status",
            header_zh="证书状态",
            header_en="Status",
            aliases=STATUS_ALIASES,
            description=_(
                "Valid, suspended, revoked or cancelled; valid when empty (expiry is derived from the date)."
            ),
            example="valid",
        ),
        DateColumn(
            "suspended_on",
            header_zh="暂停日期",
            header_en="Suspended on",
            description=_("Start of a suspension."),
        ),
        DateColumn(
            "suspended_until",
            header_zh="暂停至",
            header_en="Suspended until",
            description=_("End of a suspension (needed when suspended)."),
        ),
        DateColumn("revoked_on", header_zh="撤销日期", header_en="Revoked on", description=_("Date of revocation.")),
        Column(
            "revocation_reason",
            header_zh="撤销原因",
            header_en="Reason for revocation",
            description=_("Reason for revocation (needed when revoked)."),
        ),
        DateColumn(
            "cancelled_on", header_zh="注销日期", header_en="Cancelled on", description=_("Date of cancellation.")
        ),
    ]


class DemonstrationZoneImporter(Importer):
    kind = "zones"
    model = DemonstrationZone
    natural_key = ("name", "kind")
    description = _("Demonstration zones and pilots, identified by their name and kind.")
    columns = [
        Column(
            "name",
            header_zh="名称",
            header_en="Name",
            required=True,
            description=_("Name of the zone or pilot."),
            example="呼和浩特市有机产品认证示范区",
        ),
        ChoiceColumn(
            "kind",
            header_zh="类别",
            header_en="Kind",
            required=True,
            aliases={
                "有机产品认证示范区": "organic_demo",
                "出口食品农产品质量安全示范区": "export_food_demo",
                "出口工业产品质量安全示范区": "export_industrial_demo",
                "质量强市示范城市": "quality_city",
                "全国知名品牌创建示范区": "famous_brand_demo",
                "国家级服务业标准化试点": "standardization_pilot",
                "农业标准化示范区": "agri_standardization_demo",
            },
            description=_("Kind of zone or pilot."),
            example="organic_demo",
        ),
        ChoiceColumn(
            "level",
            header_zh="级别",
            header_en="Level",
            aliases={"国家级": "national", "自治区级": "regional"},
            description=_("National or autonomous-region level; national when empty."),
            example="national",
        ),
        RegionColumn(
            "region",
            header_zh="所在地区",
            header_en="Region",
            required=True,
            description=_("Region of the zone (league/city or county)."),
            example="150100",
        ),
        Column(
            "lead_body",
            header_zh="牵头单位",
            header_en="Lead body",
            required=True,
            description=_("Body that leads the zone."),
            example="呼和浩特市市场监督管理局",
        ),
        ChoiceColumn(
            "stage",
            header_zh="阶段",
            header_en="Stage",
            aliases={"已申报": "applied", "批准创建": "approved", "验收中": "under_acceptance", "已命名": "named"},
            description=_("Applied, approved to create, under acceptance, named or revoked; applied when empty."),
            example="named",
        ),
        DateColumn("applied_on", header_zh="申报日期", header_en="Applied on", description=_("Date of application.")),
        DateColumn(
            "approved_on",
            header_zh="批准创建日期",
            header_en="Approved on",
            description=_("Date of approval to create."),
            example="2016-09-01",
        ),
        DateColumn(
            "named_on",
            header_zh="命名日期",
            header_en="Named on",
            description=_("Date of naming (needed when named)."),
            example="2019-12-01",
        ),
        DateColumn(
            "revoked_on",
            header_zh="撤销日期",
            header_en="Revoked on",
            description=_("Date of revocation (needed when revoked)."),
        ),
        Column("description", header_zh="简介", header_en="Description", description=_("Description.")),
    ]
