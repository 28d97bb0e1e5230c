"""Award programmes (as data), applications, reviews, public notices, objections, decisions and awards.

The states of an application and who may move it are in ``awards.workflow``; every change of state
is made by a function in ``awards.services``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from awards.workflow import FINAL_STATES, OPEN_STATES, PUBLIC_LABELS, State
from brands.models import Brand
from core.models import BilingualNameMixin, Enterprise, User
from geo_indications.models import GIProduct

FINAL_STATE_VALUES = sorted(s.value for s in FINAL_STATES)
ONE_UNFINISHED = _("There is already an unfinished application for this subject.")


class SubjectKind(models.TextChoices):
    BRAND = "brand", _("A brand (recognition as an Inner Mongolia brand)")
    GI_MARK = "gi_mark", _("Use of the GI special mark for a GI product")
    ENTERPRISE = "enterprise", _("The enterprise itself (quality award)")


class AwardProgramme(BilingualNameMixin, models.Model):
    """A recognition or award the programme office runs; everything about it is data."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    description = models.TextField(_("description"), blank=True)
    subject_kind = models.CharField(_("what is recognised"), max_length=12, choices=SubjectKind.choices)
    is_open = models.BooleanField(_("accepting applications"), default=True)
    reviewers_required = models.PositiveSmallIntegerField(
        _("reviews required"), default=2, validators=[MinValueValidator(1), MaxValueValidator(15)]
    )
    notice_working_days = models.PositiveSmallIntegerField(
        _("public notice (working days)"), default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    validity_years = models.PositiveSmallIntegerField(
        _("validity of the recognition (years)"), default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    reward_amount = models.DecimalField(
        _("reward (CNY)"), max_digits=12, decimal_places=2, default=Decimal(0), validators=[MinValueValidator(0)]
    )
    certificate_prefix = models.CharField(
        _("certificate number prefix"),
        max_length=8,
        blank=True,
        help_text=_("e.g. NMPP; empty when the programme issues no certificate."),
    )
    # Eligibility rules (DESIGN section 4), as switches so that a programme can differ.
    refuse_credit_grade_d = models.BooleanField(_("refuse credit grade D"), default=True)
    refuse_open_serious_violation = models.BooleanField(_("refuse an open serious violation"), default=True)
    refuse_revoked_award_years = models.PositiveSmallIntegerField(
        _("refuse after a revoked award within (years)"), default=3
    )
    # The registry metric (targets.metrics) that a grant of this programme adds one to, e.g. brands_recognised;
    # the progress engine turns open applications into an expected pipeline. Checked in targets (awards may not
    # import it): an unknown name is ignored there with a warning.
    counts_toward_metric = models.CharField(
        _("counts toward metric"),
        blank=True,
        max_length=80,
        help_text=_("The registry metric a grant adds to, e.g. brands_recognised; empty when none."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("award programme")
        verbose_name_plural = _("award programmes")
        constraints = [
            # Trademark Law art. 14: "驰名商标" may not be used in promotion, so no programme that names
            # well-known trademarks may issue certificates (awards.certificates.guardrail says why).
            models.CheckConstraint(
                condition=Q(certificate_prefix="")
                | ~(Q(name_zh__contains="驰名") | Q(name_en__icontains="well-known trademark")),
                name="no_certificate_for_well_known_trademarks",
            ),
            models.CheckConstraint(
                condition=Q(certificate_prefix="") | Q(certificate_prefix__regex=r"^[A-Z0-9]{2,8}$"),
                name="certificate_prefix_format",
            ),
        ]

    def clean(self) -> None:
        from awards.certificates.guardrail import well_known_trademark_problem

        errors = {}
        if self.certificate_prefix:
            if not self.certificate_prefix.isascii() or not self.certificate_prefix.isalnum():
                errors["certificate_prefix"] = ValidationError(_("Use letters and digits only."), code="invalid")
            elif self.certificate_prefix != self.certificate_prefix.upper() or len(self.certificate_prefix) < 2:
                errors["certificate_prefix"] = ValidationError(
                    _("Use 2 to 8 capital letters or digits, e.g. NMPP."), code="invalid"
                )
            problem = well_known_trademark_problem(self.name_zh, self.name_en)
            if problem:
                errors["certificate_prefix"] = ValidationError(problem, code="well_known_trademark")
        if errors:
            raise ValidationError(errors)


class Indicator(BilingualNameMixin, models.Model):
    """A scored criterion of a programme; the weights of a programme add up to 100."""

    programme = models.ForeignKey(AwardProgramme, on_delete=models.CASCADE, related_name="indicators")
    code = models.SlugField(_("code"), max_length=30)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    weight = models.DecimalField(
        _("weight (%)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    max_score = models.PositiveSmallIntegerField(_("highest score"), default=100, validators=[MinValueValidator(1)])
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["programme", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="indicator_programme_code_unique")]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")


class ApplicationQuerySet(models.QuerySet):
    def open(self) -> ApplicationQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def for_enterprise(self, enterprise: Enterprise) -> ApplicationQuerySet:
        return self.filter(enterprise=enterprise)


class Application(models.Model):
    """An enterprise's application to a programme for one subject (a brand, a GI product, or itself)."""

    programme = models.ForeignKey(AwardProgramme, on_delete=models.PROTECT, related_name="applications")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="applications")
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, null=True, blank=True, related_name="applications")
    gi_product = models.ForeignKey(
        GIProduct, on_delete=models.PROTECT, null=True, blank=True, related_name="applications"
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True)
    statement = models.TextField(_("statement"), blank=True, help_text=_("What the applicant says in support."))
    information_request = models.TextField(_("information requested"), blank=True)
    information_response = models.TextField(_("information provided"), blank=True)
    return_state = models.CharField(max_length=20, choices=State.choices, blank=True, editable=False)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        # One unfinished application (draft included) per programme and subject.
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "brand"],
                condition=Q(brand__isnull=False) & ~Q(state__in=FINAL_STATE_VALUES),
                name="application_one_open_per_brand",
                violation_error_message=ONE_UNFINISHED,
            ),
            models.UniqueConstraint(
                fields=["programme", "enterprise", "gi_product"],
                condition=Q(gi_product__isnull=False) & ~Q(state__in=FINAL_STATE_VALUES),
                name="application_one_open_per_gi_product",
                violation_error_message=ONE_UNFINISHED,
            ),
            models.UniqueConstraint(
                fields=["programme", "enterprise"],
                condition=Q(brand__isnull=True, gi_product__isnull=True) & ~Q(state__in=FINAL_STATE_VALUES),
                name="application_one_open_per_enterprise",
                violation_error_message=ONE_UNFINISHED,
            ),
        ]
        verbose_name = _("application")
        verbose_name_plural = _("applications")

    def __str__(self) -> str:
        return f"{self.reference} {self.subject_name}"

    @property
    def reference(self) -> str:
        return f"SQ{self.pk:06d}" if self.pk else "SQ-new"

    @property
    def subject_name(self) -> str:
        if self.brand_id:
            return self.brand.name
        if self.gi_product_id:
            return self.gi_product.name_zh
        return self.enterprise.name

    @property
    def public_label(self) -> str:
        return PUBLIC_LABELS[State(self.state)]

    def clean(self) -> None:
        kind = self.programme.subject_kind if self.programme_id else None
        if kind == SubjectKind.BRAND and not self.brand_id:
            raise ValidationError({"brand": ValidationError(_("Choose the brand to be recognised."), code="required")})
        if kind == SubjectKind.GI_MARK and not self.gi_product_id:
            raise ValidationError(
                {
                    "gi_product": ValidationError(
                        _("Choose the GI product whose mark you apply to use."), code="required"
                    )
                }
            )
        if self.brand_id and self.enterprise_id and self.brand.enterprise_id != self.enterprise_id:
            raise ValidationError(
                {"brand": ValidationError(_("The brand must belong to the applicant enterprise."), code="not_own")}
            )


