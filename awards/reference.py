"""Load the award programmes and their indicators from data files (idempotent)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from awards.models import AwardProgramme, Indicator
from core.reference import read_csv


@transaction.atomic
def load_programmes(programmes: str = "award_programmes.csv", indicators: str = "award_indicators.csv") -> int:
    count = 0
    for row in read_csv(programmes):
        programme, _ = AwardProgramme.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_zh": row["name_zh"],
                "name_en": row["name_en"],
                "subject_kind": row["subject_kind"],
                "reviewers_required": int(row["reviewers_required"]),
                "notice_working_days": int(row["notice_working_days"]),
                "validity_years": int(row["validity_years"]),
                "reward_amount": Decimal(row["reward_amount"]),
                "certificate_prefix": row["certificate_prefix"],
                "description": row["description"],
                "counts_toward_metric": row.get("counts_toward_metric", ""),
            },
        )
        programme.full_clean()
        count += 1
    weights: dict[str, Decimal] = {}
    for order, row in enumerate(read_csv(indicators), start=1):
        programme = AwardProgramme.objects.get(code=row["programme"])
        Indicator.objects.update_or_create(
            programme=programme,
            code=row["code"],
            defaults={
                "name_zh": row["name_zh"],
                "name_en": row["name_en"],
                "weight": Decimal(row["weight"]),
                "max_score": int(row["max_score"]),
                "order": order,
            },
        )
        weights[row["programme"]] = weights.get(row["programme"], Decimal(0)) + Decimal(row["weight"])
    wrong = {code: total for code, total in weights.items() if total != 100}
    if wrong:
        raise ValueError(f"{indicators}: indicator weights must add up to 100 per programme, got {wrong}")
    return count
