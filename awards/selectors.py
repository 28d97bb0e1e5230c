"""Reads of the workflow."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet

from awards.models import Application, Notice, Review
from awards.workflow import State


def aggregate_score(reviews: list[Review]) -> Decimal | None:
    """Mean weighted score; with five or more reviews the highest and the lowest are dropped."""
    totals = sorted(r.total for r in reviews)
    if not totals:
        return None
    if len(totals) >= 5:
        totals = totals[1:-1]
    return (sum(totals, Decimal(0)) / len(totals)).quantize(Decimal("0.01"))


def application_reviews(application: Application) -> list[Review]:
    return list(
        Review.objects.filter(assignment__application=application)
        .select_related("assignment__reviewer")
        .prefetch_related("scores__indicator")
    )


def open_notices() -> QuerySet[Notice]:
    return (
        Notice.objects.open()
        .filter(application__state=State.PUBLIC_NOTICE)
        .select_related(
            "application__programme", "application__enterprise", "application__brand", "application__gi_product"
        )
        .order_by("deadline", "id")
    )


def closed_notices() -> QuerySet[Notice]:
    return (
        Notice.objects.closed()
        .select_related(
            "application__programme", "application__enterprise", "application__brand", "application__gi_product"
        )
        .order_by("-closed_on", "-id")
    )