def private_storage() -> FileSystemStorage:
    """Attachments live outside MEDIA_ROOT: never served by URL, only by permission-checked views."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


class Attachment(models.Model):
    """A supporting document (PDF or image), checked by content and capped in size on upload."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="applications/%Y/%m/", storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class ReviewerLink(models.Model):
    """A known tie between a reviewer and an enterprise (employment, shareholding, family...):
    the reviewer may never review that enterprise's applications."""

    reviewer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enterprise_links")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="reviewer_links")
    relation = models.CharField(_("relation"), max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reviewer", "enterprise"], name="reviewer_link_unique")]
        verbose_name = _("reviewer link")
        verbose_name_plural = _("reviewer links")

    def __str__(self) -> str:
        return f"{self.reviewer} - {self.enterprise}"


class Assignment(models.Model):
    """A reviewer assigned to an application; the file opens only after the reviewer declares no conflict."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="assignments")
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    declared_no_conflict_at = models.DateTimeField(_("declared no conflict at"), null=True, blank=True)
    recused_at = models.DateTimeField(_("recused at"), null=True, blank=True)
    recusal_reason = models.CharField(_("reason for recusal"), max_length=300, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "reviewer"], name="assignment_unique")]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        return f"{self.application} - {self.reviewer}"

    @property
    def is_open_for_review(self) -> bool:
        return self.declared_no_conflict_at is not None and self.recused_at is None


class Recommendation(models.TextChoices):
    GRANT = "grant", _("Recommend granting")
    REJECT = "reject", _("Recommend rejecting")
    MORE_INFORMATION = "more_information", _("Recommend asking for more information")


class Review(models.Model):
    """One reviewer's scores, recommendation and comment."""

    assignment = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="review")
    recommendation = models.CharField(_("recommendation"), max_length=20, choices=Recommendation.choices)
    comment = models.TextField(_("comment"))
    total = models.DecimalField(_("weighted score"), max_digits=6, decimal_places=2)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submitted_at", "id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.assignment} {self.total}"


