"""Serializers of the workflow API: what callers send (``...Input``) and what they read back.

The applicant reads the public-facing label of a state (``PUBLIC_LABELS``): which internal stage a
file is in is the programme office's business. Reviewers, the committee and staff read the internal
state. No serializer here carries an enterprise's contact details or credit grade.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.serializers import PolymorphicProxySerializerExtension
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from awards.models import (
    Application,
    Assignment,
    Attachment,
    AwardProgramme,
    Notice,
    Objection,
    Recommendation,
    Review,
)
from awards.workflow import State
from brands.models import Brand
from core.api_registers import EnterpriseSummarySerializer
from core.models import Role, User
from geo_indications.models import GIProduct

# ---------------------------------------------------------------------------------------------
# Nested representations


class ProgrammeSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = AwardProgramme
        fields = ["code", "name_zh", "name_en", "subject_kind"]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class NoticeSummarySerializer(serializers.ModelSerializer):
    """The public notice of an application: public information (the notice pages show it too)."""

    # Plain text in the schema: the choices are the application's states, already documented as an
    # enum under ``state`` (a second enum of the same choices would make drf-spectacular warn).
    outcome = serializers.CharField(
        read_only=True, help_text=_("The state the application ended in; empty while open.")
    )

    class Meta:
        model = Notice
        fields = ["id", "opened_on", "deadline", "closed_on", "outcome"]
        read_only_fields = fields


class _ApplicationBase(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text=_("The application's reference, e.g. SQ000123."))
    programme = ProgrammeSummarySerializer(read_only=True)
    subject = serializers.CharField(
        source="subject_name", read_only=True, help_text=_("The brand, GI product or enterprise applied for.")
    )
    attachments = AttachmentSerializer(many=True, read_only=True)
    notice = serializers.SerializerMethodField()

    @extend_schema_field(NoticeSummarySerializer(allow_null=True))
    def get_notice(self, obj: Application) -> dict | None:
        notice = getattr(obj, "notice", None)  # the reverse one-to-one raises when there is none
        return NoticeSummarySerializer(notice).data if notice is not None else None


APPLICATION_COMMON_FIELDS = [
    "id",
    "reference",
    "programme",
    "brand",
    "gi_product",
    "subject",
    "status",
    "statement",
    "information_request",
    "information_response",
    "created_at",
    "submitted_at",
    "decided_at",
    "attachments",
    "notice",
]


class ApplicationPortalSerializer(_ApplicationBase):
    """An application as its applicant reads it: the status is the public-facing label."""

    status = serializers.CharField(
        source="public_label", read_only=True, help_text=_("The status as the applicant and the public read it.")
    )

    class Meta:
        model = Application
        fields = APPLICATION_COMMON_FIELDS
        read_only_fields = fields


class ApplicationWorkspaceSerializer(_ApplicationBase):
    """An application as reviewers, the committee and staff read it: with the internal state."""

    status = serializers.CharField(
        source="public_label", read_only=True, help_text=_("The status as the applicant and the public read it.")
    )
    state = serializers.ChoiceField(choices=State.choices, read_only=True, help_text=_("The internal stage."))
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    enterprise = EnterpriseSummarySerializer(read_only=True)
    reviews_done = serializers.SerializerMethodField(help_text=_("Reviews submitted so far."))

    class Meta:
        model = Application
        fields = [*APPLICATION_COMMON_FIELDS, "state", "state_label", "enterprise", "reviews_done"]
        read_only_fields = fields

    def get_reviews_done(self, obj: Application) -> int:
        annotated = getattr(obj, "reviews_done", None)  # set by the list's queryset
        if annotated is not None:
            return annotated
        return Review.objects.filter(assignment__application=obj).count()


class AnyOfProxySerializer(PolymorphicProxySerializer):
    """One of ``serializers``, documented as ``anyOf``: use it where one view is a subset of another,
    so that a payload of the larger view fits both and ``oneOf`` ("exactly one") would be false."""


class AnyOfProxySerializerExtension(PolymorphicProxySerializerExtension):
    target_class = AnyOfProxySerializer
    priority = 1

    def map_serializer(self, auto_schema, direction) -> dict:
        schema = super().map_serializer(auto_schema, direction)
        return {"anyOf": schema.pop("oneOf"), **schema}


# The applicant's view is a subset of the workspace view (found by the API fuzz run: under oneOf every
# workspace payload was invalid, since it fits both).
ApplicationOutput = AnyOfProxySerializer(
    component_name="ApplicationView",
    serializers=[ApplicationPortalSerializer, ApplicationWorkspaceSerializer],
    resource_type_field_name=None,
)


def application_output_class(user: User) -> type[serializers.ModelSerializer]:
    """The applicant's view for enterprise users (who see only their own enterprise's applications)."""
    return ApplicationPortalSerializer if user.role == Role.ENTERPRISE else ApplicationWorkspaceSerializer


# ---------------------------------------------------------------------------------------------
# Inputs: the applicant


class ApplicationCreateInput(serializers.Serializer):
    programme = serializers.SlugRelatedField(
        slug_field="code", queryset=AwardProgramme.objects.all(), help_text=_("Code of the award programme.")
    )
    # Brands and GI products are public registers: their ids are no secret. That the brand belongs
    # to the applicant is the model's rule (Application.clean), checked by the service.
    brand = serializers.PrimaryKeyRelatedField(
        queryset=Brand.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("The brand to be recognised (brand programmes)."),
    )
    gi_product = serializers.PrimaryKeyRelatedField(
        queryset=GIProduct.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("The GI product whose special mark the enterprise applies to use (GI mark programmes)."),
    )
    statement = serializers.CharField(required=False, allow_blank=True, default="")


class ApplicationUpdateInput(serializers.Serializer):
    statement = serializers.CharField(allow_blank=True)


class RespondInput(serializers.Serializer):
    response = serializers.CharField(allow_blank=True, help_text=_("The answer to the request for information."))


class AttachmentInput(serializers.Serializer):
    file = serializers.FileField(help_text=_("A PDF file or a picture; the type is read from the content."))


# ---------------------------------------------------------------------------------------------
# Inputs: reviewers and the committee


class ReasonsInput(serializers.Serializer):
    reasons = serializers.CharField(allow_blank=True, help_text=_("The reasons for the decision."))


class OptionalReasonsInput(serializers.Serializer):
    reasons = serializers.CharField(required=False, allow_blank=True, default="")


class RequestInfoInput(serializers.Serializer):
    request = serializers.CharField(allow_blank=True, help_text=_("What the applicant must provide."))


class AssignmentCreateInput(serializers.Serializer):
    application = serializers.IntegerField(help_text=_("The application (in expert review)."))
    reviewer = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=Role.REVIEWER, is_active=True),
        required=False,
        allow_null=True,
        help_text=_("The reviewer (committee only); yourself when left out."),
    )


class DeclareInput(serializers.Serializer):
    conflict = serializers.BooleanField(help_text=_("True: I have a conflict of interest and step aside."))
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class ReviewInput(serializers.Serializer):
    scores = serializers.DictField(
        child=serializers.DecimalField(max_digits=6, decimal_places=2),
        help_text=_("A score for every indicator of the programme, by indicator code."),
    )
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    comment = serializers.CharField(allow_blank=True)


# ---------------------------------------------------------------------------------------------
# Outputs: assignments and reviews


class ScoreSerializer(serializers.Serializer):
    indicator = serializers.CharField(source="indicator.code")
    value = serializers.DecimalField(max_digits=6, decimal_places=2)


class ReviewSerializer(serializers.ModelSerializer):
    scores = ScoreSerializer(many=True, read_only=True)

    class Meta:
        model = Review
        fields = ["id", "recommendation", "comment", "total", "submitted_at", "scores"]
        read_only_fields = fields


class AssignmentSerializer(serializers.ModelSerializer):
    application_reference = serializers.CharField(source="application.reference", read_only=True)
    review = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "application",
            "application_reference",
            "reviewer",
            "assigned_at",
            "declared_no_conflict_at",
            "recused_at",
            "recusal_reason",
            "is_open_for_review",
            "review",
        ]
        read_only_fields = fields

    @extend_schema_field(ReviewSerializer(allow_null=True))
    def get_review(self, obj: Assignment) -> dict | None:
        review = getattr(obj, "review", None)
        return ReviewSerializer(review).data if review is not None else None


# ---------------------------------------------------------------------------------------------
# Objections


# Plain text in the schema: another register already owns the enum name "Status".
OBJECTION_STATUS_HELP = _("pending (awaiting an answer), dismissed (answered, not upheld) or upheld.")


class ObjectionInput(serializers.Serializer):
    name = serializers.CharField(max_length=100, allow_blank=True)
    contact = serializers.CharField(max_length=150, allow_blank=True, help_text=_("A phone number or an email."))
    text = serializers.CharField(max_length=5000, allow_blank=True)


class ObjectionReceiptSerializer(serializers.ModelSerializer):
    """What the person who objected reads back: that it was received."""

    status = serializers.CharField(read_only=True, help_text=OBJECTION_STATUS_HELP)

    class Meta:
        model = Objection
        fields = ["id", "notice", "filed_at", "status"]
        read_only_fields = fields


class ObjectionAnswerInput(serializers.Serializer):
    upheld = serializers.BooleanField(help_text=_("True: the objection is upheld (the application cannot be granted)."))
    answer = serializers.CharField(allow_blank=True)


class ObjectionSerializer(serializers.ModelSerializer):
    """An objection as the committee reads it."""

    status = serializers.CharField(read_only=True, help_text=OBJECTION_STATUS_HELP)

    class Meta:
        model = Objection
        fields = ["id", "notice", "name", "contact", "text", "filed_at", "status", "answer", "answered_at"]
        read_only_fields = fields
