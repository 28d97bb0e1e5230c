"""Extra factories and helpers for the API tests (the shared ones are in tests/factories.py)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import factory
from rest_framework.test import APIClient

from targets.models import Comparator, MeasuredBy, Measurement, Plan, Target, TargetGroup


def api_client(user=None, **defaults: Any) -> APIClient:
    """An API client that asks for English (so labels are the msgids) and is logged in as ``user``."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", **defaults)
    if user is not None:
        client.force_login(user)
    return client


def find_keys(data: Any, names: set[str]) -> set[str]:
    """Every key in ``names`` that occurs anywhere in a decoded JSON document."""
    found: set[str] = set()
    if isinstance(data, dict):
        found |= names & set(data)
        for value in data.values():
            found |= find_keys(value, names)
    elif isinstance(data, list):
        for item in data:
            found |= find_keys(item, names)
    return found


class TargetGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TargetGroup
        django_get_or_create = ("code",)

    code = "product_quality"
    name_zh = "产品质量"
    name_en = "Product quality"
    order = 1


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    code = factory.Sequence(lambda n: f"plan-test-{n}")
    name_zh = factory.Sequence(lambda n: f"测试规划{n}")
    name_en = factory.Sequence(lambda n: f"Test plan {n}")
    period_start = datetime.date(2021, 1, 1)
    period_end = datetime.date(2025, 12, 31)


class TargetFactory(factory.django.DjangoModelFactory):
    """A reported target by default; ``registry=True`` counts recognised brands."""

    class Meta:
        model = Target

    plan = factory.SubFactory(PlanFactory)
    code = factory.Sequence(lambda n: f"T-{n:03d}")
    group = factory.SubFactory(TargetGroupFactory)
    name_zh = factory.Sequence(lambda n: f"测试指标{n}")
    name_en = factory.Sequence(lambda n: f"Test target {n}")
    comparator = Comparator.AT_LEAST
    value = Decimal("90")
    unit = "percent"
    deadline = datetime.date(2025, 12, 31)
    measured_by = MeasuredBy.REPORTED

    class Params:
        registry = factory.Trait(
            measured_by=MeasuredBy.REGISTRY, metric="brands_recognised", unit="brands", value=Decimal("100")
        )


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measurement

    target = factory.SubFactory(TargetFactory)
    value = Decimal("95.5")
    measured_on = datetime.date(2024, 12, 31)
    source = "自治区市场监督管理局年度报告"