class Score(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("score"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "indicator"], name="score_unique")]
        verbose_name = _("score")
        verbose_name_plural = _("scores")


class NoticeQuerySet(models.QuerySet):
    def open(self) -> NoticeQuerySet:
        return self.filter(closed_on__isnull=True)

    def closed(self) -> NoticeQuerySet:
        return self.filter(closed_on__isnull=False)


class Notice(models.Model):
    """The public notice (公示) of an application the committee intends to grant."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="notice")
    opened_on = models.DateField(_("opened on"))
    deadline = models.DateField(_("objections until"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=State.choices, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")

    def __str__(self) -> str:
        return f"{self.application} {self.opened_on}-{self.deadline}"


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting an answer")
    DISMISSED = "dismissed", _("Answered, not upheld")
    UPHELD = "upheld", _("Upheld")


class Objection(models.Model):
    """An objection filed by a member of the public during a notice; the committee answers each."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="objections")
    name = models.CharField(_("name"), max_length=100)
    contact = models.CharField(_("phone or email"), max_length=150)
    text = models.TextField(_("objection"), max_length=5000)
    filed_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ObjectionStatus.choices, default=ObjectionStatus.PENDING
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["filed_at", "id"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self) -> str:
        return f"{self.notice.application} {self.name}"


class Decision(models.Model):
    """A recorded decision on an application, with its reasons: the basis of the decision letter."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    action = models.CharField(_("decision"), max_length=20)
    from_state = models.CharField(max_length=20, choices=State.choices)
    to_state = models.CharField(max_length=20, choices=State.choices)
    reasons = models.TextField(_("reasons"), blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return f"{self.application} {self.action}"


class AwardStatus(models.TextChoices):
    ACTIVE = "active", _("In force")
    REVOKED = "revoked", _("Revoked")
    CANCELLED = "cancelled", _("Cancelled at the holder's request")


class AwardQuerySet(models.QuerySet):
    def total_amount(self) -> Decimal:
        return self.aggregate(total=Sum("amount"))["total"] or Decimal(0)


class Award(models.Model):
    """What a grant produces: the recognition in force, with its reward."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="award")
    programme = models.ForeignKey(AwardProgramme, on_delete=models.PROTECT, related_name="awards")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="awards")
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, null=True, blank=True, related_name="awards")
    gi_product = models.ForeignKey(GIProduct, on_delete=models.PROTECT, null=True, blank=True, related_name="awards")
    amount = models.DecimalField(_("reward (CNY)"), max_digits=12, decimal_places=2)
    granted_on = models.DateField(_("granted on"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(_("status"), max_length=10, choices=AwardStatus.choices, default=AwardStatus.ACTIVE)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    revocation_reason = models.CharField(_("reason for revocation"), max_length=300, blank=True)

    objects = AwardQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_on", "-id"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    def __str__(self) -> str:
        return f"{self.programme} {self.application.subject_name} {self.granted_on}"

    @property
    def certificate_or_none(self):
        """The award's certificate, or None before it is issued (or when the programme issues none)."""
        try:
            return self.certificate
        except ObjectDoesNotExist:
            return None


class Reminder(models.Model):
    """A sent expiry reminder, so that each stage (90, 30, 7 days before) is sent once per item."""

    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    days_before = models.PositiveSmallIntegerField()
    expires_on = models.DateField()
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "object_id", "expires_on", "days_before"], name="reminder_once_per_stage"
            )
        ]
        verbose_name = _("expiry reminder")
        verbose_name_plural = _("expiry reminders")

    def __str__(self) -> str:
        return f"{self.object_type}#{self.object_id} {self.days_before}"


# The certificate records live in their own module (DESIGN section 5); importing them here registers them.
from awards.certificates.models import (  # noqa: E402, F401
    Certificate,
    CertificateEvent,
    CertificateFile,
    CertificateSerial,
    CertificateStatus,
    SigningKey,
)
