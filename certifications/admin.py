from django.contrib import admin

from certifications.models import Certification, DemonstrationZone
from core.admin import AuditedAdminMixin, ImportAdminMixin, league_filter


@admin.register(Certification)
class CertificationAdmin(ImportAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    import_kind = "certifications"
    list_display = [
        "certificate_number",
        "kind",
        "enterprise",
        "product",
        "certifying_body",
        "issued_on",
        "expires_on",
        "status",
    ]
    list_filter = ["kind", "status", league_filter("enterprise__region")]
    search_fields = ["certificate_number", "enterprise__name", "enterprise__uscc", "product", "certifying_body"]
    list_select_related = ["enterprise"]
    autocomplete_fields = ["enterprise"]
    date_hierarchy = "issued_on"
    readonly_fields = ["created_at", "updated_at"]


@admin.register(DemonstrationZone)
class DemonstrationZoneAdmin(ImportAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    import_kind = "zones"
    list_display = ["name", "kind", "level", "region", "stage", "approved_on", "named_on"]
    list_filter = ["kind", "level", "stage", league_filter()]
    search_fields = ["name", "lead_body", "description"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    date_hierarchy = "named_on"
    readonly_fields = ["created_at", "updated_at"]
