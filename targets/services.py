"""Writes of the targets app: recording a reported measurement."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import PermissionDenied
from core.models import Region, RegionLevel, Role, User
from targets.models import Measurement, Target


def can_record_measurements(user: User) -> bool:
    """Only the programme office enters reported measurements."""
    return bool(user.is_authenticated and user.is_active and user.role == Role.STAFF)


def measurement_record(
    *,
    actor: User,
    target: Target,
    measured_on: datetime.date,
    value: Decimal,
    source: str,
    region: Region | None = None,
) -> Measurement:
    """Record one dated value of a reported target, for the whole region or one league/city.

    Refused (``ValidationError``, nothing written): a registry-counted target, a percentage outside
    0-100, a date in the future, a region that is not a league/city, a second value for the same
    target, date and area. Audited in the same transaction.
    """
    if not can_record_measurements(actor):
        raise PermissionDenied(_("Only the programme office records measurements."))
    source = (source or "").strip()
    errors: dict[str, list[str]] = {}
    if measured_on > timezone.localdate():
        errors.setdefault("measured_on", []).append(_("A measurement cannot be dated in the future."))
    if region is not None and region.level != RegionLevel.PREFECTURE:
        errors.setdefault("region", []).append(_("Choose a league or city, or leave empty for the whole region."))
    if target.unit == "yes/no" and value not in (Decimal(0), Decimal(1)):
        errors.setdefault("value", []).append(_("Enter 1 for yes or 0 for no."))
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        # Serialise recordings of one target, so that the duplicate check below holds under concurrency
        # (the unique constraint does not cover the whole-region rows, where region is NULL).
        target = Target.objects.select_for_update().get(pk=target.pk)
        measurement = Measurement(
            target=target, measured_on=measured_on, value=value, source=source, region=region, entered_by=actor
        )
        measurement.full_clean(exclude=["entered_by"], validate_unique=False, validate_constraints=False)
        if Measurement.objects.filter(target=target, measured_on=measured_on, region=region).exists():
            area = region.name if region is not None else _("the whole autonomous region")
            raise ValidationError(
                {
                    "measured_on": ValidationError(
                        _("A measurement of this target on %(day)s for %(area)s is already recorded."),
                        code="duplicate",
                        params={"day": measured_on.isoformat(), "area": area},
                    )
                }
            )
        measurement.save()
        audit(
            actor=actor,
            action="measurement.record",
            obj=measurement,
            after={
                "target": target.code,
                "plan": target.plan.code,
                "measured_on": measured_on.isoformat(),
                "value": str(measurement.value),
                "source": source,
                "region": region.code if region is not None else None,
            },
        )
    return measurement
