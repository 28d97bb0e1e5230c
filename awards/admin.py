"""Admin for the workflow. Programmes, indicators and reviewer links are data the office maintains;
applications, reviews, notices, objections and awards are read-only here: their changes go through
awards.services (the review workspace), so that every transition is guarded and audited."""

from __future__ import annotations

from django.contrib import admin

from awards.certificates.models import Certificate, CertificateEvent, CertificateFile, SigningKey
from awards.models import (
    Application,
    Assignment,
    Award,
    AwardProgramme,
    Decision,
    Indicator,
    Notice,
    Objection,
    Review,
    ReviewerLink,
)
from core.admin import AuditedAdminMixin


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0


@admin.register(AwardProgramme)
class AwardProgrammeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_zh", "subject_kind", "is_open", "reviewers_required", "notice_working_days"]
    list_filter = ["subject_kind", "is_open"]
    search_fields = ["code", "name_zh", "name_en"]
    inlines = [IndicatorInline]


@admin.register(ReviewerLink)
class ReviewerLinkAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["reviewer", "enterprise", "relation"]
    search_fields = ["reviewer__username", "enterprise__name", "enterprise__uscc"]
    autocomplete_fields = ["reviewer", "enterprise"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 0
    can_delete = False
    readonly_fields = ["action", "from_state", "to_state", "reasons", "decided_by", "decided_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["reference", "programme", "enterprise", "state", "submitted_at", "decided_at"]
    list_filter = ["programme", "state"]
    search_fields = ["enterprise__name", "enterprise__uscc", "brand__name", "gi_product__name_zh"]
    list_select_related = ["programme", "enterprise"]
    date_hierarchy = "created_at"
    inlines = [DecisionInline]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["application", "reviewer", "assigned_at", "declared_no_conflict_at", "recused_at"]
    list_select_related = ["application__programme", "application__enterprise", "reviewer"]
    search_fields = ["reviewer__username", "application__enterprise__name"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["assignment", "recommendation", "total", "submitted_at"]
    list_select_related = ["assignment__application__enterprise", "assignment__reviewer"]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["application", "opened_on", "deadline", "closed_on", "outcome"]
    list_filter = ["outcome"]
    list_select_related = ["application__programme", "application__enterprise"]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ["notice", "name", "status", "filed_at", "answered_at"]
    list_filter = ["status"]
    list_select_related = ["notice__application__enterprise"]


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    list_display = ["programme", "enterprise", "brand", "gi_product", "amount", "granted_on", "valid_until", "status"]
    list_filter = ["programme", "status"]
    search_fields = ["enterprise__name", "enterprise__uscc", "brand__name"]
    list_select_related = ["programme", "enterprise", "brand", "gi_product"]


class CertificateEventInline(admin.TabularInline):
    model = CertificateEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "at", "actor", "reason", "until", "version"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class CertificateFileInline(admin.TabularInline):
    model = CertificateFile
    extra = 0
    can_delete = False
    readonly_fields = ["version", "created_at", "key_id", "sha256", "size"]
    exclude = ["file"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    """Read-only: the committee suspends, reinstates, revokes and reissues in the review workspace."""

    list_display = ["number", "holder_name", "subject_name", "programme", "issued_on", "valid_until", "status"]
    list_filter = ["programme", "status", "year"]
    search_fields = ["number", "holder_name", "holder_uscc", "subject_name"]
    list_select_related = ["programme"]
    inlines = [CertificateEventInline, CertificateFileInline]


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    """Read-only: keys change only by rotate_signing_key and withdraw_signing_key (docs/operations.md)."""

    list_display = ["key_id", "status", "created_at", "retired_at", "withdrawn_at"]
    list_filter = ["status"]
