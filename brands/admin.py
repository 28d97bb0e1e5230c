from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from brands.forms import BrandAdminForm
from brands.models import Brand, BrandEvaluation, NiceClass, Trademark
from core.admin import AuditedAdminMixin, ImportAdminMixin, league_filter


@admin.register(NiceClass)
class NiceClassAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["number", "kind", "name_zh", "name_en"]
    list_filter = ["kind"]
    search_fields = ["number__exact", "name_zh", "name_en", "heading_en"]
    ordering = ["number"]


class BrandEvaluationInline(admin.TabularInline):
    model = BrandEvaluation
    extra = 0


@admin.register(Brand)
class BrandAdmin(ImportAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    import_kind = "brands"
    form = BrandAdminForm
    list_display = ["name", "enterprise", "kind", "industry", "region", "status", "recognised_on", "valid_until"]
    list_filter = ["status", "kind", "industry", league_filter()]
    search_fields = ["name", "enterprise__name", "enterprise__uscc", "description"]
    list_select_related = ["enterprise", "region"]
    autocomplete_fields = ["enterprise", "region", "gi_product"]
    date_hierarchy = "recognised_on"
    readonly_fields = ["logo_preview", "created_at", "updated_at"]
    inlines = [BrandEvaluationInline]

    @admin.display(description=_("logo thumbnail"))
    def logo_preview(self, obj: Brand) -> str:
        if not obj.logo_thumbnail:
            return "-"
        return format_html('<img src="{}" alt="" style="max-height: 120px">', obj.logo_thumbnail.url)


@admin.register(Trademark)
class TrademarkAdmin(ImportAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    import_kind = "trademarks"
    list_display = ["mark_text", "registration_number", "owner_display", "tier", "status", "registered_on"]
    list_filter = ["tier", "status", league_filter()]
    search_fields = ["mark_text", "registration_number", "owner_name", "enterprise__name", "enterprise__uscc"]
    list_select_related = ["enterprise"]
    autocomplete_fields = ["enterprise", "region", "brand", "nice_classes"]
    date_hierarchy = "registered_on"
    readonly_fields = ["created_at", "updated_at"]

    @admin.display(description=_("owner"), ordering="enterprise__name")
    def owner_display(self, obj: Trademark) -> str:
        return obj.owner_display


@admin.register(BrandEvaluation)
class BrandEvaluationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["brand", "year", "value_cny_10k", "evaluator", "rank"]
    list_filter = ["year", "evaluator"]
    search_fields = ["brand__name", "brand__enterprise__name", "evaluator"]
    list_select_related = ["brand"]
    autocomplete_fields = ["brand"]
