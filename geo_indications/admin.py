from django.contrib import admin

from core.admin import AuditedAdminMixin, ImportAdminMixin
from geo_indications.models import GIMarkUser, GIProduct


class GIMarkUserInline(admin.TabularInline):
    model = GIMarkUser
    extra = 0
    autocomplete_fields = ["enterprise"]
    fields = ["enterprise", "status", "authorised_on", "revoked_on"]


@admin.register(GIProduct)
class GIProductAdmin(ImportAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    import_kind = "gi_products"
    list_display = ["name_zh", "protection_type", "category", "region", "announced_on", "year", "status"]
    list_filter = ["protection_type", "status", "category"]
    search_fields = ["name_zh", "name_en", "category", "announcement_number"]
    list_select_related = ["region"]
    autocomplete_fields = ["region", "protected_area"]
    date_hierarchy = "announced_on"
    inlines = [GIMarkUserInline]


@admin.register(GIMarkUser)
class GIMarkUserAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["gi_product", "enterprise", "status", "authorised_on", "revoked_on"]
    list_filter = ["status", "gi_product__protection_type"]
    search_fields = ["gi_product__name_zh", "enterprise__name", "enterprise__uscc"]
    list_select_related = ["gi_product", "enterprise"]
    autocomplete_fields = ["gi_product", "enterprise"]
    date_hierarchy = "authorised_on"
