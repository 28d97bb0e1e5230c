"""Load plans and their targets from data files (data/plans.csv names each plan's files)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from core.reference import read_csv
from targets.metrics import metric_exists
from targets.models import MeasuredBy, Plan, Target, TargetGroup


@transaction.atomic
def load_target_groups(path: str = "target_groups.csv") -> int:
    rows = list(read_csv(path))
    for row in rows:
        TargetGroup.objects.update_or_create(
            code=row["code"],
            defaults={"name_zh": row["name_zh"], "name_en": row["name_en"], "order": int(row["order"])},
        )
    return len(rows)


@transaction.atomic
def load_plan(
    *,
    code: str,
    name_zh: str,
    name_en: str,
    period_start: str,
    period_end: str,
    source: str,
    targets_file: str,
    metrics_file: str,
    is_current: bool,
) -> Plan:
    plan, _ = Plan.objects.update_or_create(
        code=code,
        defaults={
            "name_zh": name_zh,
            "name_en": name_en,
            "period_start": period_start,
            "period_end": period_end,
            "source": source,
            "is_current": is_current,
        },
    )
    metrics = {row["code"]: row["metric"] for row in read_csv(metrics_file)} if metrics_file else {}
    for order, row in enumerate(read_csv(targets_file), start=1):
        metric = metrics.get(row["code"], "")
        if row["measured_by"] == MeasuredBy.REGISTRY and not metric_exists(metric):
            raise ValueError(f"{targets_file}: registry target {row['code']} has no known metric in {metrics_file}")
        if not TargetGroup.objects.filter(code=row["group"]).exists():
            raise ValueError(f"{targets_file}: target {row['code']} names unknown group {row['group']}")
        Target.objects.update_or_create(
            plan=plan,
            code=row["code"],
            defaults={
                "group_id": row["group"],
                "name_zh": row["name_zh"],
                "name_en": row["name_en"],
                "comparator": row["comparator"],
                "value": Decimal(row["value"]),
                "unit": row["unit"],
                "deadline": row["deadline"],
                "measured_by": row["measured_by"],
                "metric": metric if row["measured_by"] == MeasuredBy.REGISTRY else "",
                "note": row["note"][:300],
                "order": order,
            },
        )
    return plan


def load_plans(path: str = "plans.csv") -> list[Plan]:
    load_target_groups()
    return [
        load_plan(
            code=row["code"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            period_start=row["period_start"],
            period_end=row["period_end"],
            source=row["source"],
            targets_file=row["targets_file"],
            metrics_file=row["metrics_file"],
            is_current=row["is_current"].lower() == "true",
        )
        for row in read_csv(path)
    ]
