"""Plans, their quantified targets, reported measurements and allocations to leagues/cities.

Plans and targets are data: a new plan (2021-2025, 2026-2030, ...) is a new row with its own
targets. A registry-measured target names a metric from ``targets.metrics``; a reported one
takes dated measurements with their source.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BilingualNameMixin, Region, RegionLevel, User


class PlanQuerySet(models.QuerySet):
    def current(self) -> Plan | None:
        return self.order_by("-is_current", "-period_start").first()


class Plan(BilingualNameMixin, models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    source = models.CharField(_("source document"), max_length=500, blank=True)
    is_current = models.BooleanField(_("current plan"), default=False)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def clean(self) -> None:
        if self.period_start and self.period_end and self.period_end <= self.period_start:
            raise ValidationError(
                {"period_end": ValidationError(_("The period must end after it starts."), code="date_order")}
            )


class TargetGroup(BilingualNameMixin, models.Model):
    code = models.SlugField(_("code"), max_length=40, primary_key=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")


class Comparator(models.TextChoices):
    AT_LEAST = ">=", _("at least")
    AT_MOST = "<=", _("at most")
    EQUAL = "=", _("equal to")


class MeasuredBy(models.TextChoices):
    REGISTRY = "registry", _("Counted from the registry")
    REPORTED = "reported", _("Reported measurement")


class Target(BilingualNameMixin, models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets", verbose_name=_("plan"))
    code = models.CharField(_("code"), max_length=20)
    group = models.ForeignKey(TargetGroup, on_delete=models.PROTECT, related_name="targets", verbose_name=_("group"))
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    comparator = models.CharField(
        _("comparator"), max_length=2, choices=Comparator.choices, default=Comparator.AT_LEAST
    )
    value = models.DecimalField(_("target value"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=30)
    deadline = models.DateField(_("deadline"))
    measured_by = models.CharField(_("measured by"), max_length=10, choices=MeasuredBy.choices)
    metric = models.CharField(
        _("registry metric"),
        max_length=80,
        blank=True,
        help_text=_(
            "For registry targets: the metric that counts it, e.g. brands_recognised or zones_named:quality_city."
        ),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["plan", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="target_plan_code_unique")]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def clean(self) -> None:
        from targets.metrics import metric_exists

        if self.measured_by == MeasuredBy.REGISTRY:
            if not self.metric:
                raise ValidationError(
                    {"metric": ValidationError(_("A registry target needs a metric."), code="required")}
                )
            if not metric_exists(self.metric):
                raise ValidationError(
                    {
                        "metric": ValidationError(
                            _("Unknown metric %(metric)s."), code="unknown_metric", params={"metric": self.metric}
                        )
                    }
                )
        elif self.metric:
            raise ValidationError({"metric": ValidationError(_("A reported target has no metric."), code="invalid")})


class Measurement(models.Model):
    """A dated value of a reported target, with its source (entered by the programme office)."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="measurements", verbose_name=_("target"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    measured_on = models.DateField(_("measured on"))
    source = models.CharField(_("source"), max_length=300)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("league/city"),
        help_text=_("Empty for the whole autonomous region."),
    )
    entered_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-measured_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["target", "measured_on", "region"], name="measurement_unique"),
        ]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")

    def __str__(self) -> str:
        return f"{self.target.code} {self.measured_on}: {self.value}"

    def clean(self) -> None:
        if self.target_id and self.target.measured_by != MeasuredBy.REPORTED:
            raise ValidationError(
                _("This target is counted from the registry; it does not take reported measurements."), code="invalid"
            )
        if self.target_id and self.target.unit == "percent" and self.value is not None and not 0 <= self.value <= 100:
            raise ValidationError(
                {"value": ValidationError(_("A percentage must be between 0 and 100."), code="range")}
            )


class RegionalAllocation(models.Model):
    """The share of a target allocated to one league/city for the annual assessment."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="allocations", verbose_name=_("target"))
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("league/city"),
        limit_choices_to={"level": RegionLevel.PREFECTURE},
    )
    value = models.DecimalField(_("allocated value"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["target", "region"]
        constraints = [models.UniqueConstraint(fields=["target", "region"], name="allocation_unique")]
        verbose_name = _("regional allocation")
        verbose_name_plural = _("regional allocations")

    def __str__(self) -> str:
        return f"{self.target.code} {self.region}: {self.value}"

    def clean(self) -> None:
        if self.region_id and self.region.level != RegionLevel.PREFECTURE:
            raise ValidationError({"region": ValidationError(_("Allocate to a league or city."), code="invalid")})


def private_storage():
    """Reports are for the leadership group and the programme office: kept outside MEDIA_ROOT, served only by
    permission-checked views."""
    from awards.models import private_storage as storage

    return storage()


def annual_report_path(instance: AnnualReport, filename: str) -> str:
    return f"reports/{instance.plan.code}/{filename}"


class AnnualReport(models.Model):
    """The annual progress report of a plan (DESIGN section 6), as rendered and stored.

    One per plan and year: generating it again replaces the file and the stamp (``targets.report``). The
    SHA-256 recognises the stored file; the renderer gives the same bytes for the same data and date."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="annual_reports", verbose_name=_("plan"))
    year = models.PositiveSmallIntegerField(_("year"))
    as_of = models.DateField(_("data as of"))
    file = models.FileField(_("file"), upload_to=annual_report_path, storage=private_storage)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    pages = models.PositiveSmallIntegerField(_("pages"))
    generated_at = models.DateTimeField(_("generated at"))
    generated_by = models.CharField(_("generated by"), max_length=150)

    class Meta:
        ordering = ["-year", "plan"]
        constraints = [models.UniqueConstraint(fields=["plan", "year"], name="annual_report_plan_year_unique")]
        verbose_name = _("annual progress report")
        verbose_name_plural = _("annual progress reports")

    def __str__(self) -> str:
        return f"{self.plan.code} {self.year}"


class RegistryVersion(models.Model):
    """One row whose ``version`` changes, in the writing transaction, with every write to a table the
    progress counts read (database triggers, migration 0003): the key under which counted figures are
    cached (targets.freshness). Never written by the application."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("registry version")
        verbose_name_plural = _("registry version")

    def __str__(self) -> str:
        return str(self.version)
