"""Admin of the shared kernel, and the two mixins every register's admin uses.

``AuditedAdminMixin`` writes an AuditEvent for every add, change and delete made in the admin,
in the admin's own transaction. ``ImportAdminMixin`` adds "Import from file" to a changelist; it
finds its importer by kind in ``core.importing``'s registry, so core imports no app to its right.
"""

from __future__ import annotations

import datetime
import json
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models, router, transaction
from django.db.models.fields.files import FieldFile
from django.forms.models import model_to_dict
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.audit import audit
from core.importing import ImportFileError, check_file, get_importer
from core.mfa import mfa_reset
from core.models import AuditEvent, CreditRecord, Enterprise, Region, User, region_q

admin.site.site_header = _("Brand registry administration")
admin.site.site_title = _("Brand registry administration")
admin.site.index_title = _("Registers and reference data")

# --- audit of admin changes ------------------------------------------------------------------------

MASKED = "(changed)"


def json_safe(value: Any) -> Any:
    """A value as JSON can store it: related objects by primary key, files by name, dates as ISO text."""
    if isinstance(value, models.Model):
        return json_safe(value.pk)
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset, models.QuerySet)):
        return [json_safe(v) for v in value]
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, (Decimal, uuid.UUID, Promise)):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def audit_snapshot(obj: models.Model) -> dict[str, Any]:
    """The editable fields of ``obj`` (many-to-many as lists of keys), JSON-safe."""
    return json_safe(model_to_dict(obj))


def request_id(request) -> str:
    return (getattr(request, "request_id", "") or request.META.get("HTTP_X_REQUEST_ID", ""))[:64]


class AuditedAdminMixin:
    """Write an AuditEvent (action admin.create / admin.update / admin.delete) for every admin change.

    The event is written in the admin's transaction: ``changeform_view`` and ``delete_view`` are
    atomic, and so is the bulk delete below. The change is recorded after ``save_related`` so that
    many-to-many and inline changes are part of the picture.
    """

    audit_masked_fields: tuple[str, ...] = ("password",)

    def _audit_snapshot_from_db(self, obj: models.Model) -> dict[str, Any] | None:
        current = type(obj)._default_manager.filter(pk=obj.pk).first()
        return audit_snapshot(current) if current is not None else None

    def _audit(self, request, action: str, obj: models.Model, before, after) -> None:
        if before is not None and after is not None:
            changed = [k for k in after if before.get(k) != after.get(k)]
            if not changed:
                return  # saved without a change
            before, after = {k: before.get(k) for k in changed}, {k: after[k] for k in changed}
        for data in (before, after):
            for name in self.audit_masked_fields:
                if data and name in data:
                    data[name] = MASKED  # that it changed is recorded, never the value
        audit(actor=request.user, action=action, obj=obj, before=before, after=after, request_id=request_id(request))

    def save_model(self, request, obj, form, change) -> None:
        before = self._audit_snapshot_from_db(obj) if change and obj.pk is not None else None
        super().save_model(request, obj, form, change)
        pending = getattr(request, "_audit_pending", {})
        pending[(obj._meta.label_lower, obj.pk)] = (change, before)
        request._audit_pending = pending

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        change, before = getattr(request, "_audit_pending", {}).pop((obj._meta.label_lower, obj.pk), (change, None))
        after = audit_snapshot(obj)
        self._audit(request, "admin.update" if change else "admin.create", obj, before if change else None, after)

    def save_formset(self, request, form, formset, change) -> None:
        """Inline rows (credit records, measurements, ...) are audited one by one."""
        deleted = [(f.instance, audit_snapshot(f.instance)) for f in formset.deleted_forms if f.instance.pk]
        befores = {
            f.instance.pk: self._audit_snapshot_from_db(f.instance)
            for f in formset.initial_forms
            if f.instance.pk and f.has_changed() and f not in formset.deleted_forms
        }
        for instance, snapshot in deleted:
            self._audit(request, "admin.delete", instance, snapshot, None)
        super().save_formset(request, form, formset, change)
        for instance in formset.new_objects:
            self._audit(request, "admin.create", instance, None, audit_snapshot(instance))
        for instance, _fields in formset.changed_objects:
            self._audit(request, "admin.update", instance, befores.get(instance.pk), audit_snapshot(instance))

    def delete_model(self, request, obj) -> None:
        self._audit(request, "admin.delete", obj, audit_snapshot(obj), None)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in queryset:
                self._audit(request, "admin.delete", obj, audit_snapshot(obj), None)
            super().delete_queryset(request, queryset)


# --- import from a file in the admin ---------------------------------------------------------------


class ImportFileForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("A .csv (UTF-8 or GB18030) or .xlsx file with a header row; use the templates below."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: check every row and show the result, but save nothing"), required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is too large: %(size)d KB, the limit is %(limit)d KB."),
                code="file_too_large",
                params={"size": upload.size // 1024, "limit": limit // 1024},
            )
        if Path(upload.name).suffix.lower() not in {".csv", ".xlsx"}:
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."), code="file_type")
        upload.seek(0)
        data = upload.read()
        try:
            check_file(data, upload.name)
        except ImportFileError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        self.data_bytes = data
        return upload


