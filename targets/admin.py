from django.contrib import admin

from core.admin import AuditedAdminMixin
from targets.models import Measurement, Plan, RegionalAllocation, Target, TargetGroup


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0
    fields = ["code", "group", "name_zh", "comparator", "value", "unit", "deadline", "measured_by", "order"]
    show_change_link = True


@admin.register(Plan)
class PlanAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_zh", "period_start", "period_end", "is_current"]
    list_filter = ["is_current"]
    search_fields = ["code", "name_zh", "name_en", "source"]
    inlines = [TargetInline]


@admin.register(TargetGroup)
class TargetGroupAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "order"]
    search_fields = ["code", "name_zh", "name_en"]


class MeasurementInline(admin.TabularInline):
    model = Measurement
    extra = 0
    fields = ["measured_on", "value", "region", "source", "entered_by"]
    readonly_fields = ["entered_by"]
    autocomplete_fields = ["region"]


class RegionalAllocationInline(admin.TabularInline):
    model = RegionalAllocation
    extra = 0
    autocomplete_fields = ["region"]


@admin.register(Target)
class TargetAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_zh", "plan", "group", "comparator", "value", "unit", "deadline", "measured_by"]
    list_filter = ["plan", "group", "measured_by"]
    search_fields = ["code", "name_zh", "name_en", "metric", "note"]
    list_select_related = ["plan", "group"]
    autocomplete_fields = ["plan", "group"]
    inlines = [MeasurementInline, RegionalAllocationInline]

    def save_formset(self, request, form, formset, change) -> None:
        # Stamp who entered a reported measurement.
        if formset.model is Measurement:
            for inline_form in formset.forms:
                if inline_form.instance.pk is None and inline_form.has_changed():
                    inline_form.instance.entered_by = request.user
        super().save_formset(request, form, formset, change)


@admin.register(Measurement)
class MeasurementAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["target", "measured_on", "value", "region", "source", "entered_by"]
    list_filter = ["target__plan", "measured_on"]
    search_fields = ["target__code", "target__name_zh", "source"]
    list_select_related = ["target", "region", "entered_by"]
    autocomplete_fields = ["target", "region"]
    readonly_fields = ["entered_by"]
    date_hierarchy = "measured_on"

    def save_model(self, request, obj, form, change) -> None:
        if obj.entered_by_id is None:
            obj.entered_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(RegionalAllocation)
class RegionalAllocationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["target", "region", "value"]
    list_filter = ["target__plan", "region"]
    search_fields = ["target__code", "target__name_zh", "region__name_zh"]
    list_select_related = ["target", "region"]
    autocomplete_fields = ["target", "region"]
