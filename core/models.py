"""Shared kernel: regions, enterprises and their credit, users and roles, the audit log."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.validators import normalize_uscc, validate_uscc


class BilingualNameMixin:
    """``name`` in the active language, falling back to Chinese."""

    name_zh: str
    name_en: str

    @property
    def name(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh

    def __str__(self) -> str:
        return self.name


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    PREFECTURE = "prefecture", _("League / city")
    COUNTY = "county", _("County / banner / district")


class RegionQuerySet(models.QuerySet):
    def leagues(self) -> RegionQuerySet:
        return self.filter(level=RegionLevel.PREFECTURE)

    def counties(self) -> RegionQuerySet:
        return self.filter(level=RegionLevel.COUNTY)


def region_q(region: Region | str, field: str = "region") -> Q:
    """Records in ``region`` or below it (a league/city includes its counties)."""
    code = region.code if isinstance(region, Region) else region
    return Q(**{f"{field}_id": code}) | Q(**{f"{field}__parent_id": code}) | Q(**{f"{field}__parent__parent_id": code})


class Region(BilingualNameMixin, models.Model):
    """An administrative division of Inner Mongolia (GB/T 2260 code)."""

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name_zh = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    level = models.CharField(_("level"), max_length=12, choices=RegionLevel.choices)

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    @property
    def league(self) -> Region | None:
        """The league/city this region belongs to (itself for a league/city)."""
        if self.level == RegionLevel.PREFECTURE:
            return self
        if self.level == RegionLevel.COUNTY:
            return self.parent
        return None


class Industry(models.TextChoices):
    AGRICULTURE = "agriculture", _("Agriculture and animal husbandry")
    FOOD = "food", _("Food and beverages")
    DAIRY = "dairy", _("Dairy")
    TEXTILE = "textile", _("Textiles and cashmere")
    ENERGY = "energy", _("Energy and chemicals")
    METALLURGY = "metallurgy", _("Metallurgy and rare earths")
    EQUIPMENT = "equipment", _("Equipment manufacturing")
    MEDICINE = "medicine", _("Mongolian and Chinese medicine")
    TOURISM = "tourism", _("Tourism and culture")
    SERVICES = "services", _("Services")
    OTHER = "other", _("Other")


class CreditGrade(models.TextChoices):
    A = "A", _("A (trustworthy)")
    B = "B", _("B (basically trustworthy)")
    C = "C", _("C (watch list)")
    D = "D", _("D (untrustworthy)")


class EnterpriseQuerySet(models.QuerySet):
    def in_region(self, region: Region | str) -> EnterpriseQuerySet:
        return self.filter(region_q(region))


class Enterprise(models.Model):
    """A market entity identified by its Unified Social Credit Code (USCC)."""

    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(_("Unified Social Credit Code"), max_length=18, unique=True, validators=[validate_uscc])
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("region"))
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, default=Industry.OTHER)
    address = models.CharField(_("address"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    # Contact details are not public.
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    credit_grade = models.CharField(_("credit grade"), max_length=1, choices=CreditGrade.choices, default=CreditGrade.A)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EnterpriseQuerySet.as_manager()

    # The fields of the PostgreSQL search index (core.search; migration core.0005_list_indexes).
    search_index_fields = ("name", "uscc")

    class Meta:
        ordering = ["name"]
        # The list's order, so that a page is read from the index rather than sorted from every row.
        indexes = [models.Index(fields=["name", "id"], name="enterprise_list_order_idx")]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.uscc = normalize_uscc(self.uscc)
        if self.region_id:
            region = self.region
            if region.level != RegionLevel.COUNTY:
                raise ValidationError(
                    {
                        "region": ValidationError(
                            _(
                                "An enterprise must be registered in a county-level region "
                                "(county, banner, district or county-level city), not %(region)s."
                            ),
                            code="region_not_county",
                            params={"region": region.name_zh},
                        )
                    }
                )


class CreditRecordKind(models.TextChoices):
    VIOLATION = "violation", _("Violation")
    COMMENDATION = "commendation", _("Commendation")


class CreditRecordSeverity(models.TextChoices):
    MINOR = "minor", _("Minor")
    SERIOUS = "serious", _("Serious")


class CreditRecordQuerySet(models.QuerySet):
    def open_serious_violations(self) -> CreditRecordQuerySet:
        return self.filter(
            kind=CreditRecordKind.VIOLATION, severity=CreditRecordSeverity.SERIOUS, closed_on__isnull=True
        )


class CreditRecord(models.Model):
    """A dated entry in an enterprise's credit file (a violation or a commendation)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="credit_records")
    kind = models.CharField(_("kind"), max_length=20, choices=CreditRecordKind.choices)
    severity = models.CharField(
        _("severity"), max_length=10, choices=CreditRecordSeverity.choices, default=CreditRecordSeverity.MINOR
    )
    description = models.TextField(_("description"))
    authority = models.CharField(_("recording authority"), max_length=200, blank=True)
    recorded_on = models.DateField(_("recorded on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects = CreditRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_on"]
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")

    def __str__(self) -> str:
        return f"{self.enterprise} {self.get_kind_display()} {self.recorded_on}"


class Role(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise user")
    REVIEWER = "reviewer", _("Reviewer")
    COMMITTEE = "committee", _("Committee member")
    STAFF = "staff", _("Programme office staff")
    LEADERSHIP = "leadership", _("Leadership group")


class User(AbstractUser):
    """A person who signs in. Enterprise users belong to one enterprise; reviewers have a jurisdiction."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.ENTERPRISE)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("enterprise")
    )
    jurisdiction = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("jurisdiction"),
        help_text=_("A league/city, or the whole region for region-level reviewers."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def clean(self) -> None:
        super().clean()
        from core.accounts import validate_user_role  # core.accounts imports this module

        validate_user_role(self)


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit events are append-only")

    def delete(self):
        raise TypeError("Audit events are append-only")

    def bulk_create(self, objs, *args, **kwargs) -> list[AuditEvent]:
        """Chain the events in list order, then insert them (under the chain head's lock)."""
        from core.audit import audit_chain_append  # core.audit imports this module

        if kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts") or len(args) > 1:
            raise TypeError("Audit events are append-only: every event is inserted, none skipped or merged")
        objs = list(objs)
        using = self.db
        with transaction.atomic(using=using, savepoint=False):
            audit_chain_append(objs, using=using)
            return super().bulk_create(objs, *args, **kwargs)


class AuditEvent(models.Model):
    """One state change: who did what to which object, with the values before and after.

    Append-only: written in the same transaction as the change (``core.audit.audit``), never
    updated or deleted by the application or the admin.

    Tamper-evident: the events form a SHA-256 hash chain. Each event has a gap-free ``sequence``,
    the ``previous_hash`` of the event before it and its own ``hash`` over a canonical serialisation
    of its content and ``previous_hash`` (``core.audit.audit_event_hash``). Appends lock the one
    ``AuditChainHead`` row, so the chain never forks; ``manage.py check_audit_trail`` recomputes it
    and names every altered, inserted or deleted event.
    """

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True, editable=False)
    previous_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise TypeError("Audit events are append-only")
        from core.audit import audit_chain_append  # core.audit imports this module

        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        # The head stays locked until the caller's transaction commits: the next append waits for it.
        with transaction.atomic(using=using, savepoint=False):
            audit_chain_append([self], using=using)
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are append-only")


class AuditChainHead(models.Model):
    """The end of the audit hash chain: one row (pk 1) holding the last event's sequence and hash.

    Every append locks it (SELECT ... FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions
    serialise writers) until its transaction commits, which keeps the sequence gap-free and the chain
    unforked. It also lets ``check_audit_trail`` notice events deleted from the end of the chain.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    sequence = models.PositiveBigIntegerField(_("sequence"), default=0)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="audit_chain_head_single_row")]
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")

    def __str__(self) -> str:
        return f"#{self.sequence} {self.hash[:12]}"
