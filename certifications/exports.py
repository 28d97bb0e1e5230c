"""What the certification and demonstration-zone registers' open-data downloads hold (the columns of the
import templates, plus readable names and labels; nothing the public pages do not show)."""

from __future__ import annotations

from certifications.importers import CertificationImporter, DemonstrationZoneImporter
from certifications.models import Certification, CertificationStatus
from core.exports import (
    Labels,
    RegisterExport,
    choice_columns,
    column,
    computed,
    import_column,
    label_column,
    model_rule,
)
from core.exports_registers import region_name_column

# What the list page shows: a valid certificate past its expiry date is expired.
_EFFECTIVE_STATUS = computed(
    "effective_status",
    "当前状态",
    "Current status",
    fields=("status", "expires_on"),
    value=model_rule(Certification, "effective_status", ("status", "expires_on")),
)

CERTIFICATIONS = RegisterExport(
    name="certifications",
    columns=[
        import_column(CertificationImporter, "certificate_number"),
        *choice_columns(CertificationImporter, "kind"),
        import_column(CertificationImporter, "enterprise", "enterprise__uscc", key="enterprise_uscc"),
        column("enterprise_name", "获证企业名称", "Holder name", "enterprise__name"),
        # A certificate's region is its holder's (the list's region filters use it too).
        column("region_code", "地区代码", "Region code", "enterprise__region_id"),
        region_name_column("enterprise__region_id"),
        import_column(CertificationImporter, "product"),
        import_column(CertificationImporter, "certifying_body"),
        import_column(CertificationImporter, "issued_on"),
        import_column(CertificationImporter, "expires_on"),
        import_column(CertificationImporter, "status"),
        _EFFECTIVE_STATUS,
        label_column(
            "effective_status_display",
            "当前状态名称",
            "Current status (label)",
            _EFFECTIVE_STATUS,
            Labels(lambda: CertificationStatus.choices),
        ),
        import_column(CertificationImporter, "suspended_on"),
        import_column(CertificationImporter, "suspended_until"),
        import_column(CertificationImporter, "revoked_on"),
        import_column(CertificationImporter, "revocation_reason"),
        import_column(CertificationImporter, "cancelled_on"),
    ],
)

ZONES = RegisterExport(
    name="zones",
    columns=[
        import_column(DemonstrationZoneImporter, "name"),
        *choice_columns(DemonstrationZoneImporter, "kind"),
        *choice_columns(DemonstrationZoneImporter, "level"),
        import_column(DemonstrationZoneImporter, "region", "region_id", key="region_code"),
        region_name_column(),
        import_column(DemonstrationZoneImporter, "lead_body"),
        *choice_columns(DemonstrationZoneImporter, "stage"),
        import_column(DemonstrationZoneImporter, "applied_on"),
        import_column(DemonstrationZoneImporter, "approved_on"),
        import_column(DemonstrationZoneImporter, "named_on"),
        import_column(DemonstrationZoneImporter, "revoked_on"),
        import_column(DemonstrationZoneImporter, "description"),
    ],
)
