"""Factories for the admin and import tests (the shared ones are in tests/factories.py)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from brands.models import BrandEvaluation
from core.models import CreditRecord, CreditRecordKind, Region
from targets.models import MeasuredBy, Measurement, RegionalAllocation, Target
from tests.factories import BrandFactory, EnterpriseFactory


class CreditRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditRecord

    enterprise = factory.SubFactory(EnterpriseFactory)
    kind = CreditRecordKind.COMMENDATION
    description = "守信激励"
    authority = "市场监督管理局"
    recorded_on = datetime.date(2024, 3, 1)


class BrandEvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BrandEvaluation

    brand = factory.SubFactory(BrandFactory)
    year = 2024
    value_cny_10k = Decimal("12345.67")
    evaluator = "品牌价值评价机构"


def reported_target() -> Target:
    """A target of the loaded plan that takes reported measurements (needs ``reference_data``)."""
    return Target.objects.filter(measured_by=MeasuredBy.REPORTED).order_by("plan", "order", "code").first()


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measurement

    target = factory.LazyFunction(reported_target)
    value = Decimal("95.5")
    measured_on = datetime.date(2020, 12, 31)
    source = "统计公报"


class RegionalAllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegionalAllocation

    target = factory.LazyFunction(reported_target)
    region = factory.LazyFunction(lambda: Region.objects.get(code="150100"))
    value = Decimal("96")