class ImportAdminMixin:
    """Adds "Import from file" to the changelist. Set ``import_kind`` to a registered importer kind."""

    import_kind: str = ""
    change_list_template = "admin/import/change_list.html"
    import_errors_shown = 1000

    def has_import_permission(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def _import_url_name(self) -> str:
        return f"{self.model._meta.app_label}_{self.model._meta.model_name}_import"

    def get_urls(self):
        urls = [path("import/", self.admin_site.admin_view(self.import_view), name=self._import_url_name())]
        return urls + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
            "import_url": reverse(f"admin:{self._import_url_name()}", current_app=self.admin_site.name),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def import_template_links(self) -> list[dict[str, str]]:
        links = []
        for fmt in ("xlsx", "csv"):
            for lang, label in (("zh-hans", _("Chinese headers")), ("en", _("English headers"))):
                url = reverse("import:template", kwargs={"kind": self.import_kind, "fmt": fmt})
                links.append(
                    {
                        "url": url + ("?lang=en" if lang == "en" else ""),
                        "label": format_lazy(_("{format} ({headers})"), format=fmt.upper(), headers=label),
                    }
                )
        return links

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        importer = get_importer(self.import_kind)
        opts = self.model._meta
        form = ImportFileForm(request.POST or None, request.FILES or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": _("Import %(name)s from a file") % {"name": opts.verbose_name_plural},
            "importer": importer,
            "columns": importer.columns,
            "natural_key": importer.natural_key_headers(),
            "template_links": self.import_template_links(),
            "max_kb": settings.IMPORT_UPLOAD_MAX_BYTES // 1024,
            "form": form,
            "changelist_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        }
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = importer.run(
                    form.data_bytes,
                    file_name=Path(upload.name).name,
                    dry_run=form.cleaned_data["dry_run"],
                    actor=request.user,
                    request_id=request_id(request),
                )
            except ImportFileError as exc:
                form.add_error("file", exc.message)
            else:
                context.update(
                    report=report,
                    errors_shown=report.errors[: self.import_errors_shown],
                    errors_hidden=max(0, len(report.errors) - self.import_errors_shown),
                )
                return TemplateResponse(request, "admin/import/result.html", context)
        return TemplateResponse(request, "admin/import/form.html", context)


# --- list filters ----------------------------------------------------------------------------------


def league_filter(field: str = "region") -> type[admin.SimpleListFilter]:
    """Filter by league/city: records in it or in one of its counties (``field`` is the region path)."""

    class LeagueFilter(admin.SimpleListFilter):
        title = _("league / city")
        parameter_name = "league"

        def lookups(self, request, model_admin):
            return [(r.code, r.name) for r in Region.objects.leagues().order_by("code")]

        def queryset(self, request, queryset):
            if self.value():
                return queryset.filter(region_q(self.value(), field))
            return queryset

    return LeagueFilter


# --- the shared kernel's models ---------------------------------------------------------------------


@admin.register(Region)
class RegionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name_zh", "name_en"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    ordering = ["code"]


class CreditRecordInline(admin.TabularInline):
    model = CreditRecord
    extra = 0
    fields = ["kind", "severity", "description", "authority", "recorded_on", "closed_on"]


@admin.register(Enterprise)
class EnterpriseAdmin(ImportAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    import_kind = "enterprises"
    list_display = ["name", "uscc", "region", "industry", "credit_grade", "updated_at"]
    list_filter = ["credit_grade", "industry", league_filter()]
    search_fields = ["name", "uscc", "address"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    date_hierarchy = "created_at"
    inlines = [CreditRecordInline]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(CreditRecord)
class CreditRecordAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["enterprise", "kind", "severity", "recorded_on", "closed_on", "authority"]
    list_filter = ["kind", "severity"]
    search_fields = ["enterprise__name", "enterprise__uscc", "description", "authority"]
    list_select_related = ["enterprise"]
    autocomplete_fields = ["enterprise"]
    date_hierarchy = "recorded_on"


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Registry"), {"fields": ("role", "enterprise", "jurisdiction")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Registry"), {"classes": ("wide",), "fields": ("role", "enterprise", "jurisdiction")}),
    )
    list_display = ["username", "email", "first_name", "last_name", "role", "enterprise", "is_staff", "is_active"]
    list_filter = ["role", "is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["username", "first_name", "last_name", "email", "enterprise__name", "enterprise__uscc"]
    list_select_related = ["enterprise"]
    autocomplete_fields = ["enterprise", "jurisdiction"]
    actions = ["reset_second_factor"]

    @admin.action(
        description=_("Reset the second factor (they set up a new authenticator app at the next sign-in)"),
        permissions=["change"],
    )
    def reset_second_factor(self, request, queryset) -> None:
        """For a lost phone and lost backup codes: core.mfa.mfa_reset, audited per user."""
        with transaction.atomic(using=router.db_for_write(self.model)):
            for user in queryset:
                mfa_reset(actor=request.user, user=user, request_id=request_id(request))
        self.message_user(
            request,
            _("Second factor reset for %(count)d user(s). They set up a new authenticator app at their next sign-in.")
            % {"count": len(queryset)},
        )


# django-otp's own pages would show the keys and change devices without an audit event: the action above
# is the one way to change a second factor in the admin.
for _otp_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_otp_model):
        admin.site.unregister(_otp_model)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Append-only: anyone with view permission may read; nobody, superusers included, may add, change or delete."""

    list_display = ["created_at", "action", "object_type", "object_id", "object_repr", "actor_label"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "object_type", "object_id", "object_repr", "actor_label", "request_id"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
    fields = [
        "created_at",
        "actor",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "before_json",
        "after_json",
        "request_id",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("before"))
    def before_json(self, obj: AuditEvent) -> str:
        return self._json(obj.before)

    @admin.display(description=_("after"))
    def after_json(self, obj: AuditEvent) -> str:
        return self._json(obj.after)

    @staticmethod
    def _json(value: Any) -> str:
        if value is None:
            return "-"
        return format_html("<pre>{}</pre>", json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True))
